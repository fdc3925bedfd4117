// The agent's MQTT session. On every connect it publishes a retained birth message with the
// host inventory; the broker publishes the retained Last Will ("lost") if the connection dies,
// and a clean stop publishes "shutdown" itself. Data messages go through the outbox and leave
// it only when the broker acknowledges them. Reconnects back off exponentially with jitter,
// so a broker restart is not met by every agent of the hospital in the same second.

import { readFileSync } from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import { redactUrl, type Logger } from '../../common/log.js';
import { encode } from '../../protocol/encode.js';
import type { EventsMessage, Inventory, MetricsMessage, StateMessage } from '../../protocol/schema.js';
import { topicFor } from '../../protocol/topics.js';
import { connectClient, type StreamOptions } from './connect.js';
import type { Counters } from './counters.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import { Pacer } from './pacer.js';

export interface BrokerSettings {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  keepaliveS: number;
  protocolVersion: 4 | 5;
  tls?: { ca?: string; cert?: string; key?: string; servername?: string };
  /** Reconnect backoff bounds. */
  reconnect?: { initialMs: number; maxMs: number };
}

export interface SessionOptions {
  broker: BrokerSettings;
  agentId: string;
  site: string;
  counters: Counters;
  outbox: Outbox;
  inventory: () => Inventory;
  log: Logger;
  /** Messages sent before waiting for acknowledgements. */
  inflight?: number;
  backoff?: { initialMs: number; maxMs: number };
  /** Messages per second at most, so a backlog after an outage is sent at a bounded rate. */
  replayRate?: number;
}

/** An outbox that takes the sequence number itself, with the write (the spool). */
interface SequencingOutbox extends Outbox {
  append(make: (seq: number) => Omit<OutboxEntry, 'seq'>): number;
}

function takesSequence(outbox: Outbox): outbox is SequencingOutbox {
  return typeof (outbox as Partial<SequencingOutbox>).append === 'function';
}

type MetricsBody = Pick<MetricsMessage, 'samples' | 'interval_s'>;
type EventsBody = Pick<EventsMessage, 'events'>;

