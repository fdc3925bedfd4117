// What the writer puts into InfluxDB: measurements, their tags and field types, and the
// retention policy each lives in. The sample measurements come from the wire catalogue
// (protocol/metrics.ts), the single source of field types; the writer adds its own event and
// gauge measurements here. README.md in this folder documents the result, and the dashboard
// tests check every panel query against `describeSchema()`.

import { measurements, type FieldType, type MeasurementSpec } from '../../protocol/metrics.js';

export type RetentionName = 'raw' | 'rollup_1m' | 'rollup_1h' | 'events';
export type WriterFieldType = FieldType | 'string' | 'boolean';

/**
 * Tags every sample point carries: the agent's identity and the labels of its inventory that
 * dashboards group by. Other labels stay out of the time series to keep cardinality bounded.
 */
export const AGENT_TAGS = ['agent', 'site', 'building', 'floor', 'role', 'service'] as const;

export interface SeriesSpec {
  retention: RetentionName;
  tags: readonly string[];
  fields: Readonly<Record<string, WriterFieldType>>;
  /** Any field name may appear; fields outside `fields` are written as floats. */
  openFields: boolean;
  /** Any tag key may appear (check labels, textfile labels). */
  openTags: boolean;
  /** Kept as 1-minute and 1-hour rollups (numeric gauges and samples). */
  rollup: boolean;
  help: string;
}

/** The writer's own measurements: events for annotations and tables, gauges for wall panels. */
export const WRITER_MEASUREMENTS: Readonly<Record<string, SeriesSpec>> = {
  incident: {
    retention: 'events',
    help: 'One point per incident decision (opened, updated, resolved).',
    tags: ['site', 'priority', 'event', 'root'],
    fields: {
      incident_id: 'integer',
      title: 'string',
      reason: 'string',
      alerts: 'integer',
      alerts_firing: 'integer',
      services: 'string',
      buildings: 'string',
      terminals_affected: 'integer',
      terminals_total: 'integer',
      duration_seconds: 'float',
      flapping: 'boolean',
    },
    openFields: false,
    openTags: false,
    rollup: false,
  },
  alert: {
    retention: 'events',
    help: 'One point per alert change (firing, resolved); history: fired from a replayed backlog, never an incident.',
    tags: ['site', 'priority', 'state', 'rule', 'node'],
    fields: { alert_id: 'string', title: 'string', reason: 'string', metric: 'string', value: 'float', threshold: 'float', history: 'boolean' },
    openFields: false,
    openTags: false,
    rollup: false,
  },
  agent_event: {
    retention: 'events',
    help: 'An agent went online or offline (Last Will, shutdown, silence).',
    tags: [...AGENT_TAGS, 'event'],
    fields: { online: 'integer', reason: 'string' },
    openFields: false,
    openTags: false,
    rollup: false,
  },
  ticket: {
    retention: 'events',
    help: 'One point per ticket event (opened, acknowledged, escalated, resolved, closed, …), written by the ticket service through recordTicketEvent().',
    tags: ['site', 'priority', 'action'],
    fields: { ticket_id: 'integer', incident_id: 'integer', actor: 'string', response_due: 'integer', resolve_due: 'integer' },
    openFields: false,
    openTags: false,
    rollup: false,
  },
  fleet: {
    retention: 'raw',
    help: 'Agents online and offline, per site, building, floor and role; every snapshot interval.',
    tags: ['site', 'building', 'floor', 'role'],
    fields: { online: 'integer', offline: 'integer', total: 'integer' },
    openFields: false,
    openTags: false,
    rollup: true,
  },
  incidents: {
    retention: 'raw',
    help: 'Open incidents per site and priority; every snapshot interval.',
    tags: ['site', 'priority'],
    fields: { open: 'integer' },
    openFields: false,
    openTags: false,
    rollup: true,
  },
  sla: {
    retention: 'raw',
    help: 'Open tickets and their response/resolution clocks per site and priority; every snapshot interval.',
    tags: ['site', 'priority'],
    fields: {
      open: 'integer',
      unacknowledged: 'integer',
      response_overdue: 'integer',
      resolve_overdue: 'integer',
      response_left_seconds: 'float',
      resolve_left_seconds: 'float',
    },
    openFields: false,
    openTags: false,
    rollup: true,
  },
};

function fromCatalogue(spec: MeasurementSpec): SeriesSpec {
  return {
    retention: 'raw',
    help: spec.help,
    tags: [...new Set([...AGENT_TAGS, ...spec.tags])],
    fields: Object.fromEntries(Object.entries(spec.fields).map(([k, f]) => [k, f.type])),
    openFields: spec.openFields === true,
    openTags: spec.openTags === true,
    rollup: Object.keys(spec.fields).length > 0,
  };
}

/** Every measurement the writer produces, as of now (the catalogue may grow at start-up). */
export function describeSchema(): Map<string, SeriesSpec> {
  const out = new Map<string, SeriesSpec>();
  for (const [name, spec] of measurements()) out.set(name, fromCatalogue(spec));
  for (const [name, spec] of Object.entries(WRITER_MEASUREMENTS)) {
    if (out.has(name)) throw new Error(`measurement ${name} is both in the wire catalogue and a writer measurement`);
    out.set(name, spec);
  }
  return out;
}

/** Numeric fields of a measurement, the ones rollups average. */
export function numericFields(spec: SeriesSpec): string[] {
  return Object.entries(spec.fields)
    .filter(([, t]) => t === 'float' || t === 'integer')
    .map(([k]) => k)
    .sort();
}
