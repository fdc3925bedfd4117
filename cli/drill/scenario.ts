// Drill scenarios (rules/drills/*.yaml): simulated agents, the fault they report, and the
// recovery. Every agent id starts with "drill-", every agent and check carries the label
// drill=<id>, so the drill is marked end to end and a broker ACL can allow a drill user to
// publish as drill-* agents only. The messages are built here (pure) and checked against the
// wire contract before anything is sent.

import type { FromSchema } from 'json-schema-to-ts';
import { DURATION_PATTERN, durationMs } from '../../common/duration.js';
import { loadYamlFile, type FileError } from '../../common/yaml-file.js';
import { decode, encode } from '../../protocol/decode.js';
import { eventsSchema, inventorySchema, sampleSchema } from '../../protocol/schema.js';
import type { Inventory, Message } from '../../protocol/schema.js';
import { topicFor } from '../../protocol/topics.js';

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-expected': 'a duration like "2s" or "1m"' } as const;
const agentId = { type: 'string', pattern: '^drill-[a-z0-9][a-z0-9._-]{0,55}$', 'x-expected': 'an agent id starting with "drill-"' } as const;

const send = {
  type: 'object',
  additionalProperties: false,
  required: ['agent'],
  properties: {
    agent: agentId,
    metrics: { type: 'array', items: sampleSchema, minItems: 1 },
    events: eventsSchema.properties.events,
    offline: { type: 'boolean', description: 'The agent goes away: its Last Will ("lost") is published.' },
  },
} as const;

const phase = {
  type: 'object',
  additionalProperties: false,
  required: ['send'],
  properties: {
    every: { ...duration, default: '2s', description: 'Send again this often while the phase lasts.' },
    for: { ...duration, default: '6s', description: 'How long the phase lasts at least.' },
    send: { type: 'array', minItems: 1, items: send },
  },
} as const;

export const scenarioSchema = {
  $id: 'https://wardwatch.dev/schema/drill.json',
  title: 'Wardwatch drill scenario',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'title', 'agents', 'fault', 'recover'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,40}$', 'x-expected': 'a short name of lowercase letters, digits and "-"' },
    title: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
    site: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,62}$', default: 'main' },
    agents: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      items: { type: 'object', additionalProperties: false, required: ['id', 'role'], properties: { id: agentId, role: inventorySchema.properties.role, labels: inventorySchema.properties.labels } },
    },
    fault: phase,
    recover: phase,
    expect: {
      type: 'object',
      additionalProperties: false,
      properties: {
        priority: { enum: ['P1', 'P2', 'P3', 'P4'], description: 'The priority the incident should get.' },
        runbook: { type: 'boolean', description: 'A runbook must be attached.' },
        escalation: { type: 'boolean', description: 'The ticket must escalate while nobody acknowledges (needs short deadlines or --hold).' },
      },
    },
  },
} as const;

export type Scenario = FromSchema<typeof scenarioSchema, { keepDefaultedPropertiesOptional: true }>;
type Send = Scenario['fault']['send'][number];

export function loadScenario(path: string, display?: string): { ok: true; scenario: Scenario } | { ok: false; errors: FileError[] } {
  const r = loadYamlFile<Scenario>(path, scenarioSchema, { ...(display ? { displayName: display } : {}) });
  if (!r.ok) return r;
  const ids = new Set(r.value.agents.map((a) => a.id));
  const errors: FileError[] = [];
  for (const p of ['fault', 'recover'] as const) {
    r.value[p].send.forEach((s, i) => ids.has(s.agent) || errors.push(r.source.error([p, 'send', i, 'agent'], `unknown agent "${s.agent}"; define it under agents`)));
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, scenario: r.value };
}

export function phaseTiming(p: Scenario['fault']): { everyMs: number; forMs: number } {
  return { everyMs: durationMs(p.every ?? '2s'), forMs: durationMs(p.for ?? '6s') };
}

export interface Outgoing {
  topic: string;
  payload: Buffer;
  retain: boolean;
  what: string;
}

/** Builds and checks the wire messages of simulated agents; sequence numbers grow per agent. */
export class DrillAgents {
  private readonly seq = new Map<string, number>();
  readonly session: number;

  constructor(
    readonly scenario: Scenario,
    readonly drillId: string,
    readonly page: boolean,
    now: number,
  ) {
    // Sequence numbers start at the clock so a later run of the same drill is never a "redelivery".
    for (const a of scenario.agents) this.seq.set(a.id, now);
    this.session = Math.floor(now / 1000);
  }

  private site(): string {
    return this.scenario.site ?? 'main';
  }

  private labels(extra: Record<string, string> | undefined): Record<string, string> {
    return { ...(extra ?? {}), drill: this.drillId, ...(this.page ? { drill_page: 'yes' } : {}) };
  }

  private message(m: Message): Outgoing {
    const topic = topicFor(m.kind, m.site, m.agent);
    const payload = encode(m);
    const checked = decode(topic, payload);
    if (!checked.ok) throw new Error(`drill message for ${m.agent} breaks the wire contract: ${checked.code} ${checked.detail}`);
    return { topic, payload, retain: false, what: `${m.agent} ${m.kind}` };
  }

  birth(agent: string, at: number, intervalS = 2): Outgoing {
    const a = this.scenario.agents.find((x) => x.id === agent) as Scenario['agents'][number];
    const inventory: Inventory = { hostname: a.id, role: a.role, version: 'drill', interval_s: intervalS, labels: this.labels(a.labels as Record<string, string>), os: { platform: 'linux', arch: 'x64' } };
    return this.message({ v: 1, kind: 'state', agent: a.id, site: this.site(), seq: this.seq.get(a.id) as number, ts: at, online: true, session: this.session, reason: 'birth', inventory });
  }

  lost(agent: string, at: number): Outgoing {
    return this.message({ v: 1, kind: 'state', agent, site: this.site(), seq: this.seq.get(agent) as number, ts: at, online: false, session: this.session, reason: 'lost' });
  }

  /** Decommissions a simulated agent: the correlator forgets it and raises nothing. */
  retired(agent: string, at: number): Outgoing {
    return this.message({ v: 1, kind: 'state', agent, site: this.site(), seq: this.seq.get(agent) as number, ts: at, online: false, session: this.session, reason: 'retired' });
  }

  private next(agent: string): number {
    const n = (this.seq.get(agent) as number) + 1;
    this.seq.set(agent, n);
    return n;
  }

  /** The messages one send item stands for, at one instant. */
  build(s: Send, at: number): Outgoing[] {
    const out: Outgoing[] = [];
    if (s.offline) out.push(this.lost(s.agent, at));
    if (s.metrics) out.push(this.message({ v: 1, kind: 'metrics', agent: s.agent, site: this.site(), seq: this.next(s.agent), ts: at, interval_s: 2, samples: s.metrics }));
    if (s.events) {
      const events = s.events.map((e) => ({ ...e, labels: this.labels(e.labels as Record<string, string> | undefined) }));
      out.push(this.message({ v: 1, kind: 'events', agent: s.agent, site: this.site(), seq: this.next(s.agent), ts: at, events }));
    }
    return out;
  }
}
