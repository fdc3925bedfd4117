// The pure parts of the time-series stage: mapping to points, admission (types, open fields),
// gauges, retention statements, the config section, and the buffer's order.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FieldType, type ISchemaOptions } from 'influx';
import { loadCorrelatorConfig } from '../../correlator/config/load.js';
import { formatError } from '../../common/yaml-file.js';
import { SeriesRegistry } from '../../correlator/timeseries/admit.js';
import { MemoryQueue, Spool } from '../../correlator/timeseries/buffer.js';
import { fleetPoints, incidentCountPoints, TicketBook } from '../../correlator/timeseries/gauges.js';
import { decisionPoints, messagePoints, type Point } from '../../correlator/timeseries/points.js';
import { backfillStatements, continuousQueries, influxDuration, policies } from '../../correlator/timeseries/retention.js';
import { describeSchema } from '../../correlator/timeseries/schema.js';
import { tmpDir } from '../helpers/tmp.js';
import { agentRecord, metricsMessage, settings } from './harness.js';

t.test('samples become points tagged with the agent and its grouping labels', async (t) => {
  const agent = agentRecord('ws-0231', { building: 'outpatient', floor: '2', role: 'terminal', department: 'cardiology', service: 'his' });
  const cases = [
    {
      name: 'metrics: agent tags plus the sample tags, other labels left out, ms → µs',
      message: metricsMessage('ws-0231', 5, 1_763_773_215_000, [{ m: 'fs', tags: { mount: '/', fstype: 'ext4' }, fields: { used_percent: 48.1 } }]),
      want: [{ rp: 'raw', measurement: 'fs', ts: 1_763_773_215_000_000, tags: { agent: 'ws-0231', building: 'outpatient', floor: '2', fstype: 'ext4', mount: '/', role: 'terminal', service: 'his', site: 'main' }, fields: { used_percent: 48.1 } }],
    },
    {
      name: 'events: check samples the way the engine maps them; the check label wins, identity does not move',
      message: { v: 1 as const, kind: 'events' as const, agent: 'ws-0231', site: 'main', seq: 6, ts: 1000, events: [{ check: 'lis-port', type: 'tcp', status: 'warning' as const, node: 'lis-app-01', duration_ms: 800, labels: { service: 'lis', agent: 'spoofed' }, fields: { connect_ms: 790, ok: true, note: 'text' } }] },
      want: [{ measurement: 'check', tags: { agent: 'ws-0231', check: 'lis-port', node: 'lis-app-01', service: 'lis', type: 'tcp' }, fields: { status_level: 1, duration_ms: 800, connect_ms: 790, ok: 1 } }],
    },
    { name: 'state messages give no samples', message: { v: 1 as const, kind: 'state' as const, agent: 'ws-0231', site: 'main', seq: 0, ts: 1, online: false, session: 1 }, want: [] },
  ];
  for (const c of cases) t.match(messagePoints(c.message, agent), c.want, c.name);
  t.same(Object.keys(messagePoints(cases[0]!.message, agent)[0]!.tags), ['agent', 'building', 'floor', 'fstype', 'mount', 'role', 'service', 'site'], 'tags sorted by key');
  t.same(messagePoints(cases[0]!.message, undefined)[0]?.tags, { agent: 'ws-0231', fstype: 'ext4', mount: '/', site: 'main' }, 'before any birth: identity only');
});

