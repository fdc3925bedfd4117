// Alerts from the monitoring a hospital already has, mapped onto ExternalAlert and fed through
// the same correlation as Wardwatch's own (pipeline.external()):
//   Prometheus Alertmanager webhook (version "4"; keyed by fingerprint; one notification may
//   mix firing and resolved alerts), and
//   Zabbix, through the media-type script shipped in install/zabbix/ (keyed by event id;
//   value 1 problem, 0 recovery; updates and acknowledgements change nothing here).
// These are other products' formats: fields they add in later versions are ignored, the
// fields we need are checked.

import type { FromSchema } from 'json-schema-to-ts';
import type { ExternalAlert } from '../evaluate/external.js';
import type { Priority } from '../rules/schema.js';
import type { Labels } from '../topology/selector.js';

const labels = { type: 'object', additionalProperties: { type: 'string' } } as const;

export const alertmanagerSchema = {
  type: 'object',
  required: ['version', 'alerts'],
  properties: {
    version: { const: '4' },
    status: { enum: ['firing', 'resolved'] },
    alerts: {
      type: 'array',
      maxItems: 5000,
      items: {
        type: 'object',
        required: ['status', 'labels', 'fingerprint'],
        properties: {
          status: { enum: ['firing', 'resolved'] },
          labels,
          annotations: labels,
          startsAt: { type: 'string' },
          endsAt: { type: 'string' },
          fingerprint: { type: 'string', minLength: 1, maxLength: 128 },
        },
      },
    },
  },
} as const;

export const zabbixSchema = {
  type: 'object',
  required: ['event_id', 'event_value', 'severity', 'name', 'host'],
  properties: {
    event_id: { type: 'string', pattern: '^[0-9]{1,20}$' },
    event_value: { enum: ['0', '1'] },
    event_update_status: { enum: ['0', '1'] },
    severity: { type: 'integer', minimum: 0, maximum: 5 },
    name: { type: 'string', minLength: 1, maxLength: 500 },
    host: { type: 'string', minLength: 1, maxLength: 128 },
    ip: { type: 'string' },
    tags: { type: 'array', items: { type: 'object', required: ['tag'], properties: { tag: { type: 'string' }, value: { type: 'string' } } } },
    started: { type: 'string', description: 'Problem start, "YYYY.MM.DD HH:MM:SS" in the Zabbix server time zone.' },
  },
} as const;

export type AlertmanagerPayload = FromSchema<typeof alertmanagerSchema>;
export type ZabbixPayload = FromSchema<typeof zabbixSchema>;

export interface InboundSettings {
  site: string;
  /** Alertmanager `severity` label → priority; a `priority: P1` label wins. */
  severities: Readonly<Record<string, Priority>>;
  /** Zabbix severity 0–5 → priority. */
  zabbix: Readonly<Record<number, Priority>>;
}

export const DEFAULT_INBOUND: InboundSettings = {
  site: 'main',
  severities: { critical: 'P2', error: 'P2', warning: 'P3', info: 'P4', none: 'P4' },
  zabbix: { 5: 'P1', 4: 'P2', 3: 'P3', 2: 'P4', 1: 'P4', 0: 'P4' },
};

const LABEL_KEY = /^[a-z_][a-z0-9_]{0,31}$/;

/** Label names as our rules and selectors know them (lowercase, bounded); others dropped. */
function cleanLabels(input: Record<string, string>): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) {
    const key = k.toLowerCase();
    if (LABEL_KEY.test(key) && typeof v === 'string') out[key] = v.slice(0, 128);
  }
  return out;
}

function nodeOf(l: Record<string, string>): string {
  const raw = l.node ?? l.host ?? l.hostname ?? l.instance ?? l.job ?? 'alertmanager';
  // "10.12.1.21:9100" → "10.12.1.21": the exporter's port is not the node.
  return raw.replace(/:\d+$/, '').toLowerCase().slice(0, 128);
}

function isPriority(v: string | undefined): v is Priority {
  return v === 'P1' || v === 'P2' || v === 'P3' || v === 'P4';
}

export function fromAlertmanager(payload: AlertmanagerPayload, s: InboundSettings, now: number): ExternalAlert[] {
  return payload.alerts.map((a) => {
    const l = a.labels as Record<string, string>;
    const ann = (a.annotations ?? {}) as Record<string, string>;
    const startsAt = a.startsAt ? Date.parse(a.startsAt) : Number.NaN;
    const runbook = ann.runbook_url ?? ann.runbook;
    return {
      source: 'alertmanager' as const,
      key: a.fingerprint,
      status: a.status,
      node: nodeOf(l),
      site: l.site ?? s.site,
      title: (ann.summary ?? ann.description ?? l.alertname ?? 'Alertmanager alert').slice(0, 200),
      priority: isPriority(l.priority) ? l.priority : (s.severities[(l.severity ?? '').toLowerCase()] ?? 'P3'),
      labels: cleanLabels(l),
      startsAt: Number.isFinite(startsAt) && startsAt > 0 ? startsAt : now,
      ...(runbook ? { runbook } : {}),
    };
  });
}

/** Zabbix's "YYYY.MM.DD HH:MM:SS" (server local time); the zone is the SLA zone's. */
function zabbixTime(text: string | undefined, offsetMinutes: number): number | undefined {
  const m = text ? /^(\d{4})\.(\d{2})\.(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text) : null;
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, sec) - offsetMinutes * 60_000;
}

/** The alert a Zabbix event means, or undefined for updates (acknowledgements, comments). */
export function fromZabbix(p: ZabbixPayload, s: InboundSettings, now: number, utcOffsetMinutes = 480): ExternalAlert | undefined {
  if (p.event_update_status === '1') return undefined;
  const tags: Record<string, string> = {};
  for (const t of p.tags ?? []) tags[t.tag] = t.value ?? '';
  const l = cleanLabels({ ...tags, host: p.host, ...(p.ip ? { ip: p.ip } : {}), severity: String(p.severity) });
  return {
    source: 'zabbix',
    key: p.event_id,
    status: p.event_value === '1' ? 'firing' : 'resolved',
    node: (tags.node ?? p.host).toLowerCase().slice(0, 128),
    site: tags.site ?? s.site,
    title: p.name.slice(0, 200),
    priority: isPriority(tags.priority) ? tags.priority : (s.zabbix[p.severity] ?? 'P3'),
    labels: l,
    startsAt: zabbixTime(p.started, utcOffsetMinutes) ?? now,
  };
}
