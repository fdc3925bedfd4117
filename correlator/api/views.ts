// What the API returns: plain JSON with references people use (T-12, INC-3) next to the numbers,
// times as RFC 3339, the report both as data and rendered in the configured language.

import type { Incident } from '../correlate/incident.js';
import { incidentRef } from '../correlate/incident.js';
import type { Silence } from '../correlate/silence.js';
import type { Runbook } from '../knowledge/runbooks.js';
import type { IncidentSummary, NotificationRecord } from '../store/store.js';
import type { Language } from '../ticket/i18n.js';
import { drillOf, renderReport, type SimilarCase } from '../ticket/report.js';
import { ticketRef, type Ticket, type TimelineEntry } from '../ticket/ticket.js';

export const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function ticketView(t: Ticket, extra: { nextEscalationAt?: number | undefined } = {}) {
  return {
    id: t.id,
    ref: ticketRef(t.id),
    incident: incidentRef(t.incidentId),
    state: t.state,
    priority: t.priority,
    title: t.title,
    owner: t.owner ?? null,
    root: t.root,
    openedAt: iso(t.openedAt),
    acknowledgedAt: iso(t.acknowledgedAt),
    resolvedAt: iso(t.resolvedAt),
    closedAt: iso(t.closedAt),
    responseDueAt: iso(t.responseDueAt),
    resolutionDueAt: iso(t.resolutionDueAt),
    nextEscalationAt: iso(extra.nextEscalationAt),
    policy: t.policy ?? null,
    stepsDone: t.stepsDone,
    breached: t.breached,
    resolution: t.resolution ?? null,
    drill: t.drill ?? null,
    reopened: t.reopened,
  };
}

export function ticketDetail(
  t: Ticket,
  timeline: TimelineEntry[],
  ctx: { language: Language; timeZone: string; now: number; nextEscalationAt?: number | undefined; similar: SimilarCase[]; runbooks: Runbook[]; notifications: NotificationRecord[] },
) {
  return {
    ...ticketView(t, { nextEscalationAt: ctx.nextEscalationAt }),
    report: t.report,
    reportText: renderReport(t.report, ctx.now, { language: ctx.language, timeZone: ctx.timeZone, similar: ctx.similar }),
    similar: ctx.similar,
    runbooks: ctx.runbooks,
    timeline: timeline.map((e) => ({ at: iso(e.at), actor: e.actor, action: e.action, detail: e.detail })),
    notifications: ctx.notifications.map((n) => ({ at: iso(n.at), channel: n.channel, kind: n.kind, recipients: n.recipients, status: n.status, attempts: n.attempts, detail: n.detail })),
  };
}

export function incidentView(s: IncidentSummary) {
  const i: Incident = s.incident;
  return {
    id: i.id,
    ref: incidentRef(i.id),
    state: i.state,
    priority: i.priority,
    priorityReason: i.priorityReason,
    title: i.title,
    root: i.root,
    site: i.site,
    openedAt: iso(i.openedAt),
    resolvedAt: iso(i.resolvedAt),
    impact: i.impact ?? null,
    drill: drillOf(i) ?? null,
    flapping: i.flapping ?? false,
    alerts: i.alerts.map((a) => ({ id: a.id, rule: a.rule, node: a.node, state: a.state, role: a.role, title: a.title, priority: a.priority, value: a.value ?? null })),
    runbooks: i.runbooks,
    ticket: s.ticket ? { id: s.ticket.id, ref: ticketRef(s.ticket.id), state: s.ticket.state, owner: s.ticket.owner ?? null } : null,
  };
}

export function silenceView(s: Silence, now: number) {
  return {
    id: s.id,
    matchers: s.matchers,
    nodes: s.nodes,
    startsAt: iso(s.startsAt),
    endsAt: iso(s.endsAt),
    createdBy: s.createdBy,
    comment: s.comment,
    active: now >= s.startsAt && now < Math.min(s.endsAt, s.expiredAt ?? Infinity),
    expiredAt: iso(s.expiredAt),
  };
}