t.test('admission: catalogue types, open fields as floats, unknown things skipped and said', async (t) => {
  const declared: ISchemaOptions[] = [];
  const r = new SeriesRegistry(describeSchema(), 'db', (s) => declared.push(s));
  const cpu = declared.find((d) => d.measurement === 'cpu');
  t.equal(cpu?.fields.cores, FieldType.INTEGER);
  t.equal(cpu?.fields.usage_percent, FieldType.FLOAT);
  t.equal(declared.find((d) => d.measurement === 'incident')?.fields.title, FieldType.STRING);
  const p = (measurement: string, fields: Point['fields'], tags: Record<string, string> = { agent: 'a' }): Point => ({ rp: 'raw', measurement, tags, fields, ts: 1 });

  t.same(r.admit(p('textfile', { backup_age_seconds: 3600 }, { agent: 'a', job: 'nightly' })).point?.fields, { backup_age_seconds: 3600 });
  t.equal(r.fieldType('textfile', 'backup_age_seconds'), 'float', 'open field declared as float');
  const grown = declared.filter((d) => d.measurement === 'textfile').pop();
  t.equal(grown?.fields.backup_age_seconds, FieldType.FLOAT);
  t.ok(grown?.tags.includes('job'), 'new tag key declared');

  t.same(r.admit(p('cpu', { usage_percent: 3, bogus: 1 })), { point: p('cpu', { usage_percent: 3 }), skipped: { reason: 'unknown-field', what: 'cpu.bogus' } });
  t.same(r.admit(p('gpu', { busy: 1 })), { skipped: { reason: 'unknown-measurement', what: 'gpu' } });
  t.same(r.admit(p('cpu', { bogus: 1 })).skipped?.reason, 'unknown-field');
  t.equal(r.admit(p('cpu', { bogus: 1 })).point, undefined, 'nothing left to write');
  t.same(r.admit(p('cpu', { usage_percent: Number.NaN, load1: 1 })).point?.fields, { load1: 1 }, 'non-finite values left out');
});

t.test('decisions become event points with distinct timestamps', async (t) => {
  const at = 1_763_773_215_000;
  const incident = { id: 9, state: 'resolved' as const, root: 'db-01', site: 'main', title: 'DB down', priority: 'P2' as const, priorityReason: '', alerts: [], evidence: [], openedAt: at - 90_000, updatedAt: at, resolvedAt: at, runbooks: [] };
  let seq = 0;
  const points = decisionPoints(
    [
      { type: 'incident.resolved', incident, reason: 'all alerts cleared' },
      { type: 'agent.offline', agent: { ...agentRecord('db-01', { building: 'dc-a' }), online: false, offlineReason: 'agent-silent' }, at },
      { type: 'incident.updated', incident, reason: 'x', change: 'alert-cleared', alert: 'a' },
    ],
    at,
    () => ++seq,
  );
  t.match(points, [
    { rp: 'events', measurement: 'incident', tags: { event: 'resolved', priority: 'P2', root: 'db-01', site: 'main' }, fields: { incident_id: 9, duration_seconds: 90, reason: 'all alerts cleared' }, ts: at * 1000 + 1 },
    { rp: 'events', measurement: 'agent_event', tags: { agent: 'db-01', building: 'dc-a', event: 'offline' }, fields: { online: 0, reason: 'agent-silent' }, ts: at * 1000 + 2 },
    { measurement: 'incident', ts: at * 1000 + 3 },
  ]);
});

