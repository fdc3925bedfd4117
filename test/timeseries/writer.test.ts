// The time-series writer against a real InfluxDB 1.x (Debian's influxd on a free loopback
// port): field types as the catalogue declares them, tags from the agent's labels, retention
// policies and downsampling created on start, incidents and tickets as events.

import t from 'tap';
import { startInfluxd } from '../helpers/influxdb.js';
import { eventually, tmpDir } from '../helpers/tmp.js';
import type { Incident } from '../../correlator/correlate/incident.js';
import type { Decision } from '../../correlator/engine/engine.js';
import { agentRecord, metricsMessage, settings, startWriter } from './harness.js';

const DB = 'wardwatch';

t.test('integers stay integers, floats stay floats, open fields are floats: no type conflict', async (t) => {
  const influx = await startInfluxd(t);
  const w = startWriter(t, settings(influx.url, tmpDir(t)));
  const agent = agentRecord('his-app-01', { building: 'datacenter-a', service: 'his', department: 'it' });
  const now = Date.now() - 60_000;
  // Whole-number values first: without declared types these would all become floats, and
  // the integers would later conflict with properly typed writes.
  w.writer.accept(metricsMessage('his-app-01', 1, now, [
    { m: 'cpu', fields: { usage_percent: 50, load1: 1, cores: 8 } },
    { m: 'system', fields: { uptime_seconds: 1843201, processes: 212 } },
    { m: 'textfile', tags: { job: 'nightly' }, fields: { backup_last_success_timestamp_seconds: 1763773200 } },
  ]), agent, now);
  w.writer.accept({ v: 1, kind: 'events', agent: 'his-app-01', site: 'main', seq: 2, ts: now, events: [
    { check: 'his-web', type: 'http', status: 'critical', labels: { service: 'his' }, duration_ms: 5210, fields: { custom_reading: 503, body: 'ignored text' } },
  ] }, agent, now);
  t.ok(await w.writer.flush(10_000), 'flushed');
  // Then values with fractions, in the same shard.
  w.writer.accept(metricsMessage('his-app-01', 3, now + 1000, [
    { m: 'cpu', fields: { usage_percent: 50.5, load1: 1.25, cores: 8 } },
    { m: 'textfile', tags: { job: 'nightly' }, fields: { backup_last_success_timestamp_seconds: 1763773200.5 } },
  ]), agent, now + 1000);
  w.writer.accept({ v: 1, kind: 'events', agent: 'his-app-01', site: 'main', seq: 4, ts: now + 1000, events: [
    { check: 'his-web', type: 'http', status: 'ok', labels: { service: 'his' }, duration_ms: 12.5, fields: { custom_reading: 200.5 } },
  ] }, agent, now + 1000);
  t.ok(await w.writer.flush(10_000), 'flushed');

  const types = async (m: string) => Object.fromEntries((await influx.rows(`SHOW FIELD KEYS FROM "${m}"`, DB)).map((r) => [r.fieldKey, r.fieldType]));
  t.same(await types('cpu'), { cores: 'integer', load1: 'float', usage_percent: 'float' });
  t.same(await types('system'), { processes: 'integer', uptime_seconds: 'integer' });
  t.same(await types('textfile'), { backup_last_success_timestamp_seconds: 'float' });
  t.same(await types('check'), { custom_reading: 'float', duration_ms: 'float', status_level: 'integer' }, 'catalogue types for check fields, open fields as floats, text dropped');
  t.equal(await w.value('wardwatch_timeseries_points_dropped_total', { reason: 'rejected' }), 0, 'InfluxDB refused nothing');
  const cpu = await influx.rows(`SELECT usage_percent, cores FROM cpu ORDER BY time`, DB);
  t.same(cpu.map((r) => [r.usage_percent, r.cores]), [[50, 8], [50.5, 8]]);

  // The typed write matters: InfluxDB itself refuses a float into an integer field.
  const res = await fetch(`${influx.url}/write?db=${DB}&rp=raw`, { method: 'POST', body: `cpu,agent=x cores=8.5 ${now * 1e6}` });
  t.equal(res.status, 400);
  t.match(await res.text(), /field type conflict/);

  const tagKeys = (await influx.rows('SHOW TAG KEYS FROM "cpu"', DB)).map((r) => r.tagKey);
  t.same(tagKeys, ['agent', 'building', 'role', 'service', 'site'], 'agent labels as tags; other labels (department) left out');
  const checkTags = (await influx.rows('SHOW TAG KEYS FROM "check"', DB)).map((r) => r.tagKey);
  t.same(checkTags, ['agent', 'building', 'check', 'role', 'service', 'site', 'type']);
  t.same(w.logs.filter((l) => /ERROR|WARN/.test(l)), [], 'nothing logged as a problem');
});

