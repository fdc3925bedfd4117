// The SNMP trap receiver: a listener, not a periodic probe. It binds a UDP port (127.0.0.1:162
// unless configured), accepts notifications from the configured communities (v1/v2c) and
// users (v3), and publishes each as a result about the device that sent it (trap-map.ts). Its
// scheduled run reports the receiver itself: listening or not, traps received and rejected.
// A port it cannot bind is retried on every run, so a receiver that starts before the network
// is up recovers by itself.

import { createSocket, type Socket } from 'node:dgram';
import type { FromSchema } from 'json-schema-to-ts';
import type { Notification, Receiver } from 'net-snmp';
import { RateLimiter } from '../../common/log.js';
import { commonCheckProperties, type CheckContext, type CheckOutcome, type CheckType } from './check.js';
import { ItemReporter, type ItemOutcome } from './items.js';
import type { Emit, ListeningCheck } from './listener.js';
import { loadNetSnmp } from './snmp-poll.js';
import { snmpV3Schema } from './snmp.js';
import { trapEvent } from './snmp-trap-map.js';

export const snmpTrapCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type'],
  anyOf: [{ required: ['communities'] }, { required: ['users'] }],
  'x-expected': 'communities (v1/v2c) or users (v3) to accept traps from',
  properties: {
    ...commonCheckProperties,
    type: { const: 'snmp_trap', description: 'Receive SNMP traps (linkDown, linkUp, …) and publish them as results about the sending device.' },
    listen: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Address to bind; 0.0.0.0 (or ::) to receive from the network.' },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 162, description: 'Ports below 1024 need CAP_NET_BIND_SERVICE.' },
    communities: { type: 'array', minItems: 1, maxItems: 16, items: { type: 'string', minLength: 1 }, description: 'Accepted v1/v2c communities; write ${file:…}.' },
    users: { type: 'array', minItems: 1, maxItems: 16, items: snmpV3Schema, description: 'Accepted SNMPv3 users.' },
    nodes: {
      type: 'object',
      description: 'Source address → topology node, e.g. "10.1.0.1": core-sw-1. Unmapped senders are named by their address.',
      propertyNames: { pattern: '^[0-9a-fA-F.:]{2,45}$' },
      additionalProperties: commonCheckProperties.node,
    },
  },
} as const;

export type SnmpTrapCheckSpec = FromSchema<typeof snmpTrapCheckSchema, { keepDefaultedPropertiesOptional: true }>;

const FLUSH_MS = 1_000;
const MAX_QUEUED = 5_000;

/** Resolves once the socket listens; rejects with the bind error (port in use, no privilege). */
function bound(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      socket.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
  });
}

export class TrapReceiver {
  private receiver: Receiver | undefined;
  private emit: Emit | undefined;
  private problem: string | undefined;
  private queue: ItemOutcome[] = [];
  private timer: NodeJS.Timeout | undefined;
  private counts = { received: 0, rejected: 0, dropped: 0 };
  private readonly limiter = new RateLimiter(60_000);
  private readonly reporter: ItemReporter;
  private readonly where: string;

  constructor(
    private readonly spec: SnmpTrapCheckSpec,
    private readonly ctx: CheckContext,
  ) {
    this.reporter = new ItemReporter(spec, 'snmp_trap');
    this.where = `udp ${spec.listen ?? '127.0.0.1'}:${spec.port ?? 162}`;
  }

  get listening(): boolean {
    return this.receiver !== undefined;
  }

  async listen(emit: Emit): Promise<void> {
    this.emit = emit;
    await this.reporter.listen(emit);
    await this.bind();
  }

