// The shipped dashboards follow Grafana's dashboard JSON model and our invariants (checked by
// an ajv schema and the code below), the committed JSON is what the code produces, the
// provisioning files are valid and provision every datasource the dashboards use, and every
// query refers only to measurements, fields and tags the writer produces and metrics the
// processes expose. Grafana cannot run here; the live queries are in queries.test.ts.

import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { DASHBOARDS, DATASOURCES, render } from '../../dashboards/index.js';
import { SCHEMA_VERSION } from '../../dashboards/model.js';
import { AgentMetrics } from '../../agent/observe/metrics.js';
import { createCorrelatorMetrics } from '../../correlator/observe/metrics.js';
import { describeSchema } from '../../correlator/timeseries/schema.js';
import { ROOT } from '../helpers/cli.js';
import { influxRefs, queriesOf, shippedDashboards, variablesUsed } from './queries.js';

const DIR = join(ROOT, 'dashboards', 'grafana');
const ds = { type: 'object', required: ['type', 'uid'], properties: { type: { enum: ['influxdb', 'prometheus'] }, uid: { enum: DATASOURCES.map((d) => d.uid) } } };

/** The invariants Grafana's JSON model and our conventions ask for, as a JSON Schema. */
const dashboardSchema = {
  type: 'object',
  required: ['uid', 'title', 'schemaVersion', 'panels', 'templating', 'annotations', 'time', 'tags'],
  properties: {
    id: { const: null },
    uid: { type: 'string', pattern: '^wardwatch-[a-z-]+$', maxLength: 40 },
    title: { type: 'string', pattern: '^Wardwatch · ' },
    schemaVersion: { const: SCHEMA_VERSION },
    tags: { type: 'array', contains: { const: 'wardwatch' } },
    editable: { const: false },
    time: { type: 'object', required: ['from', 'to'] },
    panels: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'type', 'title', 'gridPos', 'datasource', 'targets', 'fieldConfig', 'options'],
        properties: {
          id: { type: 'integer', minimum: 1 },
          type: { enum: ['timeseries', 'stat', 'table', 'bargauge', 'state-timeline'] },
          title: { type: 'string', minLength: 1 },
          gridPos: {
            type: 'object',
            required: ['x', 'y', 'w', 'h'],
            properties: { x: { type: 'integer', minimum: 0, maximum: 23 }, y: { type: 'integer', minimum: 0 }, w: { type: 'integer', minimum: 1, maximum: 24 }, h: { type: 'integer', minimum: 1 } },
          },
          datasource: ds,
          targets: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['refId', 'datasource'],
              properties: { datasource: ds },
              if: { properties: { datasource: { properties: { type: { const: 'influxdb' } } } } },
              then: { required: ['query', 'rawQuery'], properties: { rawQuery: { const: true }, query: { type: 'string', pattern: '\\$timeFilter' } } },
              else: { required: ['expr'], properties: { expr: { type: 'string', minLength: 1 } } },
            },
          },
        },
      },
    },
    templating: {
      type: 'object',
      required: ['list'],
      properties: {
        list: {
          type: 'array',
          items: { type: 'object', required: ['name', 'type', 'datasource', 'query'], properties: { name: { type: 'string', pattern: '^[a-z_]+$' }, type: { const: 'query' }, datasource: ds } },
        },
      },
    },
    annotations: {
      type: 'object',
      properties: {
        list: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'datasource', 'enable', 'iconColor'],
            if: { properties: { datasource: { properties: { type: { const: 'influxdb' } } } } },
            then: { required: ['target'], properties: { target: { type: 'object', required: ['query'], properties: { query: { type: 'string', pattern: 'WHERE \\$timeFilter' } } } } },
          },
        },
      },
    },
  },
} as const;

const datasourcesSchema = {
  type: 'object',
  required: ['apiVersion', 'datasources'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 1 },
    datasources: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'uid', 'type', 'access', 'url'],
        properties: { uid: { type: 'string' }, type: { enum: ['influxdb', 'prometheus'] }, access: { const: 'proxy' }, url: { type: 'string' }, jsonData: { type: 'object' }, password: false, basicAuthPassword: false },
      },
    },
  },
} as const;

