// Simulated agents that are real MQTT clients speaking the agents' wire protocol: each its own
// connection with a retained Last Will, a retained birth with its inventory on every connect,
// metrics every interval. `drop()` destroys the socket without a DISCONNECT, so the broker
// publishes the Will at once, as when a switch between agent and broker dies; with `follow`
// an agent whose connection closes reconnects with the agent's backoff and announces a new
// session, as a real agent does after a broker restart.

import mqtt, { type MqttClient } from 'mqtt';
import { backoffDelay } from '../../agent/publish/session.js';
import { encode } from '../../protocol/encode.js';
import type { CheckResult, Inventory, Message, StateMessage } from '../../protocol/schema.js';
import { topicFor } from '../../protocol/topics.js';

export interface LiveAgentSpec {
  id: string;
  role: Inventory['role'];
  labels?: Record<string, string>;
  intervalS?: number;
}

export class LiveAgent {
  private client: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private attempt = 0;
  private stopped = false;
  session = 0;
  private seq = 0;
  /** Sessions this agent announced (births). */
  births = 0;

  constructor(
    readonly spec: LiveAgentSpec,
    private readonly url: string,
    private readonly site = 'main',
    /** Reconnect after the connection closes (a broker restart). */
    private readonly follow = true,
  ) {}

  get id(): string {
    return this.spec.id;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  private get intervalS(): number {
    return this.spec.intervalS ?? (this.spec.role === 'terminal' ? 60 : 15);
  }

  private state(online: boolean): StateMessage {
    const base = { v: 1 as const, kind: 'state' as const, agent: this.id, site: this.site, seq: this.seq, ts: Date.now(), online, session: this.session, reason: online ? ('birth' as const) : ('lost' as const) };
    if (!online) return base;
    const inventory: Inventory = { hostname: this.id, role: this.spec.role, version: 'sim', interval_s: this.intervalS, labels: this.spec.labels ?? {}, os: { platform: 'linux', arch: 'x64' } };
    return { ...base, inventory };
  }

  private publish(m: Message, retain = false): void {
    this.client?.publish(topicFor(m.kind, m.site, m.agent), encode(m), { qos: 1, retain });
  }

  /** Connects (a new session), announces itself, starts reporting. */
  async connect(): Promise<void> {
    this.session++;
    const client = mqtt.connect(this.url, {
      clientId: `sim-${this.id}`,
      username: this.id,
      protocolVersion: 5,
      clean: true,
      keepalive: 30,
      connectTimeout: 5_000,
      reconnectPeriod: 0,
      will: { topic: topicFor('state', this.site, this.id), payload: encode(this.state(false)), qos: 1, retain: true },
    });
    this.client = client;
    client.on('error', () => undefined);
    client.once('close', () => this.closed(client));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('close', () => reject(new Error(`${this.id}: connection closed before CONNACK`)));
    });
    this.attempt = 0;
    this.births++;
    this.publish(this.state(true), true);
    this.report();
    // Spread the fleet's reports over the interval, as agents started at different times are.
    clearTimeout(this.timer);
    const every = this.intervalS * 1000;
    this.timer = setTimeout(() => {
      this.timer = setInterval(() => this.report(), every);
    }, Math.floor(Math.random() * every));
  }

  private report(): void {
    if (!this.client?.connected) return;
    this.publish({ v: 1, kind: 'metrics', agent: this.id, site: this.site, seq: ++this.seq, ts: Date.now(), interval_s: this.intervalS, samples: [{ m: 'cpu', fields: { usage_percent: 12 } }] });
  }

  /** Check results (a probe's pings), sent now. */
  events(events: CheckResult[]): void {
    if (!this.client?.connected) return;
    this.publish({ v: 1, kind: 'events', agent: this.id, site: this.site, seq: ++this.seq, ts: Date.now(), events });
  }

  private closed(client: MqttClient): void {
    if (client !== this.client) return;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    if (this.stopped || !this.follow) return;
    const delay = backoffDelay(this.attempt++, 1_000, 60_000);
    this.retry = setTimeout(() => {
      client.end(true);
      // A refused attempt closes its client, which schedules the next one.
      this.connect().catch(() => undefined);
    }, delay);
  }

  /** The connection dies under the agent (no DISCONNECT): the broker publishes its Will. */
  drop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    const client = this.client;
    (client as unknown as { stream?: { destroy(): void } } | undefined)?.stream?.destroy();
    client?.end(true);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.client?.end(true);
  }
}

export class LiveFleet {
  readonly agents: LiveAgent[];

  constructor(specs: LiveAgentSpec[], url: string, site = 'main') {
    this.agents = specs.map((s) => new LiveAgent(s, url, site));
  }

  get(id: string): LiveAgent {
    const a = this.agents.find((x) => x.id === id);
    if (!a) throw new Error(`no simulated agent ${id}`);
    return a;
  }

  /** Connects every agent, a few at a time (as a morning's start-up does, not all in one ms). */
  async connect(batch = 20): Promise<void> {
    for (let i = 0; i < this.agents.length; i += batch) await Promise.all(this.agents.slice(i, i + batch).map((a) => a.connect()));
  }

  get connectedCount(): number {
    return this.agents.filter((a) => a.connected).length;
  }

  stop(): void {
    for (const a of this.agents) a.stop();
  }
}
