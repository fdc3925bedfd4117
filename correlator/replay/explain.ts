// `replay --explain`: why each incident is what it is, for a person reading a replay. Per
// incident its root, whether that root was inferred (suspected) or has its own alert
// (confirmed), each symptom node with its dependency path up to the root and whether it is down
// or unreachable, and what was held, released or merged and why, from the evidence chain.
// Incidents folded into another are one line each; alerts a silence held are listed at the end.

import type { Decision } from '../engine/engine.js';
import type { Evidence, Incident, IncidentAlert } from '../correlate/incident.js';
import { incidentRef } from '../correlate/incident.js';
import type { Topology } from '../topology/topology.js';

/** Evidence that says what was held back, let go or folded, rather than what joined. */
const DECISION_REASONS: ReadonlySet<string> = new Set(['inferred-root', 'confirmed', 'released', 'held', 'late-root', 'merged', 'root-recovered', 'silenced']);

/** What silences held during a replay, by silence. */
export class HeldBySilence {
  private readonly bySilence = new Map<string, { comment?: string; reasons: Map<string, number>; nodes: Set<string> }>();

  /** Feed every decision of the replay. */
  add(d: Decision): void {
    if (d.type === 'silence.set') this.entry(d.silence.id).comment = d.silence.comment;
    if (d.type !== 'alert.suppressed') return;
    const e = this.entry(d.silence);
    e.reasons.set(d.reason, (e.reasons.get(d.reason) ?? 0) + 1);
    e.nodes.add(d.alert.node);
  }

  private entry(id: string) {
    let e = this.bySilence.get(id);
    if (!e) this.bySilence.set(id, (e = { reasons: new Map(), nodes: new Set() }));
    return e;
  }

  lines(): string[] {
    const out: string[] = [];
    for (const [id, e] of [...this.bySilence].sort(([a], [b]) => a.localeCompare(b))) {
      const total = [...e.reasons.values()].reduce((a, b) => a + b, 0);
      if (total === 0) continue;
      const reasons = [...e.reasons].map(([r, n]) => `${r} ${n}`).join(', ');
      const nodes = [...e.nodes].sort();
      const shown = nodes.slice(0, 8).join(', ') + (nodes.length > 8 ? `, … (${nodes.length - 8} more)` : '');
      out.push(`  ${id}${e.comment ? ` "${e.comment}"` : ''}: held ${total} alert(s) (${reasons}) on ${shown}`);
    }
    return out.length > 0 ? ['held by silences:', ...out] : [];
  }
}

