// The structured fault report on every ticket: what is broken (root node and business
// service), the measured evidence, the scope (terminals, buildings, floors), the symptom
// alerts folded under it, since when, the priority and why, and the emergency plan. Data
// first (stored with the ticket, served by the API, sent to external ticket systems), then
// rendered for a person in the hospital's language.

import { formatDuration } from '../../common/duration.js';
import type { Impact, Incident, IncidentAlert } from '../correlate/incident.js';
import { incidentRef } from '../correlate/incident.js';
import { figurePhrase, localTime, phrases, type Language } from './i18n.js';

export interface ReportFigure {
  metric: string;
  value: number;
}

export interface FaultReport {
  incident: string;
  what: string;
  /** suspected: inferred from what fails behind it; nothing reported it failing yet. */
  root: { node: string; site: string; service?: string; role?: string; suspected?: boolean };
  priority: string;
  priorityReason: string;
  since: number;
  /** The root-cause alerts, each with its measured value. */
  evidence: Array<{ rule: string; node: string; title: string; measured?: string; state: string; since: number; metric?: string; value?: number; subject?: string }>;
  /** Measured figures grouped by what they measure: a check ("registration") or a node. */
  measurements: Array<{ subject: string; figures: ReportFigure[] }>;
  scope: { services: string[]; terminals?: { affected: number; total: number }; buildings: string[]; floors: string[] };
  symptoms: number;
  /** The first symptom alerts (node and title), for the report; the count says how many in all. */
  symptomAlerts: Array<{ node: string; title: string }>;
  runbooks: string[];
  resolvedAt?: number;
  drill?: string;
  /** The drill asked to page real people (label drill_page=yes). */
  drillPage?: boolean;
  flapping?: boolean;
}

export interface SimilarCase {
  ticket: string;
  title: string;
  score: number;
  resolution: string;
}

const SYMPTOMS_LISTED = 20;

function measured(a: IncidentAlert): string | undefined {
  if (a.value === undefined) return undefined;
  const value = Number.isInteger(a.value) ? String(a.value) : a.value.toFixed(2);
  return a.metric ? `${a.metric} = ${value}${a.threshold !== undefined ? ` (threshold ${a.threshold})` : ''}` : value;
}

/** What a figure is about: the check it came from, the mount or interface, or else the node. */
function subjectOf(a: IncidentAlert): string {
  const l = a.labels;
  if (l.check) return l.check;
  if (l.mount) return `${a.node} ${l.mount}`;
  if (l.iface) return `${a.node} ${l.iface}`;
  return a.node;
}

function measurements(alerts: IncidentAlert[]): FaultReport['measurements'] {
  const bySubject = new Map<string, Map<string, number>>();
  for (const a of alerts) {
    const subject = subjectOf(a);
    const figures = bySubject.get(subject) ?? new Map<string, number>();
    if (a.metric && a.value !== undefined) figures.set(a.metric, a.value);
    // Check alerts may carry the check's other rolling figures as labels.
    for (const key of ['latency_mean_ms', 'error_rate_percent', 'latency_p95_ms']) {
      const v = Number(a.labels[key]);
      if (a.labels[key] !== undefined && Number.isFinite(v) && !figures.has(`check.${key}`)) figures.set(`check.${key}`, v);
    }
    if (figures.size > 0) bySubject.set(subject, figures);
  }
  return [...bySubject].map(([subject, figures]) => ({ subject, figures: [...figures].map(([metric, value]) => ({ metric, value })) }));
}

function uniq(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))].sort();
}

/** The engine's impact when it has one; otherwise what the alerts' own labels say. */
function scope(incident: Incident): FaultReport['scope'] {
  const impact: Impact | undefined = incident.impact;
  const labels = incident.alerts.map((a) => a.labels);
  if (impact) return { services: [...impact.services], terminals: { ...impact.terminals }, buildings: [...impact.buildings], floors: [...impact.floors] };
  const terminals = new Set(incident.alerts.filter((a) => a.labels.role === 'terminal').map((a) => a.node));
  return {
    services: uniq(labels.map((l) => l.service)),
    ...(terminals.size > 0 ? { terminals: { affected: terminals.size, total: terminals.size } } : {}),
    buildings: uniq(labels.map((l) => l.building)),
    floors: uniq(labels.map((l) => l.floor)),
  };
}

/** The drill an incident belongs to: the engine's field, or the drill label its alerts carry. */
export function drillOf(incident: Incident): string | undefined {
  return incident.drill ?? incident.alerts.find((a) => a.labels.drill)?.labels.drill;
}

