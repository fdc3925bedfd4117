// The drill's response chain as people read it: what happened when, relative to the fault.

import type { Chain, Verdict } from './watch.js';

function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function after(ms: number, base: number): string {
  return `+${((ms - base) / 1000).toFixed(1)} s`;
}

export function drillReport(drillId: string, title: string, chain: Chain, verdict: Verdict): string[] {
  const base = chain.injectedAt;
  const rows: Array<[number, string, string]> = [[base, 'fault injected', title]];
  if (chain.incident) rows.push([chain.incident.openedAt, 'incident opened', `${chain.incident.ref} ${chain.incident.priority}  ${chain.incident.title}`]);
  if (chain.ticket && chain.incident) rows.push([chain.incident.openedAt, 'ticket opened', chain.ticket.ref]);
  for (const n of chain.notifications) rows.push([n.at, n.status === 'recorded' ? 'recorded (drill)' : n.status === 'sent' ? 'notified' : 'NOT delivered', `${n.channel} ${n.kind}${n.recipients.length ? ` → ${n.recipients.join(', ')}` : ''}`]);
  for (const e of chain.escalations) rows.push([e.at, 'escalated', e.detail]);
  if (chain.clearedAt !== undefined) rows.push([chain.clearedAt, 'fault cleared', '']);
  if (chain.incident?.resolvedAt !== undefined) rows.push([chain.incident.resolvedAt, 'incident resolved', chain.incident.ref]);
  rows.sort((a, b) => a[0] - b[0]);
  const lines = [`Drill ${drillId}: ${title}`];
  for (const [at, what, detail] of rows) lines.push(`  ${clock(at)}  ${after(at, base).padStart(9)}  ${what.padEnd(18)} ${detail}`.trimEnd());
  for (const r of chain.runbooks) lines.push(`  runbook  ${r.ref}${r.summary ? `: ${r.summary}` : r.problem ? `: ${r.problem}` : ''}`);
  if (chain.runbooks.length === 0) lines.push('  runbook  none attached');
  lines.push(verdict.ok ? 'result: the response chain worked' : `result: gaps found\n${verdict.gaps.map((g) => `  - ${g}`).join('\n')}`);
  return lines;
}
