// Building blocks of the Wardwatch dashboards: datasource references (uids pinned by the
// provisioning file), typed query targets, panels, template variables, links, and a layout
// helper that places panels on Grafana's 24-column grid. Dashboards are written in TypeScript
// and checked with `satisfies Dashboard` from @grafana/schema; Grafana ships no InfluxQL
// query type, so the target types are ours (type aliases: an interface would not be
// assignable to Grafana's open target records).

import type { AnnotationQuery, DataSourceRef, MappingType, Panel, ThresholdsMode, VariableModel } from '@grafana/schema';

export const INFLUX: DataSourceRef = { type: 'influxdb', uid: 'wardwatch-influxdb' };
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: 'wardwatch-prometheus' };

/** Grafana 10.4 / 11: what hospitals run; newer servers migrate it forward on load. */
export const SCHEMA_VERSION = 39;

export type InfluxQLTarget = {
  refId: string;
  datasource: DataSourceRef;
  rawQuery: true;
  query: string;
  resultFormat: 'time_series' | 'table';
  alias?: string;
  hide?: boolean;
};

export type PromTarget = {
  refId: string;
  datasource: DataSourceRef;
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  range?: boolean;
};

export type Target = InfluxQLTarget | PromTarget;

const REF_IDS = 'ABCDEFGHIJ';

export function influx(query: string, opts: { alias?: string; table?: boolean } = {}): (refId: string) => InfluxQLTarget {
  return (refId) => ({ refId, datasource: INFLUX, rawQuery: true, query, resultFormat: opts.table ? 'table' : 'time_series', ...(opts.alias ? { alias: opts.alias } : {}) });
}

export function prom(expr: string, legendFormat?: string, opts: { instant?: boolean } = {}): (refId: string) => PromTarget {
  return (refId) => ({ refId, datasource: PROMETHEUS, expr, ...(legendFormat ? { legendFormat } : {}), ...(opts.instant ? { instant: true, range: false } : {}) });
}

/** Filters every InfluxQL query starts from: the dashboard's variables, matched as regexes so "All" works. */
export const WHERE = {
  site: `"site" =~ /^$site$/`,
  building: `"building" =~ /^$building$/`,
  service: `"service" =~ /^$service$/`,
  host: `"agent" =~ /^$host$/`,
} as const;

export type Link = { title: string; url: string; targetBlank?: boolean };

/** Opens the host detail dashboard for the host in a series label or a table column. */
export function hostLink(from: 'label' | 'column'): Link {
  const host = from === 'label' ? '${__field.labels.agent}' : '${__data.fields.agent}';
  return { title: 'Host detail', url: `/d/wardwatch-host/host-detail?var-host=${host}&\${__url_time_range}` };
}

export function dashboardLink(uid: string, slug: string, title: string): Link {
  return { title, url: `/d/${uid}/${slug}?\${__all_variables}&\${__url_time_range}` };
}

type Threshold = { color: string; value: number | null };

export interface PanelSpec {
  title: string;
  type: 'timeseries' | 'stat' | 'table' | 'bargauge' | 'state-timeline';
  w: number;
  h: number;
  targets: Array<(refId: string) => Target>;
  description?: string;
  unit?: string;
  min?: number;
  max?: number;
  decimals?: number;
  thresholds?: Threshold[];
  /** Value → text and colour, e.g. check status levels. */
  mappings?: Array<{ value: number; text: string; color: string }>;
  links?: Link[];
  options?: Record<string, unknown>;
  custom?: Record<string, unknown>;
  transformations?: Array<{ id: string; options: Record<string, unknown> }>;
  datasource?: DataSourceRef;
}

export const STATUS_MAPPINGS = [
  { value: 0, text: 'OK', color: 'green' },
  { value: 1, text: 'Warning', color: 'orange' },
  { value: 2, text: 'Critical', color: 'red' },
  { value: 3, text: 'Unknown', color: 'purple' },
];

