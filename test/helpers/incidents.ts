// Incidents and decisions as plain data, for tests of the ticket stage, the store and the
// notifier without running the engine.

import type { Incident, IncidentAlert } from '../../correlator/correlate/incident.js';
import type { Decision } from '../../correlator/engine/engine.js';
import type { Priority } from '../../correlator/rules/schema.js';

export const T0 = Date.UTC(2026, 10, 20, 1, 12, 0); // Friday 2026-11-20 09:12 in Asia/Shanghai

export function alert(rule: string, node: string, at: number, opts: Partial<IncidentAlert> = {}): IncidentAlert {
  return {
    id: `${rule}|${node}|`,
    rule,
    node,
    title: `${rule} on ${node}`,
    state: 'firing',
    priority: 'P2',
    role: 'root',
    labels: { agent: node, site: 'main' },
    since: at,
    firedAt: at,
    ...opts,
  };
}

export function incident(id: number, root: string, at: number, opts: Partial<Incident> & { rules?: string[]; priority?: Priority } = {}): Incident {
  const rules = opts.rules ?? ['server-offline'];
  return {
    id,
    state: 'open',
    root,
    site: 'main',
    title: opts.title ?? `Server ${root} is not reporting`,
    priority: opts.priority ?? 'P2',
    priorityReason: opts.priorityReason ?? `rule ${rules[0]} sets ${opts.priority ?? 'P2'}`,
    alerts: opts.alerts ?? rules.map((r) => alert(r, root, at, { priority: opts.priority ?? 'P2' })),
    evidence: [],
    openedAt: at,
    updatedAt: at,
    runbooks: opts.runbooks ?? [],
    ...(opts.impact ? { impact: opts.impact } : {}),
    ...(opts.drill ? { drill: opts.drill } : {}),
  };
}

export function opened(i: Incident): Decision {
  return { type: 'incident.opened', incident: structuredClone(i), reason: `alert ${i.alerts[0]?.rule} on ${i.root}` };
}

export function resolved(i: Incident, at: number): Decision {
  const r: Incident = structuredClone({ ...i, state: 'resolved', resolvedAt: at, updatedAt: at, alerts: i.alerts.map((a) => ({ ...a, state: 'resolved' as const, resolvedAt: at })) });
  return { type: 'incident.resolved', incident: r, reason: 'all alerts cleared' };
}

export function joined(i: Incident, a: IncidentAlert, at: number): Decision {
  i.alerts.push(a);
  i.updatedAt = at;
  return { type: 'incident.updated', incident: structuredClone(i), reason: `alert ${a.rule} joined`, change: 'alert-joined', alert: a.id };
}

/** The engine's decision when an open incident's priority rises (an alert with more impact joined). */
export function raised(i: Incident, to: Priority, at: number): Decision {
  const from = i.priority;
  i.priority = to;
  i.priorityReason = `rule server-offline sets ${to}`;
  i.updatedAt = at;
  i.evidence.push({ at, alert: i.root, event: 'priority', reason: 'impact', detail: `priority raised from ${from}: ${i.priorityReason}` });
  return { type: 'incident.updated', incident: structuredClone(i), reason: `priority ${from} → ${to}`, change: 'priority' };
}

/**
 * The engine's decisions when a late root-cause alert on `root` takes over `main` and folds the
 * other incidents below it into it.
 */
export function tookOver(main: Incident, others: Incident[], root: string, at: number): Decision[] {
  const previous = main.root;
  const rootAlert = alert('switch-down', root, at, { priority: 'P1' });
  main.alerts = [...main.alerts.map((a) => ({ ...a, role: 'symptom' as const })), ...others.flatMap((o) => o.alerts.map((a) => ({ ...a, role: 'symptom' as const }))), rootAlert];
  main.root = root;
  main.title = `switch-down on ${root}`;
  main.updatedAt = at;
  const out: Decision[] = [{ type: 'incident.updated', incident: structuredClone(main), reason: `root cause is ${root}, not ${previous}`, change: 'root-changed', alert: rootAlert.id }];
  for (const o of others) {
    const merged: Incident = structuredClone({ ...o, state: 'resolved', resolvedAt: at, updatedAt: at, mergedInto: main.id });
    out.push({ type: 'incident.resolved', incident: merged, reason: `merged into INC-${main.id}: same root ${root}` });
  }
  return out;
}
