// The API's endpoints. Reads come from the store; changes go through the same paths as the
// rest of the correlator (the ticket service, the pipeline for silences and foreign alerts), and
// each answers only after its change is committed.

import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { validatorFor } from '../../common/yaml-file.js';
import { silenceFromRequest } from '../correlate/silence.js';
import type { Engine } from '../engine/engine.js';
import { externalAlertId } from '../evaluate/external.js';
import type { Pipeline } from '../ingest/pipeline.js';
import { alertmanagerSchema, fromAlertmanager, fromZabbix, zabbixSchema, type AlertmanagerPayload, type InboundSettings, type ZabbixPayload } from '../itsm/inbound.js';
import type { KnowledgeBase } from '../knowledge/base.js';
import type { RunbookLibrary } from '../knowledge/runbooks.js';
import type { Store } from '../store/store.js';
import type { Language } from '../ticket/i18n.js';
import type { TicketAction } from '../ticket/lifecycle.js';
import type { TicketService } from '../desk/service.js';
import { parseTicketRef } from '../ticket/ticket.js';
import { ApiError } from './errors.js';
import { ackBody, checkBody, handoverBody, noteBody, resolveBody, silenceBody, type AckBody, type HandoverBody, type NoteBody, type ResolveBody, type SilenceBody } from './schemas.js';
import { incidentView, silenceView, ticketDetail, ticketView } from './views.js';

export interface ApiContext {
  store: Store;
  engine: Engine;
  pipeline: Pipeline;
  tickets: TicketService;
  knowledge: KnowledgeBase;
  runbooks: RunbookLibrary;
  language: Language;
  timeZone: string;
  inbound: InboundSettings;
  clock?: () => number;
}

const TICKET_STATES = ['open', 'acknowledged', 'resolved', 'closed', 'active', 'all'];

function limitOf(q: Record<string, string | undefined>): number {
  if (q.limit === undefined) return 100;
  const n = Number(q.limit);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new ApiError('bad-request', `limit: expected a whole number from 1 to 1000, got "${q.limit}"`);
  return n;
}

function idParam(req: FastifyRequest, prefix: 'T' | 'INC'): number {
  const raw = (req.params as { id: string }).id;
  const id = prefix === 'T' ? parseTicketRef(raw) : /^(?:INC-)?([1-9][0-9]{0,14})$/i.exec(raw)?.[1];
  if (id === undefined) throw new ApiError('not-found', `no ${prefix === 'T' ? 'ticket' : 'incident'} "${raw}"`);
  return Number(id);
}

function foreign<T>(schema: object, body: unknown, what: string): T {
  const validate = validatorFor(schema);
  if (!validate(body)) {
    const e = validate.errors?.[0];
    throw new ApiError('bad-request', `not a ${what} payload: ${e?.instancePath || '(body)'} ${e?.message ?? ''}`.trim());
  }
  return body as T;
}