function toPanel(spec: PanelSpec, id: number, x: number, y: number): Panel {
  const targets = spec.targets.map((make, i) => make(REF_IDS[i] as string));
  const datasource = spec.datasource ?? targets[0]?.datasource ?? INFLUX;
  const mappings = spec.mappings?.length
    ? [{ type: 'value' as MappingType.ValueToText, options: Object.fromEntries(spec.mappings.map((m) => [String(m.value), { text: m.text, color: m.color, index: m.value }])) }]
    : [];
  return {
    id,
    type: spec.type,
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    gridPos: { x, y, w: spec.w, h: spec.h },
    datasource,
    targets,
    fieldConfig: {
      defaults: {
        ...(spec.unit ? { unit: spec.unit } : {}),
        ...(spec.min !== undefined ? { min: spec.min } : {}),
        ...(spec.max !== undefined ? { max: spec.max } : {}),
        ...(spec.decimals !== undefined ? { decimals: spec.decimals } : {}),
        thresholds: { mode: 'absolute' as ThresholdsMode, steps: spec.thresholds ?? [{ color: 'green', value: null }] },
        mappings,
        links: spec.links ?? [],
        ...(spec.custom ? { custom: spec.custom } : {}),
      },
      overrides: [],
    },
    options: spec.options ?? {},
    ...(spec.transformations ? { transformations: spec.transformations } : {}),
  };
}

/** Places rows of panels left to right, top to bottom; a row is as tall as its tallest panel. */
export function layout(rows: PanelSpec[][]): Panel[] {
  const out: Panel[] = [];
  let y = 0;
  for (const row of rows) {
    let x = 0;
    for (const spec of row) {
      out.push(toPanel(spec, out.length + 1, x, y));
      x += spec.w;
    }
    y += Math.max(...row.map((p) => p.h));
  }
  return out;
}

/** A query variable over an InfluxDB tag; "All" matches everything, including series without the tag. */
export function tagVariable(name: string, label: string, from: string, key: string, where: string[], opts: { multi?: boolean; all?: boolean } = {}): VariableModel {
  const all = opts.all ?? true;
  return {
    name,
    label,
    type: 'query',
    datasource: INFLUX,
    query: `SHOW TAG VALUES FROM ${from} WITH KEY = "${key}"${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
    refresh: 1,
    sort: 1,
    multi: opts.multi ?? true,
    includeAll: all,
    ...(all ? { allValue: '.*', current: { text: 'All', value: '$__all' } } : {}),
  };
}

/** The four variables of every InfluxDB dashboard, chained: site → building → service → host. */
export function standardVariables(opts: { host?: { multi: boolean; all: boolean } } = {}): VariableModel[] {
  return [
    tagVariable('site', 'Site', '"agent"', 'site', []),
    tagVariable('building', 'Building', '"agent"', 'building', [WHERE.site]),
    tagVariable('service', 'Service', '/^(agent|check)$/', 'service', [WHERE.site]),
    tagVariable('host', 'Host', '"agent"', 'agent', [WHERE.site, WHERE.building, WHERE.service], opts.host ?? {}),
  ];
}

export const DASHBOARD_LINKS = [
  { title: 'Wardwatch', type: 'dashboards' as const, tags: ['wardwatch'], asDropdown: true, includeVars: true, keepTime: true, icon: 'external link', targetBlank: false, tooltip: 'Other Wardwatch dashboards' },
];

/** An InfluxDB annotation query; Grafana's type only knows its built-in annotation targets. */
type InfluxAnnotationTarget = { refId: string; fromAnnotations: true; query: string; textColumn: string; tagsColumn: string };

function incidentAnnotation(name: string, event: 'opened' | 'resolved', color: string, enable: boolean): AnnotationQuery {
  const target: InfluxAnnotationTarget = {
    refId: 'Anno',
    fromAnnotations: true,
    query: `SELECT "title", "priority", "root" FROM "events"."incident" WHERE $timeFilter AND "event" = '${event}' AND ${WHERE.site}`,
    textColumn: 'title',
    tagsColumn: 'priority,root',
  };
  return { name, enable, iconColor: color, datasource: INFLUX, target: target as unknown as AnnotationQuery['target'] };
}

export const INCIDENT_ANNOTATIONS = {
  list: [
    { builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard' },
    incidentAnnotation('Incidents opened', 'opened', 'red', true),
    incidentAnnotation('Incidents resolved', 'resolved', 'green', false),
  ],
};

/** What every dashboard has in common; `satisfies Dashboard` is checked in each file. */
export function base(uid: string, title: string, description: string) {
  return {
    uid,
    title,
    description,
    id: null,
    editable: false,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    tags: ['wardwatch'],
    timezone: 'browser',
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    links: DASHBOARD_LINKS,
    annotations: INCIDENT_ANNOTATIONS,
  };
}