t.test('gauges: fleet by building, open incidents with zeros, SLA clocks', async (t) => {
  const now = 1_000_000_000;
  const agents = [
    agentRecord('ws-1', { building: 'b1', role: 'terminal' }, { lastSeenAt: now - 10_000, intervalMs: 60_000 }),
    agentRecord('ws-2', { building: 'b1', role: 'terminal' }, { lastSeenAt: now - 181_000, intervalMs: 60_000 }),
    agentRecord('ws-3', { building: 'b1', role: 'terminal' }, { lastSeenAt: now, online: false }),
    agentRecord('his-1', { building: 'dc', role: 'server' }, { lastSeenAt: now }),
  ];
  t.same(
    fleetPoints(agents, now).map((p) => [p.tags.building, p.tags.role, p.fields]),
    [['b1', 'terminal', { online: 1, offline: 2, total: 3 }], ['dc', 'server', { online: 1, offline: 0, total: 1 }]],
    'silent for more than 3 intervals or marked offline',
  );
  const counts = incidentCountPoints([{ site: 'main', priority: 'P2' } as never, { site: 'main', priority: 'P2' } as never], ['main', 'east'], now);
  t.same(counts.map((p) => `${p.tags.site}/${p.tags.priority}=${p.fields.open}`), ['main/P1=0', 'main/P2=2', 'main/P3=0', 'main/P4=0', 'east/P1=0', 'east/P2=0', 'east/P3=0', 'east/P4=0']);

  const book = new TicketBook();
  book.apply({ ticketId: 1, incidentId: 1, action: 'opened', priority: 'P1', actor: 'wardwatch', at: now, responseDue: now + 900_000, resolveDue: now + 14_400_000 }, 'main');
  book.apply({ ticketId: 2, incidentId: 2, action: 'opened', priority: 'P1', actor: 'wardwatch', at: now - 1_000_000, responseDue: now - 100_000 }, 'main');
  t.match(book.points(now)[0]?.fields, { open: 2, unacknowledged: 2, response_overdue: 1, response_left_seconds: -100, resolve_left_seconds: 14_400 });
  book.apply({ ticketId: 2, incidentId: 2, action: 'acknowledged', priority: 'P1', actor: 'li.na', at: now }, undefined);
  t.match(book.points(now)[0]?.fields, { open: 2, unacknowledged: 1, response_overdue: 0, response_left_seconds: 900 });
  book.apply({ ticketId: 1, incidentId: 1, action: 'closed', priority: 'P1', actor: 'li.na', at: now }, undefined);
  book.apply({ ticketId: 2, incidentId: 2, action: 'resolved', priority: 'P1', actor: 'li.na', at: now }, undefined);
  t.same(book.points(now)[0]?.fields, { open: 0, unacknowledged: 0, response_overdue: 0, resolve_overdue: 0 }, 'written as zero once empty');
});

t.test('retention policies and continuous queries', async (t) => {
  const s = settings('http://127.0.0.1:8086', 'unused-dir');
  t.same(policies(s).map((p) => [p.name, p.duration, p.isDefault]), [['raw', '7d', true], ['rollup_1m', '13w', false], ['rollup_1h', '104w', false], ['events', '52w', false]]);
  t.same([influxDuration(7 * 86_400_000), influxDuration(90_000), influxDuration(3_600_000), influxDuration(1_500), influxDuration(91 * 86_400_000)], ['1w', '90s', '1h', '1500ms', '13w']);
  const cqs = continuousQueries(s, describeSchema());
  const cpu1m = cqs.find((c) => c.name.startsWith('ww_cpu_1m_'));
  t.equal(
    cpu1m?.statement.replace(/ww_cpu_1m_[0-9a-f]+/, 'N'),
    'CREATE CONTINUOUS QUERY "N" ON "wardwatch" RESAMPLE EVERY 1m FOR 10m BEGIN SELECT mean("cores") AS "cores", max("cores") AS "cores_max", mean("iowait_percent") AS "iowait_percent", max("iowait_percent") AS "iowait_percent_max", mean("load1") AS "load1", max("load1") AS "load1_max", mean("load15") AS "load15", max("load15") AS "load15_max", mean("load5") AS "load5", max("load5") AS "load5_max", mean("usage_percent") AS "usage_percent", max("usage_percent") AS "usage_percent_max" INTO "wardwatch"."rollup_1m"."cpu" FROM "wardwatch"."raw"."cpu" GROUP BY time(1m), * END',
  );
  t.match(cqs.find((c) => c.name.startsWith('ww_cpu_1h_'))?.statement, /RESAMPLE EVERY 1h FOR 2h BEGIN SELECT mean\("cores"\) AS "cores", max\("cores_max"\) AS "cores_max".* FROM "wardwatch"."rollup_1m"."cpu" GROUP BY time\(1h\), \*/);
  t.notOk(cqs.some((c) => /^ww_(incident|alert|ticket|agent_event|textfile)_/.test(c.name)), 'no rollups of events or of measurements without known fields');
  const fill = backfillStatements(cqs, new Map([['cpu', 3_700_000], ['mem', 7_300_000]]), 9_000_000);
  t.equal(fill.length, 4, 'only the measurements written late');
  t.match(fill, [/"rollup_1m"."cpu" FROM .* WHERE time >= 3600000ms AND time < 9000000ms GROUP BY time\(1m\), \*$/, /"rollup_1m"."mem" FROM .*time >= 7200000ms/, /"rollup_1h"."cpu"/, /"rollup_1h"."mem"/], '1-minute rollups first, from the hour');
});

