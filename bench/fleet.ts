// A simulated hospital fleet: agents that are born, report metrics and check results, and die,
// written as the JSON lines the correlator records. Used to make the scenario streams under
// test/scenarios and the storms of the correlation benchmark.

import { encode } from '../protocol/encode.js';
import type { CheckResult, Inventory, Message, Sample } from '../protocol/schema.js';
import { topicFor } from '../protocol/topics.js';

export interface Line {
  topic?: string;
  payload?: string;
  at: number;
  silence?: unknown;
  unsilence?: { id: string; by: string };
  /** Beside a silence in the API's request shape: its id (for an unsilence line) and who set it. */
  id?: string;
  by?: string;
}

interface SimAgent {
  id: string;
  seq: number;
  session: number;
  inventory: Inventory;
}

export class FleetSim {
  readonly lines: Line[] = [];
  private readonly agents = new Map<string, SimAgent>();

  constructor(readonly site = 'main') {}

  private emit(m: Message, at: number): void {
    this.lines.push({ topic: topicFor(m.kind, m.site, m.agent), payload: encode(m).toString('utf8'), at });
  }

  add(id: string, role: Inventory['role'], labels: Record<string, string> = {}, intervalS = 15): this {
    this.agents.set(id, { id, seq: 0, session: 0, inventory: { hostname: id, role, version: 'sim', interval_s: intervalS, labels, os: { platform: 'linux', arch: 'x64' } } });
    return this;
  }

  private agent(id: string): SimAgent {
    const a = this.agents.get(id);
    if (!a) throw new Error(`no simulated agent ${id}`);
    return a;
  }

  birth(id: string, at: number): this {
    const a = this.agent(id);
    a.session++;
    this.emit({ v: 1, kind: 'state', agent: id, site: this.site, seq: a.seq, ts: at, online: true, session: a.session, reason: 'birth', inventory: a.inventory }, at);
    return this;
  }

  /** The broker publishing the agent's Last Will (it is stamped with the connect time). */
  will(id: string, at: number): this {
    const a = this.agent(id);
    this.emit({ v: 1, kind: 'state', agent: id, site: this.site, seq: a.seq, ts: at, online: false, session: a.session, reason: 'lost' }, at);
    return this;
  }

  metrics(id: string, at: number, samples: Sample[], ts = at): this {
    const a = this.agent(id);
    this.emit({ v: 1, kind: 'metrics', agent: id, site: this.site, seq: ++a.seq, ts, interval_s: a.inventory.interval_s, samples }, at);
    return this;
  }

  events(id: string, at: number, events: CheckResult[], ts = at): this {
    const a = this.agent(id);
    this.emit({ v: 1, kind: 'events', agent: id, site: this.site, seq: ++a.seq, ts, events }, at);
    return this;
  }

  /** A silence as recorded (a Silence) or as asked for (the API's request body, with id and by). */
  silence(at: number, silence: unknown, who: { id?: string; by?: string } = {}): this {
    this.lines.push({ at, silence, ...who });
    return this;
  }

  sorted(): Line[] {
    return [...this.lines].sort((a, b) => a.at - b.at);
  }

  jsonl(): string {
    return this.sorted().map((l) => JSON.stringify(l)).join('\n') + '\n';
  }
}

/** A deterministic pseudo-random sequence (mulberry32), so generated streams never change. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}