const providersSchema = {
  type: 'object',
  required: ['apiVersion', 'providers'],
  properties: {
    apiVersion: { const: 1 },
    providers: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', required: ['name', 'type', 'options'], properties: { type: { const: 'file' }, options: { type: 'object', required: ['path'], properties: { path: { type: 'string', pattern: '^/' } } } } },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: false });

t.test('the committed JSON is what the dashboard code produces (run `npm run dashboards`)', async (t) => {
  const files = readdirSync(join(DIR, 'dashboards')).filter((f) => f.endsWith('.json')).sort();
  t.same(files, Object.keys(DASHBOARDS).sort(), 'no stale or missing files');
  for (const [file, dashboard] of Object.entries(DASHBOARDS)) t.equal(readFileSync(join(DIR, 'dashboards', file), 'utf8'), render(dashboard), file);
});

t.test('provisioning files are valid and provision every datasource the dashboards use', async (t) => {
  const sources = parse(readFileSync(join(DIR, 'provisioning', 'datasources', 'wardwatch.yaml'), 'utf8')) as { datasources: Array<{ uid: string; type: string; secureJsonData?: Record<string, string> }> };
  const validSources = ajv.compile(datasourcesSchema);
  t.ok(validSources(sources), ajv.errorsText(validSources.errors));
  t.same(sources.datasources.map((d) => [d.type, d.uid]).sort(), DATASOURCES.map((d) => [d.type, d.uid]).sort());
  t.match(sources.datasources.find((d) => d.type === 'influxdb')?.secureJsonData?.password, /^\$\{[A-Z_]+\}$/, 'the password comes from the environment');
  const providers = parse(readFileSync(join(DIR, 'provisioning', 'dashboards', 'wardwatch.yaml'), 'utf8'));
  const validProviders = ajv.compile(providersSchema);
  t.ok(validProviders(providers), ajv.errorsText(validProviders.errors));
});

t.test('every dashboard follows the JSON model and the invariants', async (t) => {
  const validate = ajv.compile(dashboardSchema);
  const uids = new Set<string>();
  const shipped = shippedDashboards();
  for (const { file, json } of shipped) {
    t.ok(validate(json), `${file}: ${ajv.errorsText(validate.errors)}`);
    t.notOk(uids.has(json.uid), `${file}: uid ${json.uid} is unique`);
    uids.add(json.uid);
    const ids = json.panels.map((p) => p.id);
    t.equal(new Set(ids).size, ids.length, `${file}: panel ids unique`);
    for (const p of json.panels) {
      const g = p.gridPos;
      t.ok(g.x + g.w <= 24, `${file}: "${p.title}" within 24 columns`);
      for (const q of json.panels) {
        if (q === p) continue;
        const h = q.gridPos;
        const overlap = g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h;
        if (overlap) t.fail(`${file}: "${p.title}" overlaps "${q.title}"`);
      }
    }
    const defined = new Set(json.templating.list.map((v) => v.name));
    for (const q of queriesOf(json)) for (const v of variablesUsed(q.text)) t.ok(defined.has(v), `${file} ${q.where}: $${v} is defined`);
    const variableNames = json.templating.list.map((v) => v.name);
    if (json.uid !== 'wardwatch-self') t.same(variableNames, ['site', 'building', 'service', 'host'], `${file}: site, building, service, host`);
  }
  // Links between dashboards lead somewhere that exists.
  const text = shipped.map((s) => s.text).join('\n');
  for (const m of text.matchAll(/\/d\/([a-z-]+)\//g)) t.ok(uids.has(m[1] as string), `link to /d/${m[1]}/ resolves`);
  t.ok((text.match(/var-host=\$\{__(field\.labels|data\.fields)\.agent\}/g) ?? []).length >= 4, 'panels drill down to the host');
});

t.test('every InfluxQL query uses only what the writer produces', async (t) => {
  const schema = describeSchema();
  // Check labels are open tags; the dashboards rely on this one (snmp_interface results).
  const labels = new Set(['iface']);
  for (const { file, json } of shippedDashboards()) {
    for (const q of queriesOf(json).filter((x) => x.datasource === 'influxdb')) {
      const refs = influxRefs(q.text);
      t.ok(refs.measurements.length > 0, `${file} ${q.where}: names a measurement`);
      const allowed = new Set<string>(refs.aliases);
      for (const [rp, name] of refs.measurements) {
        const spec = schema.get(name);
        if (!spec) {
          t.fail(`${file} ${q.where}: measurement "${name}" is not written`);
          continue;
        }
        const policy = rp ?? 'raw';
        t.ok(policy === spec.retention || (spec.rollup && policy.startsWith('rollup_')), `${file} ${q.where}: "${name}" is in policy ${spec.retention}, not ${policy}`);
        for (const f of Object.keys(spec.fields)) allowed.add(f);
        for (const tag of spec.tags) allowed.add(tag);
        if (spec.openTags) for (const tag of labels) allowed.add(tag);
      }
      for (const id of refs.identifiers) t.ok(allowed.has(id), `${file} ${q.where}: "${id}" is a field or tag the writer produces`);
    }
  }
});

t.test('every Prometheus query uses metrics the processes expose', async (t) => {
  const correlator = await createCorrelatorMetrics({ defaults: true }).registry.getMetricsAsJSON();
  const names = new Set<string>();
  for (const m of correlator) {
    names.add(m.name);
    if (m.type === ('histogram' as never)) for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  for (const line of new AgentMetrics({ version: '0', role: 'server' }).render({ connected: true, outbox: 0, outboxDropped: 0 }).split('\n')) {
    const m = /^# TYPE (\S+)/.exec(line);
    if (m) names.add(m[1] as string);
  }
  let checked = 0;
  for (const { file, json } of shippedDashboards()) {
    for (const q of queriesOf(json).filter((x) => x.datasource === 'prometheus')) {
      for (const m of q.text.matchAll(/\b((?:wardwatch|process|nodejs)_[a-z_]+)\b/g)) {
        t.ok(names.has(m[1] as string), `${file} ${q.where}: ${m[1]} is exposed`);
        checked++;
      }
    }
  }
  t.ok(checked > 10);
});
