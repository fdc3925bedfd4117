// What the drill sees of the response chain, read from the correlator's API: the drill's
// incident and ticket, notifications, escalations, the runbook. Pure assessment at the end.

import { apiCall, type ApiOptions } from '../shared/api-client.js';

export interface Chain {
  injectedAt: number;
  incident?: { ref: string; priority: string; title: string; openedAt: number; resolvedAt?: number; state: string };
  ticket?: { ref: string; id: number };
  notifications: Array<{ at: number; channel: string; kind: string; recipients: string[]; status: string }>;
  escalations: Array<{ at: number; detail: string }>;
  runbooks: Array<{ ref: string; summary?: string; problem?: string }>;
  clearedAt?: number;
}

interface IncidentJson {
  id: number;
  ref: string;
  priority: string;
  title: string;
  state: string;
  openedAt: string;
  resolvedAt: string | null;
  drill: string | null;
  ticket: { id: number; ref: string } | null;
}

export async function observe(api: ApiOptions, drillId: string, chain: Chain): Promise<void> {
  const list = await apiCall<{ incidents: IncidentJson[] }>(api, 'GET', '/api/v1/incidents?state=all&limit=200');
  const i = list.incidents.filter((x) => x.drill === drillId).sort((a, b) => a.id - b.id)[0];
  if (!i) return;
  chain.incident = { ref: i.ref, priority: i.priority, title: i.title, state: i.state, openedAt: Date.parse(i.openedAt), ...(i.resolvedAt ? { resolvedAt: Date.parse(i.resolvedAt) } : {}) };
  if (!i.ticket) return;
  chain.ticket = { ref: i.ticket.ref, id: i.ticket.id };
  const t = await apiCall(api, 'GET', `/api/v1/tickets/${i.ticket.ref}`);
  chain.notifications = (t.notifications as Array<{ at: string; channel: string; kind: string; recipients: string[]; status: string }>).map((n) => ({ ...n, at: Date.parse(n.at) }));
  chain.escalations = (t.timeline as Array<{ at: string; action: string; detail: string }>).filter((e) => e.action === 'escalated').map((e) => ({ at: Date.parse(e.at), detail: e.detail }));
  chain.runbooks = t.runbooks;
}

export interface Verdict {
  ok: boolean;
  gaps: string[];
}

export function assess(chain: Chain, expect: { priority?: string; runbook?: boolean; escalation?: boolean } = {}): Verdict {
  const gaps: string[] = [];
  if (!chain.incident) gaps.push('no incident opened');
  if (!chain.ticket) gaps.push('no ticket opened');
  if (chain.ticket && chain.notifications.length === 0) gaps.push('nobody was notified (not even recorded)');
  if (chain.notifications.some((n) => n.status === 'dead')) gaps.push('a notification could not be delivered (dead letter)');
  if (expect.priority && chain.incident && chain.incident.priority !== expect.priority) gaps.push(`priority ${chain.incident.priority}, expected ${expect.priority}`);
  if (expect.runbook && !chain.runbooks.some((r) => !r.problem)) gaps.push('no runbook attached');
  for (const r of chain.runbooks) if (r.problem) gaps.push(`runbook ${r.ref}: ${r.problem}`);
  if (expect.escalation && chain.escalations.length === 0) gaps.push('the ticket did not escalate');
  if (chain.clearedAt !== undefined && chain.incident && chain.incident.state !== 'resolved') gaps.push('the incident did not resolve after the fault cleared');
  return { ok: gaps.length === 0, gaps };
}
