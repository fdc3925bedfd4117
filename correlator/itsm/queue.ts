// Ticket changes to external systems through a queue in the store: an event becomes a job per
// system (open, update, resolve); a worker sends due jobs, one at a time per ticket and system
// so their order holds; a failure degrades that system only and is retried with backoff, a
// permanent one (4xx) is marked failed and logged. A restart picks up where it stopped.

import { RateLimiter, type Logger } from '../../common/log.js';
import type { Store } from '../store/store.js';
import type { Language } from '../ticket/i18n.js';
import { renderReport } from '../ticket/report.js';
import type { TicketEvent, TicketFollower } from '../desk/service.js';
import { ticketRef } from '../ticket/ticket.js';
import { incidentRef } from '../correlate/incident.js';
import type { ItsmSpec } from './config.js';
import { jiraSink } from './jira.js';
import { servicenowSink } from './servicenow.js';
import type { ItsmTicket, SinkResult, TicketSink } from './sink.js';
import { webhookSink } from './webhook.js';
import { zammadSink } from './zammad.js';

export const SINK_TYPES = {
  webhook: (name, spec) => webhookSink(name, spec as Extract<ItsmSpec, { type: 'webhook' }>),
  jira: (name, spec) => jiraSink(name, spec as Extract<ItsmSpec, { type: 'jira' }>),
  servicenow: (name, spec) => servicenowSink(name, spec as Extract<ItsmSpec, { type: 'servicenow' }>),
  zammad: (name, spec) => zammadSink(name, spec as Extract<ItsmSpec, { type: 'zammad' }>),
} satisfies Record<ItsmSpec['type'], (name: string, spec: ItsmSpec) => TicketSink>;

const OPS: Partial<Record<TicketEvent['type'], 'open' | 'update' | 'resolve'>> = {
  opened: 'open',
  reopened: 'update',
  acknowledged: 'update',
  'handed-over': 'update',
  noted: 'update',
  escalated: 'update',
  resolved: 'resolve',
};

const MAX_ATTEMPTS = 100;

export interface ItsmQueueOptions {
  store: Store;
  log: Logger;
  sinks: TicketSink[];
  language: Language;
  timeZone: string;
  ticketUrl?: string;
  clock?: () => number;
  backoffMs?: number;
  maxBackoffMs?: number;
  onResult?: (sink: TicketSink, op: string, result: SinkResult) => void;
}

export class ItsmQueue implements TicketFollower {
  readonly name = 'itsm';
  private readonly clock: () => number;
  private readonly limiter = new RateLimiter(60_000);
  private readonly sinks: Map<string, TicketSink>;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly opts: ItsmQueueOptions) {
    this.clock = opts.clock ?? Date.now;
    this.sinks = new Map(opts.sinks.map((s) => [s.name, s]));
  }

  private payload(e: TicketEvent): ItsmTicket {
    const t = e.ticket;
    const url = this.opts.ticketUrl?.replace('{id}', String(t.id));
    return {
      ticketId: t.id,
      ref: ticketRef(t.id),
      incident: incidentRef(t.incidentId),
      priority: t.priority,
      title: t.title,
      text: renderReport(t.report, e.at, { language: this.opts.language, timeZone: this.opts.timeZone }),
      root: t.root,
      ...(url ? { url } : {}),
      ...(t.report.root.service ? { service: t.report.root.service } : {}),
      ...(t.drill ? { drill: t.drill } : {}),
      ...(e.type !== 'opened' ? { note: `[${e.actor}] ${e.type}: ${e.detail}` } : {}),
    };
  }

  async follow(e: TicketEvent): Promise<void> {
    const op = OPS[e.type];
    if (!op || this.sinks.size === 0) return;
    const payload = JSON.stringify(this.payload(e));
    const jobs = [...this.sinks.values()].filter((s) => !e.ticket.drill || s.drills).map((s) => ({ sink: s.name, ticketId: e.ticket.id, op, payload, nextAt: this.clock() }));
    if (jobs.length > 0) await this.opts.store.enqueueItsm(jobs);
    this.kick();
  }

  start(everyMs = 1_000): void {
    this.timer = setInterval(() => void this.work(), everyMs);
    this.timer.unref?.();
  }

  /** Runs the queue soon (after a new job) rather than at the next interval. */
  kick(): void {
    setImmediate(() => void this.work());
  }

  async work(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const job of await this.opts.store.dueItsm(this.clock(), 50)) {
        const sink = this.sinks.get(job.sink);
        if (!sink) {
          await this.opts.store.finishItsm(job.id, { ok: false, error: `no ticket system "${job.sink}" in the config`, nextAt: null });
          continue;
        }
        const t = JSON.parse(job.payload) as ItsmTicket;
        let result: SinkResult;
        if (job.op === 'open') result = await sink.open(t);
        else {
          const externalId = await this.opts.store.itsmLink(sink.name, job.ticketId);
          result = externalId ? await (job.op === 'update' ? sink.update(externalId, t) : sink.resolve(externalId, t)) : { ok: false, retry: false, code: 'rejected', detail: `${t.ref} was never opened in ${sink.name}` };
        }
        this.opts.onResult?.(sink, job.op, result);
        if (result.ok) {
          await this.opts.store.finishItsm(job.id, { ok: true, ...(result.externalId ? { externalId: result.externalId } : {}) });
          continue;
        }
        const give = !result.retry || job.attempts + 1 >= MAX_ATTEMPTS;
        const wait = Math.min(this.opts.maxBackoffMs ?? 600_000, (this.opts.backoffMs ?? 5_000) * 2 ** Math.min(job.attempts, 16));
        await this.opts.store.finishItsm(job.id, { ok: false, error: `${result.code}: ${result.detail}`, nextAt: give ? null : this.clock() + wait });
        if (this.limiter.allow(`${sink.name}:${give}`) >= 0) {
          this.opts.log[give ? 'error' : 'warn'](give ? 'ticket system refused; job given up' : 'ticket system unavailable; will retry', { system: sink.name, op: job.op, ticket: t.ref, code: result.code, detail: result.detail });
        }
      }
    } catch (err) {
      if (this.limiter.allow('work') >= 0) this.opts.log.error('ITSM queue failed; retrying', { error: (err as Error).message });
    } finally {
      this.running = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