t.test('the influx: section of the correlator config', async (t) => {
  const dir = tmpDir(t);
  const file = join(dir, 'correlator.yaml');
  writeFileSync(file, 'broker: { url: "mqtt://127.0.0.1:1883" }\nstore: { sqlite: data/ww.db }\ninflux:\n  url: http://127.0.0.1:8086\n  password: ${env:WW_TEST_INFLUX_PW}\n  buffer: { max_bytes: 64MiB }\n');
  process.env.WW_TEST_INFLUX_PW = 'pw';
  const ok = loadCorrelatorConfig(file);
  t.ok(ok.ok);
  if (ok.ok) {
    t.match(ok.config.influx, { url: 'http://127.0.0.1:8086', database: 'wardwatch', password: 'pw', batchSize: 5000, batchIntervalMs: 1000, spoolBytes: 64 * 1024 ** 2, spoolDir: join(dir, 'data', 'timeseries-spool'), retention: { events: '52w' } });
    t.same(ok.config.metrics, { enabled: true, host: '127.0.0.1', port: 9742 });
  }
  const bad = (yaml: string) => {
    writeFileSync(file, `broker: { url: "mqtt://127.0.0.1:1883" }\n${yaml}`);
    const r = loadCorrelatorConfig(file);
    return r.ok ? [] : r.errors.map(formatError);
  };
  t.match(bad('influx:\n  url: http://x:8086\n  retention: { events: 8w }\n'), [/correlator\.yaml:4:\d+: influx\.retention\.events: expected at least 26w \(incident and alert events are network logs, kept six months\), got "8w"/]);
  t.match(bad('influx:\n  url: influx.local\n'), [/:3:8: influx\.url: expected a URL like "http:\/\/127\.0\.0\.1:8086", got "influx\.local"/]);
  t.match(bad('influx:\n  url: http://x:8086\n  batch: { sise: 10 }\n'), [/influx\.batch.*sise/]);
  t.match(bad('metrics: { listen: "9742" }\n'), [/metrics\.listen: expected an address and port like "127\.0\.0\.1:9741"/]);
  t.same(bad('metrics: { enabled: false }\n'), []);
});

t.test('buffer: memory queue and disk segments keep the order, across a restart', async (t) => {
  const q = new MemoryQueue(3);
  const pt = (n: number): Point => ({ rp: 'raw', measurement: 'cpu', tags: {}, fields: { n }, ts: n });
  for (let i = 1; i <= 8; i++) q.push(pt(i));
  t.equal(q.drop(2), 2);
  t.same(q.take(4).map((p) => p.ts), [3, 4, 5, 6]);
  t.equal(q.size, 2);

  const dir = tmpDir(t);
  const spool = new Spool(join(dir, 'spool'), 10_000);
  await spool.append([pt(20), pt(21)]);
  await spool.append([pt(30)]);
  await spool.append([pt(10)], undefined, true);
  const again = new Spool(join(dir, 'spool'), 10_000);
  const order: number[] = [];
  for (let s = again.oldest(); s; s = again.oldest()) {
    order.push(...(await again.read(s)).map((p) => p.ts));
    await again.remove(s);
  }
  t.same(order, [10, 20, 21, 30], 'front, then appended, in order after a restart');
  const small = new Spool(join(dir, 'small'), 300);
  let dropped = 0;
  for (let i = 0; i < 5; i++) dropped += await small.append([pt(i)]);
  t.ok(small.usedBytes <= 300);
  t.equal(dropped + small.points, 5, 'what no longer fits is dropped oldest first, and counted');
  t.same((await small.read(small.oldest()!)).map((p) => p.ts)[0], 5 - small.points);
});