  /** Tries to bind; on failure remembers why (the next run reports it and tries again). */
  async bind(): Promise<void> {
    if (this.receiver || !this.emit) return;
    const address = this.spec.listen ?? '127.0.0.1';
    const type = address.includes(':') ? 'udp6' : 'udp4';
    let socket: Socket | undefined;
    let receiver: Receiver | undefined;
    try {
      const snmp = await loadNetSnmp();
      // net-snmp binds the socket it gets from dgramModule; handing it ours lets us see the bind.
      const dgramModule = { createSocket: (t: 'udp4' | 'udp6') => (socket = createSocket(t)) };
      receiver = snmp.createReceiver({ port: this.spec.port ?? 162, address, transport: type, dgramModule }, (err, n) => this.onNotification(err, n));
      if (!socket) throw new Error('net-snmp did not create its socket');
      await bound(socket);
      this.receiver = receiver;
      const auth = receiver.getAuthorizer();
      for (const c of this.spec.communities ?? []) auth.addCommunity(c);
      for (const u of this.spec.users ?? []) {
        const priv = u.priv_password !== undefined;
        auth.addUser({
          name: u.user,
          level: priv ? snmp.SecurityLevel.authPriv : snmp.SecurityLevel.authNoPriv,
          authProtocol: snmp.AuthProtocols[u.auth_protocol ?? 'sha'],
          authKey: u.auth_password,
          ...(priv ? { privProtocol: snmp.PrivProtocols[u.priv_protocol ?? 'aes'], privKey: u.priv_password } : {}),
        });
      }
      this.problem = undefined;
    } catch (err) {
      (socket as Socket | undefined)?.removeAllListeners().on('error', () => undefined);
      try {
        (socket as Socket | undefined)?.close();
      } catch {
        // never bound: nothing to close
      }
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      const hint = code === 'EACCES' ? ' (ports below 1024 need CAP_NET_BIND_SERVICE)' : code === 'EADDRINUSE' ? ' (another trap receiver, snmptrapd?)' : '';
      this.problem = `cannot listen on ${this.where}: ${code}${hint}`;
    }
  }

  private onNotification(err: (Error & { rinfo?: { address: string } }) | null, n: Notification | null): void {
    if (err && !this.receiver) return; // the bind error, reported by bind()
    if (err || !n) {
      // Unknown community or user, or a packet that is not SNMP. Its content is not logged:
      // a community string is a password, even a wrong one.
      this.counts.rejected++;
      const from = err?.rinfo?.address ?? 'unknown';
      const suppressed = this.limiter.allow(`trap-reject:${from}`);
      if (suppressed >= 0) this.ctx.log.warn('SNMP trap rejected', { check: this.spec.name, from, reason: err?.name ?? 'invalid', suppressed });
      return;
    }
    this.counts.received++;
    if (this.queue.length >= MAX_QUEUED) {
      this.counts.dropped++;
      return;
    }
    const e = trapEvent(n, this.spec.nodes ?? {});
    this.queue.push({ status: e.status, summary: e.summary, target: e.target, node: e.node, key: e.key, fields: e.fields });
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Publishes the traps received in the last second as one message. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue.splice(0);
    if (batch.length > 0) this.reporter.report(batch, 0);
  }

  async unlisten(): Promise<void> {
    this.flush();
    const r = this.receiver;
    this.receiver = undefined;
    this.emit = undefined;
    await this.reporter.unlisten();
    if (r) await new Promise<void>((resolve) => r.close(() => resolve()));
  }

  /** The receiver's own result: listening, and what came in since the last run. */
  async run(): Promise<CheckOutcome> {
    await this.bind();
    const c = this.counts;
    this.counts = { received: 0, rejected: 0, dropped: 0 };
    const fields = { traps: c.received, traps_rejected: c.rejected, traps_dropped: c.dropped };
    if (this.problem) return { status: 'critical', summary: this.problem, target: `snmp-trap://${this.where}`, fields };
    if (!this.emit) return { status: 'unknown', summary: 'receiver not started', fields };
    const extra = [c.rejected ? `${c.rejected} rejected (unknown community or user)` : '', c.dropped ? `${c.dropped} dropped (more than ${MAX_QUEUED} a second)` : ''].filter(Boolean);
    return { status: c.dropped > 0 ? 'warning' : 'ok', summary: `listening on ${this.where}; ${c.received} traps since the last run${extra.length ? `, ${extra.join(', ')}` : ''}`, target: `snmp-trap://${this.where}`, fields };
  }
}

export const snmpTrapCheck: CheckType<SnmpTrapCheckSpec> = {
  schema: snmpTrapCheckSchema,
  create(spec, ctx) {
    const receiver = new TrapReceiver(spec, ctx);
    const check: ListeningCheck & { receiver: TrapReceiver } = {
      name: spec.name,
      type: 'snmp_trap',
      receiver,
      listen: (emit) => receiver.listen(emit),
      unlisten: () => receiver.unlisten(),
      run: () => receiver.run(),
    };
    return check;
  },
};
