// Reading the shipped dashboards the way the tests need them: every query (panel targets,
// annotations, template variables) with where it comes from, what it references, and the
// text Grafana would send once its macros and variables are substituted.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS } from '../../dashboards/index.js';
import { ROOT } from '../helpers/cli.js';

export interface Query {
  dashboard: string;
  where: string;
  datasource: 'influxdb' | 'prometheus';
  text: string;
  kind: 'panel' | 'annotation' | 'variable';
}

interface JsonDashboard {
  uid: string;
  title: string;
  panels: Array<{ id: number; title: string; type: string; gridPos: { x: number; y: number; w: number; h: number }; targets: Array<{ refId: string; datasource: { type: string; uid: string }; query?: string; expr?: string }> }>;
  templating: { list: Array<{ name: string; type: string; datasource?: { type: string }; query: string | { query: string } }> };
  annotations: { list: Array<{ name: string; datasource: { type: string; uid: string }; target?: { query?: string } }> };
  links: Array<{ url?: string }>;
}

/** The committed JSON files, parsed. */
export function shippedDashboards(): Array<{ file: string; json: JsonDashboard; text: string }> {
  return Object.keys(DASHBOARDS).map((file) => {
    const text = readFileSync(join(ROOT, 'dashboards', 'grafana', 'dashboards', file), 'utf8');
    return { file, json: JSON.parse(text) as JsonDashboard, text };
  });
}

export function queriesOf(d: JsonDashboard): Query[] {
  const out: Query[] = [];
  for (const p of d.panels) {
    for (const t of p.targets) {
      const ds = t.datasource.type === 'prometheus' ? 'prometheus' : 'influxdb';
      out.push({ dashboard: d.uid, where: `panel "${p.title}" ${t.refId}`, datasource: ds, text: (ds === 'prometheus' ? t.expr : t.query) ?? '', kind: 'panel' });
    }
  }
  for (const a of d.annotations.list) {
    if (a.target?.query) out.push({ dashboard: d.uid, where: `annotation "${a.name}"`, datasource: 'influxdb', text: a.target.query, kind: 'annotation' });
  }
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue;
    const text = typeof v.query === 'string' ? v.query : v.query.query;
    out.push({ dashboard: d.uid, where: `variable $${v.name}`, datasource: v.datasource?.type === 'prometheus' ? 'prometheus' : 'influxdb', text, kind: 'variable' });
  }
  return out;
}

/** Grafana's own macros and alias tokens, which need no template variable. */
const BUILTIN = new Set(['timeFilter', '__interval', '__rate_interval', '__all_variables', '__url_time_range', 'col', 'm']);

/** `$name` / `${name}` references to template variables in a text. */
export function variablesUsed(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const name = m[1] as string;
    if (BUILTIN.has(name) || name.startsWith('tag_') || name.startsWith('__')) continue;
    names.add(name);
  }
  return [...names];
}

export interface InfluxRefs {
  /** [retention policy or undefined, measurement] */
  measurements: Array<[string | undefined, string]>;
  /** Double-quoted identifiers that are not measurement or policy names. */
  identifiers: string[];
  aliases: string[];
}

export function influxRefs(query: string): InfluxRefs {
  const measurements: Array<[string | undefined, string]> = [];
  const names = new Set<string>();
  for (const m of query.matchAll(/FROM\s+(?:"([a-z0-9_]+)"\.)?"([a-z0-9_]+)"/g)) {
    measurements.push([m[1], m[2] as string]);
    if (m[1]) names.add(m[1]);
    names.add(m[2] as string);
  }
  for (const m of query.matchAll(/FROM\s+\/\^\(([a-z0-9_|]+)\)\$\//g)) for (const name of (m[1] as string).split('|')) measurements.push([undefined, name]);
  const aliases = [...query.matchAll(/AS\s+"([^"]+)"/g)].map((m) => m[1] as string);
  // Identifiers: double-quoted names outside single-quoted strings and /regexes/.
  const stripped = query.replace(/'[^']*'/g, "''").replace(/\/\^[^/]*\//g, '//');
  const identifiers = [...stripped.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string).filter((n) => !names.has(n));
  return { measurements, identifiers, aliases };
}

export interface Substitution {
  /** Variable name → regex text (".*" for All, "(a|b)" for several values, or one value). */
  vars: Record<string, string>;
  timeFilter?: string;
  interval?: string;
}

export function substituteInflux(query: string, s: Substitution): string {
  let out = query.replace(/\$timeFilter/g, s.timeFilter ?? 'time > now() - 1h').replace(/\$__interval/g, s.interval ?? '5s');
  for (const [name, value] of Object.entries(s.vars)) out = out.replace(new RegExp(`\\$${name}\\b`, 'g'), value);
  return out;
}

export function substituteProm(expr: string, vars: Record<string, string>): string {
  let out = expr.replace(/\$__rate_interval/g, '10s').replace(/\$__interval/g, '5s');
  for (const [name, value] of Object.entries(vars)) out = out.replace(new RegExp(`\\$${name}\\b`, 'g'), value);
  return out;
}
