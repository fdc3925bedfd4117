// Everything after the store commit, wired once: ticket terms (policy, SLA deadlines,
// reopening) set on the store, the ticket service as a decision sink, notification channels,
// external ticket systems, the knowledge base and runbooks, and the HTTP API. Two phases,
// because the API needs the pipeline and the pipeline needs this stage's sink:
//   createTicketStage() before the pipeline, start() after it, stop() before the store closes.

import type { Logger } from '../../common/log.js';
import { startApi } from '../api/server.js';
import { Authenticator } from '../api/auth.js';
import type { CorrelatorConfig } from '../config/load.js';
import type { Engine } from '../engine/engine.js';
import { openingTerms } from '../escalate/policy.js';
import type { Pipeline } from '../ingest/pipeline.js';
import { ItsmQueue, SINK_TYPES } from '../itsm/queue.js';
import { KnowledgeBase } from '../knowledge/base.js';
import { RunbookLibrary } from '../knowledge/runbooks.js';
import { Notifier } from '../notify/notifier.js';
import type { CorrelatorMetrics } from '../observe/metrics.js';
import type { Store } from '../store/store.js';
import { TicketService, type TicketEvent } from '../desk/service.js';

/** The time-series writer's view of ticket events (correlator/timeseries). */
export interface TicketEventRecorder {
  recordTicketEvent(e: { ticketId: number; incidentId: number; action: string; priority: string; actor: string; at: number; responseDue?: number; resolveDue?: number; site?: string }): void;
}

export interface TicketStage {
  readonly service: TicketService;
  readonly notifier: Notifier;
  readonly itsm: ItsmQueue;
  /** The API's address once started, e.g. "http://127.0.0.1:9743". */
  apiUrl?: string;
  start(deps: { engine: Engine; pipeline: Pipeline; timeseries?: TicketEventRecorder | undefined }): Promise<void>;
  stop(): Promise<void>;
}

export function createTicketStage(config: CorrelatorConfig, deps: { store: Store; metrics: CorrelatorMetrics; log: Logger; clock?: () => number }): TicketStage {
  const { store, metrics } = deps;
  const log = deps.log.child({ part: 'tickets' });
  const clock = deps.clock ?? Date.now;
  const t = config.tickets;
  const sla = t.escalation.sla;
  store.configureTickets({ terms: (priority, at) => openingTerms(sla, priority, at), reopenWithinMs: t.tickets.reopenWithinMs });
  const context = { language: t.tickets.language, timeZone: t.escalation.timeZone, ...(t.tickets.url ? { ticketUrl: t.tickets.url } : {}) };
  let service: TicketService | undefined;
  const notifier = new Notifier(t.notify, {
    store,
    log,
    context,
    clock,
    onAttempt: (channel, result) => metrics.notifications.inc({ channel, result: result.ok ? 'sent' : result.throttled ? 'throttled' : 'failed' }),
    onRecorded: async (r) => {
      if (r.status === 'sent') await service?.noteNotified(r.ticketIds, `${r.channel}: ${r.kind}${r.recipients.length ? ` → ${r.recipients.map((p) => p.name).join(', ')}` : ''}`);
      if (r.status === 'dead') metrics.notifications.inc({ channel: r.channel, result: 'dead' });
    },
  });
  const itsm = new ItsmQueue({
    store,
    log,
    sinks: [...t.itsm].map(([name, spec]) => SINK_TYPES[spec.type](name, spec)),
    language: context.language,
    timeZone: context.timeZone,
    ...(context.ticketUrl ? { ticketUrl: context.ticketUrl } : {}),
    clock,
    onResult: (sink, op, result) => metrics.itsmOperations.inc({ system: sink.name, op, result: result.ok ? 'ok' : result.retry ? 'retry' : 'failed' }),
  });
  service = new TicketService({ store, log, sla, directory: t.escalation.directory, autoCloseAfterMs: t.tickets.autoCloseAfterMs, notify: (req) => notifier.notify(req), followers: [itsm], clock });
  const svc = service;
  svc.onTicketEvent((e) => {
    if (e.type !== 'notified') metrics.ticketEvents.inc({ event: e.type });
  });
  let timer: NodeJS.Timeout | undefined;
  let closeApi: (() => Promise<void>) | undefined;

  const stage: TicketStage = {
    service: svc,
    notifier,
    itsm,
    async start({ engine, pipeline, timeseries }) {
      if (timeseries) {
        svc.onTicketEvent((e: TicketEvent) => {
          if (e.type === 'notified') return;
          timeseries.recordTicketEvent({
            ticketId: e.ticket.id,
            incidentId: e.ticket.incidentId,
            action: e.type,
            priority: e.ticket.priority,
            actor: e.actor,
            at: e.at,
            ...(e.ticket.responseDueAt !== undefined ? { responseDue: e.ticket.responseDueAt } : {}),
            ...(e.ticket.resolutionDueAt !== undefined ? { resolveDue: e.ticket.resolutionDueAt } : {}),
            site: e.ticket.report.root.site,
          });
        });
      }
      itsm.start();
      // Escalation and SLA clocks need second precision, not the engine's tick.
      timer = setInterval(() => void svc.tick(), Math.max(config.tickMs, 1_000));
      timer.unref?.();
      if (t.api) {
        const api = await startApi(
          { store, engine, pipeline, tickets: svc, knowledge: new KnowledgeBase(store), runbooks: new RunbookLibrary(config.rulesDir), language: context.language, timeZone: context.timeZone, inbound: t.api.inbound, clock },
          { host: t.api.host, port: t.api.port, bodyLimit: t.api.bodyLimit, auth: new Authenticator(t.api.tokens, store, clock), log },
        );
        closeApi = api.close;
        stage.apiUrl = api.url;
        log.info('API listening', { url: api.url });
      }
    },
    async stop() {
      await closeApi?.();
      if (timer) clearInterval(timer);
      itsm.stop();
      await notifier.stop();
    },
  };
  return stage;
}