export function registerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const now = ctx.clock ?? Date.now;
  const viewer = { config: { role: 'viewer' as const } };
  const operator = { config: { role: 'operator' as const } };
  const actor = (req: FastifyRequest) => req.principal?.name ?? 'api';

  app.get('/api/v1/health', async () => ({ ok: true }));

  app.get('/api/v1/incidents', viewer, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const state = q.state ?? 'all';
    if (!['open', 'resolved', 'all'].includes(state)) throw new ApiError('bad-request', `state: expected open, resolved or all, got "${state}"`);
    const list = await ctx.store.listIncidents({ state: state as 'all', limit: limitOf(q) });
    return { incidents: list.map(incidentView) };
  });

  app.get('/api/v1/incidents/:id', viewer, async (req) => {
    const s = await ctx.store.getIncident(idParam(req, 'INC'));
    if (!s) throw new ApiError('not-found', `no incident ${(req.params as { id: string }).id}`);
    return incidentView(s);
  });

  app.get('/api/v1/tickets', viewer, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const state = q.state ?? 'all';
    if (!TICKET_STATES.includes(state)) throw new ApiError('bad-request', `state: expected one of ${TICKET_STATES.join(', ')}, got "${state}"`);
    let beforeId: number | undefined;
    if (q.before !== undefined) {
      beforeId = parseTicketRef(q.before);
      if (beforeId === undefined) throw new ApiError('bad-request', `before: expected a ticket such as T-120, got "${q.before}"`);
    }
    const list = await ctx.store.listTickets({ state: state as 'all', limit: limitOf(q), ...(beforeId !== undefined ? { beforeId } : {}) });
    return { tickets: list.map((t) => ticketView(t, { nextEscalationAt: ctx.tickets.nextEscalation(t) })) };
  });

  app.get('/api/v1/tickets/:id', viewer, async (req) => {
    const id = idParam(req, 'T');
    const got = await ctx.store.getTicket(id);
    if (!got) throw new ApiError('not-found', `no ticket T-${id}`);
    const t = got.ticket;
    return ticketDetail(t, got.timeline, {
      language: ctx.language,
      timeZone: ctx.timeZone,
      now: now(),
      nextEscalationAt: ctx.tickets.nextEscalation(t),
      similar: await ctx.knowledge.similarTo(t),
      runbooks: t.report.runbooks.map((r) => ctx.runbooks.get(r)),
      notifications: await ctx.store.notifications({ ticketId: id }),
    });
  });

  const act = async (req: FastifyRequest, action: TicketAction) => {
    const r = await ctx.tickets.act(idParam(req, 'T'), action);
    if (!r.ok) throw new ApiError(r.code, r.message);
    return { ticket: ticketView(r.ticket, { nextEscalationAt: ctx.tickets.nextEscalation(r.ticket) }), entry: { at: new Date(r.entry.at).toISOString(), actor: r.entry.actor, action: r.entry.action, detail: r.entry.detail } };
  };
  app.post('/api/v1/tickets/:id/ack', operator, async (req) => {
    const b = checkBody<AckBody>(ackBody, req.body);
    return act(req, { kind: 'acknowledge', actor: actor(req), ...(b.note ? { note: b.note } : {}) });
  });
  app.post('/api/v1/tickets/:id/handover', operator, async (req) => {
    const b = checkBody<HandoverBody>(handoverBody, req.body);
    return act(req, { kind: 'handover', actor: actor(req), to: b.to, ...(b.note ? { note: b.note } : {}), asAdmin: req.principal?.role === 'admin' });
  });
  app.post('/api/v1/tickets/:id/notes', operator, async (req) => {
    const b = checkBody<NoteBody>(noteBody, req.body);
    return act(req, { kind: 'note', actor: actor(req), text: b.text });
  });
  app.post('/api/v1/tickets/:id/resolve', operator, async (req) => {
    const b = checkBody<ResolveBody>(resolveBody, req.body);
    return act(req, { kind: 'resolve', actor: actor(req), note: b.note });
  });

  app.get('/api/v1/silences', viewer, async () => ({ silences: ctx.engine.silences().map((s) => silenceView(s, now())) }));

  app.post('/api/v1/silences', operator, async (req, reply) => {
    const b = checkBody<SilenceBody>(silenceBody, req.body);
    const asked = silenceFromRequest(b, now(), `sil-${randomBytes(6).toString('hex')}`, actor(req));
    if (!asked.ok) throw new ApiError('bad-request', asked.error);
    const silence = asked.silence;
    await ctx.pipeline.silence(silence);
    void reply.status(201);
    return silenceView(silence, now());
  });

  app.delete('/api/v1/silences/:id', operator, async (req) => {
    const id = (req.params as { id: string }).id;
    const s = ctx.engine.silences().find((x) => x.id === id);
    if (!s) throw new ApiError('not-found', `no silence "${id}"`);
    await ctx.pipeline.unsilence(id, actor(req));
    return { id, expired: true };
  });

  app.post('/api/v1/ingest/alertmanager', operator, async (req) => {
    const payload = foreign<AlertmanagerPayload>(alertmanagerSchema, req.body, 'Alertmanager webhook (version "4")');
    const alerts = fromAlertmanager(payload, ctx.inbound, now());
    for (const a of alerts) await ctx.pipeline.external(a);
    return { accepted: alerts.length };
  });

  app.post('/api/v1/ingest/zabbix', operator, async (req) => {
    const payload = foreign<ZabbixPayload>(zabbixSchema, req.body, 'Zabbix webhook');
    const alert = fromZabbix(payload, ctx.inbound, now());
    if (!alert) return { accepted: 0, incident: null };
    await ctx.pipeline.external(alert);
    const id = externalAlertId(alert);
    const incident = ctx.engine.openIncidents().find((i) => i.alerts.some((a) => a.id === id));
    return { accepted: 1, incident: incident ? `INC-${incident.id}` : null };
  });
}