function time(at: number | undefined): string {
  return at === undefined ? '-' : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The root's own status: inferred from what failed behind it, or seen failing itself. */
function rootStatus(i: Incident): 'suspected' | 'confirmed' {
  // `suspected` is set by the correlator on an incident rooted at an inferred cause.
  return (i as Incident & { suspected?: boolean }).suspected === true ? 'suspected' : 'confirmed';
}

/** How a symptom node stands: down itself, cut off behind the root, or failing a check of its own. */
function reachability(alerts: IncidentAlert[]): string {
  if (alerts.some((a) => a.reachability === 'down')) return 'down';
  if (alerts.some((a) => a.reachability === 'unreachable')) return 'unreachable';
  return 'failing';
}

/** The rest of the dependency path from a symptom node up to the root, or why it joined. */
function pathFrom(node: string, alerts: IncidentAlert[], i: Incident, topology: Topology): string {
  if (topology.ancestors(node).has(i.root)) return topology.path(node, i.root).slice(1).map((n) => `→ ${n}`).join(' ');
  const ids = new Set(alerts.map((a) => a.id));
  const joined = i.evidence.find((e) => ids.has(e.alert) && e.event === 'joined');
  return joined ? `(${joined.reason}: ${joined.detail})` : `(not below ${i.root} in the topology)`;
}

/** Symptom nodes that stand alike (same reachability, same way up, same rules) on one line each. */
function symptomLines(i: Incident, topology: Topology): string[] {
  const groups = new Map<string, string[]>();
  for (const [node, alerts] of [...byNode(i.alerts.filter((a) => a.role === 'symptom'))].sort(([a], [b]) => a.localeCompare(b))) {
    const rules = [...new Set(alerts.map((a) => a.rule))].sort().join(', ');
    const key = `${reachability(alerts)}  ${pathFrom(node, alerts, i, topology)}  [${rules}]`;
    groups.set(key, [...(groups.get(key) ?? []), node]);
  }
  const out: string[] = [];
  for (const [key, nodes] of groups) {
    const [reach, rest] = [key.slice(0, key.indexOf('  ')), key.slice(key.indexOf('  ') + 2)];
    // Forty terminals behind one switch are one line; a few stay listed by name.
    if (nodes.length > 3) out.push(`    ${nodes[0]} … ${nodes[nodes.length - 1]} (${nodes.length} nodes)  ${reach}  ${rest}`);
    else for (const n of nodes) out.push(`    ${n}  ${reach}  ${rest}`);
  }
  return out;
}

function byNode(alerts: IncidentAlert[]): Map<string, IncidentAlert[]> {
  const out = new Map<string, IncidentAlert[]>();
  for (const a of alerts) out.set(a.node, [...(out.get(a.node) ?? []), a]);
  return out;
}

function decisionLine(e: Evidence): string {
  return `    ${time(e.at)}  ${e.reason}: ${e.detail}`;
}

/** Decision lines, a long run of one reason (forty merges at once) folded to its ends. */
function decisionLines(decisions: Evidence[]): string[] {
  const out: string[] = [];
  for (let start = 0; start < decisions.length; ) {
    let end = start;
    while (end + 1 < decisions.length && decisions[end + 1]?.reason === decisions[start]?.reason) end++;
    const run = decisions.slice(start, end + 1);
    if (run.length > 4) out.push(decisionLine(run[0] as Evidence), decisionLine(run[1] as Evidence), `    … ${run.length - 3} more ${run[0]?.reason}`, decisionLine(run[run.length - 1] as Evidence));
    else out.push(...run.map(decisionLine));
    start = end + 1;
  }
  return out;
}

/** One incident, explained. */
export function explainIncident(i: Incident, topology: Topology): string[] {
  const out = [`${incidentRef(i.id)}  ${i.priority}  root ${i.root} (${rootStatus(i)})  opened ${time(i.openedAt)}  ${i.resolvedAt !== undefined ? `resolved ${time(i.resolvedAt)}` : 'open'}`];
  out.push(`  title: ${i.title}`);
  out.push(`  why ${i.priority}: ${i.priorityReason}`);
  const roots = i.alerts.filter((a) => a.role === 'root');
  out.push(roots.length > 0 ? `  root alerts: ${roots.map((a) => `${a.rule} (${a.state}, since ${time(a.since)})`).join('; ')}` : `  root alerts: none — ${i.root} is inferred from what failed behind it`);
  const symptoms = byNode(i.alerts.filter((a) => a.role === 'symptom'));
  out.push(`  symptoms: ${symptoms.size} node(s)`, ...symptomLines(i, topology));
  const decisions = i.evidence.filter((e) => DECISION_REASONS.has(e.reason));
  if (decisions.length > 0) out.push('  held, released, merged:', ...decisionLines(decisions));
  return out;
}

/** Every incident of a replay, explained; merged ones as one line each, then the silences. */
export function explainReplay(incidents: readonly Incident[], topology: Topology, held?: HeldBySilence): string[] {
  const out: string[] = [];
  for (const i of incidents) {
    if (i.mergedInto !== undefined) out.push(`${incidentRef(i.id)} merged into ${incidentRef(i.mergedInto)}`);
    else out.push(...explainIncident(i, topology));
  }
  const ordinary = incidents.filter((i) => i.mergedInto === undefined);
  const suspected = ordinary.filter((i) => rootStatus(i) === 'suspected').length;
  out.push(...(held?.lines() ?? []));
  out.push(`${ordinary.length} incident(s): ${ordinary.length - suspected} confirmed, ${suspected} suspected; ${incidents.length - ordinary.length} merged into others`);
  return out;
}
