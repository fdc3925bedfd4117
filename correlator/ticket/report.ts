// The structured fault report on every ticket: what is broken, the measured evidence, since
// when, the priority and why, and the emergency plan. Data first (for the API and external
// ticket systems), then rendered as text for a person.

import { formatDuration } from '../../common/duration.js';
import type { Incident } from '../correlate/incident.js';
import { incidentRef } from '../correlate/incident.js';

export interface FaultReport {
  incident: string;
  what: string;
  root: { node: string; site: string };
  priority: string;
  priorityReason: string;
  since: number;
  evidence: Array<{ rule: string; node: string; title: string; measured?: string; state: string; since: number }>;
  symptoms: number;
  runbooks: string[];
  resolvedAt?: number;
}

function measured(a: Incident['alerts'][number]): string | undefined {
  if (a.value === undefined) return undefined;
  const value = Number.isInteger(a.value) ? String(a.value) : a.value.toFixed(2);
  return a.metric ? `${a.metric} = ${value}${a.threshold !== undefined ? ` (threshold ${a.threshold})` : ''}` : value;
}

export function faultReport(incident: Incident): FaultReport {
  return {
    incident: incidentRef(incident.id),
    what: incident.title,
    root: { node: incident.root, site: incident.site },
    priority: incident.priority,
    priorityReason: incident.priorityReason,
    since: Math.min(...incident.alerts.map((a) => a.since)),
    evidence: incident.alerts.map((a) => ({
      rule: a.rule,
      node: a.node,
      title: a.title,
      state: a.state,
      since: a.since,
      ...(measured(a) ? { measured: measured(a) } : {}),
    })),
    symptoms: incident.alerts.filter((a) => a.role === 'symptom').length,
    runbooks: [...incident.runbooks],
    ...(incident.resolvedAt !== undefined ? { resolvedAt: incident.resolvedAt } : {}),
  };
}

/** The report as a person reads it in a ticket or a message. */
export function renderReport(r: FaultReport, now = Date.now()): string {
  const when = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  const lines = [
    `${r.incident} ${r.priority}  ${r.what}`,
    `Root cause:  ${r.root.node} (site ${r.root.site})`,
    `Since:       ${when(r.since)} (${formatDuration(Math.max(0, (r.resolvedAt ?? now) - r.since))}${r.resolvedAt ? ', resolved' : ''})`,
    `Priority:    ${r.priority}, because ${r.priorityReason}`,
    'Evidence:',
    ...r.evidence.map((e) => `  - [${e.state}] ${e.title}${e.measured ? `: ${e.measured}` : ''} (rule ${e.rule})`),
  ];
  if (r.symptoms > 0) lines.push(`Symptoms:    ${r.symptoms} alert(s) on dependent nodes folded in`);
  if (r.runbooks.length > 0) lines.push(`Runbook:     ${r.runbooks.join(', ')}`);
  return lines.join('\n');
}