export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class AgentSession {
  private client: MqttClient | undefined;
  private readonly inflight = new Set<number>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private stopping = false;
  private reportedDrops = 0;
  private readonly window: number;
  private readonly pacer: Pacer | undefined;
  private pumpTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SessionOptions) {
    this.window = opts.inflight ?? 16;
    this.pacer = opts.replayRate ? new Pacer(opts.replayRate) : undefined;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  private stateTopic(): string {
    return topicFor('state', this.opts.site, this.opts.agentId);
  }

  private state(online: boolean, reason: StateMessage['reason'], ts: number): StateMessage {
    const base = {
      v: 1 as const,
      kind: 'state' as const,
      agent: this.opts.agentId,
      site: this.opts.site,
      seq: this.opts.counters.lastSeq,
      ts,
      online,
      session: this.opts.counters.session,
      reason,
    };
    return online ? { ...base, inventory: this.opts.inventory() } : base;
  }

  private clientOptions(): IClientOptions & StreamOptions {
    const b = this.opts.broker;
    const tls = b.tls;
    return {
      clientId: b.clientId,
      username: b.username ?? this.opts.agentId,
      ...(b.password !== undefined ? { password: b.password } : {}),
      protocolVersion: b.protocolVersion,
      clean: true,
      keepalive: b.keepaliveS,
      connectTimeout: 10_000,
      reconnectPeriod: 0, // we reconnect ourselves, with backoff and jitter
      will: {
        topic: this.stateTopic(),
        payload: encode(this.state(false, 'lost', Date.now())),
        qos: 1,
        retain: true,
      },
      ...(tls?.ca ? { ca: readFileSync(tls.ca) } : {}),
      ...(tls?.cert ? { cert: readFileSync(tls.cert) } : {}),
      ...(tls?.key ? { key: readFileSync(tls.key) } : {}),
      ...(tls?.servername ? { servername: tls.servername } : {}),
      rejectUnauthorized: true,
    };
  }

  async start(): Promise<void> {
    const log = this.opts.log;
    const client = await connectClient(this.opts.broker.url, this.clientOptions());
    this.client = client;
    client.on('connect', () => {
      this.attempt = 0;
      log.info('connected to broker', { broker: redactUrl(this.opts.broker.url), session: this.opts.counters.session });
      client.publish(this.stateTopic(), encode(this.state(true, 'birth', Date.now())), { qos: 1, retain: true });
      if (this.opts.outbox.size > 0) log.info('sending spooled messages', { messages: this.opts.outbox.size });
      const dropped = this.opts.outbox.dropped;
      if (dropped > this.reportedDrops) {
        log.warn('messages dropped while the broker was unreachable', { dropped: dropped - this.reportedDrops, total: dropped });
        this.reportedDrops = dropped;
      }
      this.pump();
    });
    client.on('close', () => this.scheduleReconnect());
    client.on('error', (err) => {
      log.warn('broker connection error', { broker: redactUrl(this.opts.broker.url), error: err.message });
    });
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer) return;
    const b = this.opts.backoff ?? this.opts.broker.reconnect ?? { initialMs: 1_000, maxMs: 60_000 };
    const delay = backoffDelay(this.attempt++, b.initialMs, b.maxMs);
    this.opts.log.debug('reconnecting', { in_ms: delay, attempt: this.attempt });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopping && this.client && !this.client.connected) this.client.reconnect();
    }, delay);
  }

  /** Stamps the envelope, takes the next sequence number and queues the message. */
  send(kind: 'metrics', ts: number, body: MetricsBody): number;
  send(kind: 'events', ts: number, body: EventsBody): number;
  send(kind: 'metrics' | 'events', ts: number, body: MetricsBody | EventsBody): number {
    const outbox = this.opts.outbox;
    if (takesSequence(outbox)) {
      const topic = topicFor(kind, this.opts.site, this.opts.agentId);
      const seq = outbox.append((seq) => ({ topic, payload: encode({ v: 1, kind, agent: this.opts.agentId, site: this.opts.site, seq, ts, ...body } as MetricsMessage | EventsMessage) }));
      this.pump();
      return seq;
    }
    const seq = this.opts.counters.nextSeq();
    const message = { v: 1, kind, agent: this.opts.agentId, site: this.opts.site, seq, ts, ...body } as MetricsMessage | EventsMessage;
    this.opts.outbox.push({ seq, topic: topicFor(kind, this.opts.site, this.opts.agentId), payload: encode(message) });
    this.pump();
    return seq;
  }

  private pump(): void {
    const client = this.client;
    if (!client?.connected || this.inflight.size >= this.window) return;
    for (const entry of this.opts.outbox.peek(this.window + this.inflight.size)) {
      if (this.inflight.size >= this.window) break;
      if (this.inflight.has(entry.seq)) continue;
      if (this.pacer && !this.pacer.take(Date.now())) {
        this.pumpLater(this.pacer.waitMs(Date.now()));
        break;
      }
      this.inflight.add(entry.seq);
      this.opts.outbox.sending?.(entry.seq);
      client.publish(entry.topic, entry.payload, { qos: 1 }, (err) => {
        this.inflight.delete(entry.seq);
        if (!err) {
          this.opts.outbox.ack(entry.seq);
          this.pump();
        }
      });
    }
  }

  private pumpLater(ms: number): void {
    if (this.pumpTimer) return;
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      this.pump();
    }, Math.max(1, ms));
  }

  /** Publishes "shutdown" so the correlator knows this was intended, then disconnects. */
  async stop(timeoutMs = 3_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.pumpTimer);
    const client = this.client;
    if (!client) return;
    if (client.connected) {
      await Promise.race([
        client.publishAsync(this.stateTopic(), encode(this.state(false, 'shutdown', Date.now())), { qos: 1, retain: true }).catch(() => undefined),
        new Promise((r) => setTimeout(r, timeoutMs).unref()),
      ]);
    }
    await client.endAsync(!client.connected).catch(() => undefined);
  }
}