t.test('retention policies and continuous queries are created; rollups appear (RESAMPLE)', async (t) => {
  const influx = await startInfluxd(t);
  const s = settings(influx.url, tmpDir(t), { retention: { raw: '3d', events: '30w' }, rollups: { every: '1s' } });
  const w = startWriter(t, s);
  const agent = agentRecord('pacs-store-01', { service: 'pacs' });
  // Three minutes of samples, 15 s apart, ending a minute ago: CPU 10, 20, …; the last minute
  // boundary is before now, so the 1-minute rollups of full minutes are final.
  const base = Math.floor((Date.now() - 4 * 60_000) / 60_000) * 60_000;
  for (let i = 0; i < 12; i++) w.writer.accept(metricsMessage('pacs-store-01', i + 1, base + i * 15_000, [{ m: 'cpu', fields: { usage_percent: 10 * (i + 1), cores: 4 } }]), agent, 0);
  t.ok(await w.writer.flush(10_000));

  const rps = Object.fromEntries((await influx.rows(`SHOW RETENTION POLICIES ON "${DB}"`)).map((r) => [r.name, [r.duration, r.default]]));
  t.same(rps.raw, ['72h0m0s', true], 'raw is the default policy');
  t.same(rps.rollup_1m, ['2184h0m0s', false], '13 weeks');
  t.same(rps.rollup_1h, ['17472h0m0s', false], '104 weeks');
  t.same(rps.events, ['5040h0m0s', false], '30 weeks');
  const cqs = (await influx.query('SHOW CONTINUOUS QUERIES')).results[0]?.series?.find((x) => x.name === DB);
  const names = (cqs?.values ?? []).map((v) => String(v[0]));
  t.ok(names.some((n) => /^ww_cpu_1m_[0-9a-f]{8}$/.test(n)) && names.some((n) => /^ww_cpu_1h_[0-9a-f]{8}$/.test(n)), names.join(', '));
  t.ok(names.some((n) => n.startsWith('ww_fleet_1m_')), 'gauges are rolled up too');
  t.notOk(names.some((n) => n.startsWith('ww_incident_')), 'events are not rolled up');

  const rollup = await eventually(async () => {
    const rows = await influx.rows(`SELECT usage_percent, usage_percent_max, cores FROM "rollup_1m"."cpu" WHERE time >= ${base}ms AND time < ${base + 180_000}ms`, DB);
    return rows.length === 3 ? rows : undefined;
  }, 20_000, '1-minute rollups');
  t.same(rollup.map((r) => [r.usage_percent, r.usage_percent_max, r.cores]), [[25, 40, 4], [65, 80, 4], [105, 120, 4]], 'mean and max per minute');
  const hourly = await eventually(async () => (await influx.rows(`SELECT usage_percent_max FROM "rollup_1h"."cpu"`, DB)).length > 0, 20_000, '1-hour rollup');
  t.ok(hourly);
  const tags = (await influx.rows('SHOW TAG KEYS ON "wardwatch" FROM "rollup_1m"."cpu"', DB)).map((r) => r.tagKey);
  t.ok(tags.includes('agent') && tags.includes('service'), 'rollups keep the tags (GROUP BY *)');

  // A second start with the same settings changes nothing; a changed retention is altered.
  await w.writer.stop();
  const again = startWriter(t, settings(influx.url, tmpDir(t), { retention: { raw: '5d', events: '30w' }, rollups: { every: '1s' } }));
  await eventually(() => again.logs.some((l) => /time series ready/.test(l)), 10_000, 'ready');
  t.ok(again.logs.some((l) => /altered retention policy raw \(5d\)/.test(l)), 'raw altered to 5d');
  t.notOk(again.logs.some((l) => /created continuous query/.test(l)), 'the continuous queries were kept');
  t.equal((await influx.rows(`SHOW RETENTION POLICIES ON "${DB}"`)).find((r) => r.name === 'raw')?.duration, '120h0m0s');
  // Recomputing further back changes the queries: the old ones are replaced.
  await again.writer.stop();
  const third = startWriter(t, settings(influx.url, tmpDir(t), { retention: { raw: '5d', events: '30w' }, rollups: { every: '1s', late: '30m' } }));
  await eventually(() => third.logs.some((l) => /time series ready/.test(l)), 10_000, 'ready');
  const dropped = third.logs.filter((l) => /dropped continuous query ww_/.test(l));
  t.equal(dropped.length, names.filter((n) => n.includes('_1m_')).length, 'every 1-minute query replaced');
  t.notOk(dropped.some((l) => l.includes('_1h_')), 'the 1-hour queries already recompute 2 h: kept');
  const after = (await influx.query('SHOW CONTINUOUS QUERIES')).results[0]?.series?.find((x) => x.name === DB)?.values ?? [];
  t.equal(after.length, names.length);
  t.match(String(after.find((v) => String(v[0]).startsWith('ww_cpu_1m_'))?.[1]), /RESAMPLE EVERY 1s FOR 30m/);
});