export function faultReport(incident: Incident): FaultReport {
  const roots = incident.alerts.filter((a) => a.role !== 'symptom');
  const symptoms = incident.alerts.filter((a) => a.role === 'symptom');
  const rootAlert = roots.find((a) => a.node === incident.root) ?? roots[0];
  return {
    incident: incidentRef(incident.id),
    what: incident.title,
    root: {
      node: incident.root,
      site: incident.site,
      ...(rootAlert?.labels.service ? { service: rootAlert.labels.service } : {}),
      ...(rootAlert?.labels.role ? { role: rootAlert.labels.role } : {}),
      ...(incident.suspected ? { suspected: true } : {}),
    },
    priority: incident.priority,
    priorityReason: incident.priorityReason,
    since: incident.alerts.reduce((min, a) => Math.min(min, a.since), incident.openedAt),
    evidence: roots.map((a) => ({
      rule: a.rule,
      node: a.node,
      title: a.title,
      state: a.state,
      since: a.since,
      subject: subjectOf(a),
      ...(a.metric ? { metric: a.metric } : {}),
      ...(a.value !== undefined ? { value: a.value } : {}),
      ...(measured(a) ? { measured: measured(a) } : {}),
    })),
    measurements: measurements(roots.length > 0 ? roots : incident.alerts),
    scope: scope(incident),
    symptoms: symptoms.length,
    symptomAlerts: symptoms.slice(0, SYMPTOMS_LISTED).map((a) => ({ node: a.node, title: a.title })),
    runbooks: [...incident.runbooks],
    ...(incident.resolvedAt !== undefined ? { resolvedAt: incident.resolvedAt } : {}),
    ...(drillOf(incident) ? { drill: drillOf(incident) } : {}),
    ...(incident.alerts.some((a) => a.labels.drill_page === 'yes') ? { drillPage: true } : {}),
    ...(incident.flapping ? { flapping: true } : {}),
  };
}

export interface RenderOptions {
  language?: Language;
  timeZone?: string;
  similar?: SimilarCase[];
}

/** "registration: mean response 5.2 s, error rate 3%" */
export function measurementLine(m: FaultReport['measurements'][number], language: Language): string {
  const p = phrases(language);
  return `${m.subject}${p.sep}${m.figures.map((f) => figurePhrase(language, f.metric, f.value)).join(p.figureSep)}`;
}

/** "services his; terminals 38/120; buildings outpatient; floors 1F, 2F" */
export function scopeLine(s: FaultReport['scope'], language: Language): string | undefined {
  const p = phrases(language);
  const parts: string[] = [];
  if (s.services.length > 0) parts.push(`${p.services} ${s.services.join(p.listSep)}`);
  if (s.terminals) parts.push(`${p.terminals} ${s.terminals.affected}/${s.terminals.total}`);
  if (s.buildings.length > 0) parts.push(s.buildings.join(p.listSep));
  if (s.floors.length > 0) parts.push(s.floors.join(p.listSep));
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** The report as a person reads it in a ticket. English by default here; the correlator passes its configured language (Chinese unless set otherwise). */
export function renderReport(r: FaultReport, now = Date.now(), opts: RenderOptions = {}): string {
  const language = opts.language ?? 'en';
  const p = phrases(language);
  const tz = opts.timeZone ?? 'UTC';
  // Chinese labels end in a full-width colon and need no padding to read as a column.
  const label = (text: string) => (language === 'zh' ? `${text}：` : `${text}:`.padEnd(13));
  const scope = r.scope ? scopeLine(r.scope, language) : undefined;
  const lasting = formatDuration(Math.max(0, (r.resolvedAt ?? now) - r.since));
  const lines = [
    `${r.drill ? `[${p.drill} ${r.drill}] ` : ''}${r.incident} ${r.priority}  ${r.what}`,
    `${label(p.rootCause)}${r.root.node} (${p.site} ${r.root.site}${r.root.service ? `, ${p.service} ${r.root.service}` : ''}${r.root.suspected ? `; ${p.suspected}` : ''})`,
    `${label(p.since)}${localTime(r.since, tz)} (${p.lasting} ${lasting}${r.resolvedAt ? `, ${p.resolved}` : ''})`,
    `${label(p.priority)}${r.priority}, ${p.because} ${r.priorityReason}${r.flapping ? ` (${p.flapping})` : ''}`,
  ];
  for (const m of r.measurements ?? []) lines.push(`${label(p.measured)}${measurementLine(m, language)}`);
  if (scope) lines.push(`${label(p.scope)}${scope}`);
  lines.push(`${p.evidence}${language === 'zh' ? '：' : ':'}`, ...r.evidence.map((e) => `  - [${e.state}] ${e.title}${e.measured ? `: ${e.measured}` : ''} (rule ${e.rule})`));
  if (r.symptoms > 0) {
    const nodes = (r.symptomAlerts ?? []).map((s) => s.node);
    lines.push(`${label(p.symptoms)}${p.symptomsFolded(r.symptoms)}${nodes.length ? ` (${[...new Set(nodes)].slice(0, 8).join(p.listSep)}${r.symptoms > 8 ? ' …' : ''})` : ''}`);
  }
  if (r.runbooks.length > 0) lines.push(`${label(p.runbook)}${r.runbooks.join(', ')}`);
  for (const s of opts.similar ?? []) lines.push(`${label(p.similar)}${s.ticket} ${s.title} (${p.similarity} ${s.score.toFixed(2)})${p.sep}${s.resolution}`);
  return lines.join('\n');
}
