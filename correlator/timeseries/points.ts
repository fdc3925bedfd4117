// Pure mapping from what the correlator sees to time-series points: samples of metrics
// messages, check results (through the same mapping the engine uses), incident and alert
// decisions, agent online/offline, ticket events, and the periodic gauges. No I/O, no clock:
// every time is an argument.
//
// Timestamps are microseconds. Two events of the same series in the same millisecond (two
// alerts joining one incident in one engine step) would overwrite each other in InfluxDB, so
// event points get a distinct sub-millisecond offset from `seq`.

import type { Message, Sample } from '../../protocol/schema.js';
import type { Incident } from '../correlate/incident.js';
import type { Decision } from '../engine/engine.js';
import { eventsAsMetrics } from '../evaluate/events.js';
import type { AgentRecord } from '../evaluate/fleet.js';
import { AGENT_TAGS, type RetentionName } from './schema.js';

export type FieldValue = number | string | boolean;

export interface Point {
  rp: RetentionName;
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  /** Microseconds since the Unix epoch. */
  ts: number;
}

export const US_PER_MS = 1000;

/** The agent tags of a point: identity from the message, grouping labels from the inventory. */
export function agentTags(agentId: string, site: string, agent: AgentRecord | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  const labels = agent?.labels ?? {};
  for (const key of AGENT_TAGS) {
    const v = labels[key];
    if (typeof v === 'string' && v !== '') tags[key] = v;
  }
  tags.agent = agentId;
  tags.site = site;
  return tags;
}

/** Tags sorted by key (InfluxDB's advice for write performance), empty values left out. */
export function sortedTags(tags: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(tags).sort()) {
    const v = tags[k];
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out;
}

function samplePoint(sample: Sample, base: Record<string, string>, ts: number): Point {
  // The sample's own tags say what the row is (a check's service label wins over the agent's);
  // identity always comes from the message.
  const tags = sortedTags({ ...base, ...(sample.tags ?? {}), agent: base.agent, site: base.site });
  return { rp: 'raw', measurement: sample.m, tags, fields: { ...sample.fields }, ts: ts * US_PER_MS };
}

/** Samples of a metrics message, or check results of an events message; state messages give none. */
export function messagePoints(message: Message, agent: AgentRecord | undefined): Point[] {
  if (message.kind === 'state') return [];
  const samples = message.kind === 'metrics' ? message.samples : eventsAsMetrics(message).samples;
  const base = agentTags(message.agent, message.site, agent);
  // On the correlator's clock, as the evaluator saw it: a host whose clock is off still lines up
  // with its peers and with the incident and alert points, and an NTP step leaves no gap.
  const ts = message.ts + (agent?.clockOffsetMs ?? 0);
  return samples.map((s) => samplePoint(s, base, ts));
}

function incidentFields(incident: Incident, reason: string, at: number): Point['fields'] {
  const fields: Point['fields'] = {
    incident_id: incident.id,
    title: incident.title,
    reason,
    alerts: incident.alerts.length,
    alerts_firing: incident.alerts.filter((a) => a.state === 'firing').length,
  };
  if (incident.impact) {
    if (incident.impact.services.length > 0) fields.services = incident.impact.services.join(',');
    if (incident.impact.buildings.length > 0) fields.buildings = incident.impact.buildings.join(',');
    fields.terminals_affected = incident.impact.terminals.affected;
    fields.terminals_total = incident.impact.terminals.total;
  }
  if (incident.state === 'resolved') fields.duration_seconds = Math.max(0, ((incident.resolvedAt ?? at) - incident.openedAt) / 1000);
  if (incident.flapping) fields.flapping = true;
  return fields;
}

/**
 * Incident and alert decisions and agent state changes as event points. `seq` gives each
 * point of the batch its own sub-millisecond offset.
 */
export function decisionPoints(decisions: readonly Decision[], at: number, seq: () => number): Point[] {
  const out: Point[] = [];
  for (const d of decisions) {
    switch (d.type) {
      case 'incident.opened':
      case 'incident.updated':
      case 'incident.resolved': {
        const i = d.incident;
        const event = d.type.slice('incident.'.length);
        const when = d.type === 'incident.opened' ? i.openedAt : d.type === 'incident.resolved' ? (i.resolvedAt ?? i.updatedAt) : i.updatedAt;
        out.push({
          rp: 'events',
          measurement: 'incident',
          tags: sortedTags({ site: i.site, priority: i.priority, event, root: i.root }),
          fields: incidentFields(i, d.reason, at),
          ts: when * US_PER_MS + seq(),
        });
        break;
      }
      case 'alert.firing':
      case 'alert.resolved': {
        const a = d.alert;
        const fields: Point['fields'] = { alert_id: a.id, title: a.title, reason: d.reason };
        if (a.metric !== undefined) fields.metric = a.metric;
        if (a.value !== undefined && Number.isFinite(a.value)) fields.value = a.value;
        if (a.threshold !== undefined && Number.isFinite(a.threshold)) fields.threshold = a.threshold;
        if (a.history) fields.history = true;
        const when = d.type === 'alert.firing' ? a.firedAt : (a.resolvedAt ?? at);
        out.push({ rp: 'events', measurement: 'alert', tags: sortedTags({ site: a.site, priority: a.priority, state: a.state, rule: a.rule, node: a.node }), fields, ts: when * US_PER_MS + seq() });
        break;
      }
      case 'agent.online':
      case 'agent.offline': {
        const online = d.type === 'agent.online';
        const tags = sortedTags({ ...agentTags(d.agent.id, d.agent.site, d.agent), event: online ? 'online' : 'offline' });
        const reason = online ? 'back' : (d.agent.offlineReason ?? 'last-will');
        out.push({ rp: 'events', measurement: 'agent_event', tags, fields: { online: online ? 1 : 0, reason }, ts: d.at * US_PER_MS + seq() });
        break;
      }
      default:
        // Other decisions (silences, …) are not time series.
        break;
    }
  }
  return out;
}

/** What the ticket service reports; `responseDue`/`resolveDue` are the SLA deadlines (ms since the epoch). */
export interface TicketEvent {
  ticketId: number;
  incidentId: number;
  /** opened, acknowledged, escalated, reassigned, resolved, closed, … */
  action: string;
  priority: string;
  /** Who did it: a person's user name, or "wardwatch". */
  actor: string;
  /** When, in milliseconds since the epoch. */
  at: number;
  responseDue?: number;
  resolveDue?: number;
  site?: string;
}

export function ticketPoint(e: TicketEvent, site: string | undefined, offset: number): Point {
  const fields: Point['fields'] = { ticket_id: e.ticketId, incident_id: e.incidentId, actor: e.actor };
  if (e.responseDue !== undefined) fields.response_due = e.responseDue;
  if (e.resolveDue !== undefined) fields.resolve_due = e.resolveDue;
  return { rp: 'events', measurement: 'ticket', tags: sortedTags({ site: e.site ?? site, priority: e.priority, action: e.action }), fields, ts: e.at * US_PER_MS + offset };
}