t.test('incidents, alerts, agents and tickets become events; gauges for the wall', async (t) => {
  const influx = await startInfluxd(t);
  const at = Date.now() - 30_000;
  const incident: Incident = {
    id: 7, state: 'open', root: 'core-sw-1', site: 'main', title: 'Core switch core-sw-1 down', priority: 'P1', priorityReason: 'rule',
    alerts: [], evidence: [], openedAt: at, updatedAt: at, runbooks: [],
    impact: { services: ['his', 'lis'], terminals: { affected: 38, total: 120 }, buildings: ['outpatient'], floors: [] },
  };
  const agents = new Map([
    ['ws-1', agentRecord('ws-1', { building: 'outpatient', floor: '2', role: 'terminal' }, { intervalMs: 60_000 })],
    ['ws-2', agentRecord('ws-2', { building: 'outpatient', floor: '2', role: 'terminal' }, { intervalMs: 60_000, lastSeenAt: Date.now() - 600_000 })],
  ]);
  let open = [incident];
  const w = startWriter(t, settings(influx.url, tmpDir(t), { snapshot_interval: '1h' }), { fleet: { agents }, openIncidents: () => open });
  const alert = { id: 'switch-down|core-sw-1|', rule: 'switch-down', kind: 'threshold' as const, node: 'core-sw-1', site: 'main', labels: {}, priority: 'P1' as const, title: 'core-sw-1 down', state: 'firing' as const, since: at, firedAt: at, triggerTs: at, reason: 'threshold-crossed' as const, value: 100, threshold: 50, metric: 'check.loss_percent' };
  const decisions: Decision[] = [
    { type: 'alert.firing', alert, reason: 'threshold-crossed' },
    { type: 'incident.opened', incident, reason: 'new root cause' },
    { type: 'incident.updated', incident: { ...incident, updatedAt: at }, reason: 'alert joined', change: 'alert-joined', alert: alert.id },
  ];
  w.writer.deliver(decisions, { opened: [{ ticketId: 3, incidentId: 7 }] });
  w.writer.recordTicketEvent({ ticketId: 3, incidentId: 7, action: 'opened', priority: 'P1', actor: 'wardwatch', at, responseDue: at + 15 * 60_000, resolveDue: at + 4 * 3_600_000 });
  w.writer.snapshot();
  t.ok(await w.writer.flush(10_000));

  const events = await influx.rows('SELECT * FROM "events"."incident" ORDER BY time', DB);
  t.equal(events.length, 2, 'opened and updated in the same millisecond are two points');
  t.match(events[0], { event: 'opened', priority: 'P1', root: 'core-sw-1', incident_id: 7, title: 'Core switch core-sw-1 down', services: 'his,lis', terminals_affected: 38 });
  t.match((await influx.rows('SELECT * FROM "events"."alert"', DB))[0], { rule: 'switch-down', state: 'firing', value: 100, alert_id: 'switch-down|core-sw-1|' });
  t.match((await influx.rows('SELECT * FROM "events"."ticket"', DB))[0], { ticket_id: 3, incident_id: 7, action: 'opened', site: 'main', response_due: at + 900_000 });
  const fleet = await influx.rows('SELECT * FROM "fleet"', DB);
  t.match(fleet, [{ building: 'outpatient', floor: '2', role: 'terminal', online: 1, offline: 1, total: 2 }], 'a terminal silent for 10 minutes counts as offline');
  const counts = Object.fromEntries((await influx.rows('SELECT "open", "priority" FROM "incidents"', DB)).map((r) => [r.priority, r.open]));
  t.same(counts, { P1: 1, P2: 0, P3: 0, P4: 0 });
  const sla = (await influx.rows('SELECT * FROM "sla"', DB))[0];
  t.match(sla, { priority: 'P1', open: 1, unacknowledged: 1, response_overdue: 0 });
  t.ok(Number(sla?.response_left_seconds) > 800 && Number(sla?.response_left_seconds) <= 900, `response clock ${sla?.response_left_seconds} s`);

  // Acknowledged: the response clock stops; resolved: the group drops to zero.
  w.writer.recordTicketEvent({ ticketId: 3, incidentId: 7, action: 'acknowledged', priority: 'P1', actor: 'zhang.wei', at: at + 60_000 });
  open = [];
  w.writer.recordTicketEvent({ ticketId: 3, incidentId: 7, action: 'resolved', priority: 'P1', actor: 'zhang.wei', at: at + 120_000 });
  w.writer.snapshot();
  t.ok(await w.writer.flush(10_000));
  const last = await influx.rows('SELECT last("open") AS "open" FROM "sla"', DB);
  t.equal(last[0]?.open, 0);
  t.same((await influx.rows('SELECT "actor" FROM "events"."ticket" ORDER BY time', DB)).map((r) => r.actor), ['wardwatch', 'zhang.wei', 'zhang.wei']);

  t.throws(() => w.writer.recordTicketEvent({ ticketId: -1, incidentId: 7, action: 'opened', priority: 'P1', actor: 'x', at }), /recordTicketEvent: ticketId: expected a non-negative integer, got -1/);
  t.throws(() => w.writer.recordTicketEvent({ ticketId: 1, incidentId: 7, action: 'opened', priority: 'urgent', actor: 'x', at }), /priority: expected P1 … P4, got "urgent"/);
});
