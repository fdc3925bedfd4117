// Every query of every shipped dashboard is executed and must return data: InfluxQL against a
// real InfluxDB filled by a real run (Mosquitto, the correlator with its time-series writer,
// two agent processes, and a synthetic hospital of terminals and probes publishing over
// MQTT), PromQL against a real Prometheus scraping the agent and the correlator. Macros and
// variables are substituted the way Grafana does ("All" is `.*`); template variable queries
// must list values, and the host dashboard is also run for one real host.

import t from 'tap';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../common/log.js';
import { resolveCorrelatorConfig } from '../../correlator/config/load.js';
import { startCorrelator } from '../../correlator/main.js';
import { startCli } from '../helpers/cli.js';
import { startInfluxd, type InfluxAnswer } from '../helpers/influxdb.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { startPrometheus } from '../helpers/prometheus.js';
import { eventually, sleep, tmpDir } from '../helpers/tmp.js';
import { syntheticHospital } from './hospital.js';
import { queriesOf, shippedDashboards, substituteInflux, substituteProm, type Query } from './queries.js';

const RULES = `rules:
  - id: service-check-critical
    kind: threshold
    title: "{check} is critical"
    priority: P2
    metric: check.status_level
    where: { check: lis-web }
    op: ">="
    value: 2
    for: 1
`;

/** True when an answer has at least one series with a non-null value. */
function hasData(answer: InfluxAnswer): boolean {
  return answer.results.some((r) => (r.series ?? []).some((s) => s.values.some((row) => row.slice(1).some((v) => v !== null))));
}

t.test('every dashboard query returns data from a real run', async (t) => {
  const dir = tmpDir(t);
  const [influx, broker] = await Promise.all([startInfluxd(t), startMosquitto(t)]);
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'test.rules.yaml'), RULES);
  const [correlatorPort, agentPort, terminalPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const logs: string[] = [];
  const config = resolveCorrelatorConfig(
    {
      broker: { url: broker.url },
      store: { sqlite: 'ww.db' },
      rules: 'rules',
      tick: '200ms',
      correlation: { settle: '0s', resolve_hold: '0s' },
      influx: { url: influx.url, batch: { size: 2000, interval: '200ms' }, rollups: { every: '1s' }, snapshot_interval: '1s' },
      metrics: { listen: `127.0.0.1:${correlatorPort}` },
    },
    dir,
  );
  const correlator = await startCorrelator(config, createLogger({ level: 'warn', write: (l) => logs.push(l) }));
  t.teardown(() => correlator.stop());
  const writer = correlator.timeseries;
  if (!writer) throw new Error('the writer is not wired');

  // Two real agents: an HIS application server with a tcp check, and a workstation.
  writeFileSync(
    join(dir, 'his.yaml'),
    `agent: { id: his-app-01, site: main, role: server, labels: { building: datacenter-a, service: his } }\nbroker: { url: "${broker.url}" }\ninterval: 1s\ndata_dir: his-data\nmetrics: { listen: "127.0.0.1:${agentPort}" }\nchecks:\n  - { name: his-db-port, type: tcp, host: 127.0.0.1, port: ${broker.port}, interval: 1s, labels: { service: his } }\n`,
  );
  writeFileSync(join(dir, 'ws.yaml'), `agent: { id: ws-op-0201, site: main, role: terminal, labels: { building: outpatient, floor: "2" } }\nbroker: { url: "${broker.url}" }\ninterval: 1s\ndata_dir: ws-data\nmetrics: { listen: "127.0.0.1:${terminalPort}" }\n`);
  const agents = [startCli(t, ['agent', '--config', join(dir, 'his.yaml')], { cwd: dir }), startCli(t, ['agent', '--config', join(dir, 'ws.yaml')], { cwd: dir })];
  const prometheus = startPrometheus(t, { 'wardwatch-correlator': [`127.0.0.1:${correlatorPort}`], 'wardwatch-agent': [`127.0.0.1:${agentPort}`, `127.0.0.1:${terminalPort}`] });
  await Promise.all(agents.map((a) => a.waitFor(/agent started/)));

  const hospital = await syntheticHospital(broker.url);
  t.teardown(() => hospital.close());
  for (let n = 0; n < 3; n++) {
    await hospital.round(n);
    await sleep(400);
  }
  // The LIS check is critical: an incident and its ticket; the ticket service reports its SLA.
  const incident = await eventually(() => correlator.engine.openIncidents()[0], 10_000, 'an incident');
  const now = Date.now();
  writer.recordTicketEvent({ ticketId: 1, incidentId: incident.id, action: 'opened', priority: incident.priority, actor: 'wardwatch', at: now, responseDue: now + 30 * 60_000, resolveDue: now + 4 * 3_600_000 });
  await hospital.loseTerminal();
  await eventually(() => correlator.engine.fleet.get('ws-ip-0601')?.online === false, 10_000, 'the lost terminal offline');
  for (let n = 3; n < 7; n++) {
    await hospital.round(n);
    await sleep(400);
  }
  await eventually(() => correlator.engine.openIncidents().length === 0, 10_000, 'the incident resolved');
  writer.snapshot();
  t.ok(await writer.flush(20_000), 'everything written');
  const prom = await prometheus;
  await eventually(async () => (await prom.query('wardwatch_timeseries_points_written_total')).length > 0 && (await prom.query('wardwatch_agent_collections_total')).length === 2, 20_000, 'both kinds of targets scraped');
  await sleep(3_000); // a few scrapes, so rates have two points

  const run = async (q: Query, vars: Record<string, string>): Promise<boolean> => {
    if (q.datasource === 'influxdb') return hasData(await influx.query(substituteInflux(q.text, { vars }), 'wardwatch'));
    if (q.kind === 'variable') {
      const metric = /label_values\((\w+), *(\w+)\)/.exec(q.text);
      const res = (await (await fetch(`${prom.url}/api/v1/label/${metric?.[2]}/values?match[]=${metric?.[1]}`)).json()) as { data: string[] };
      return res.data.length > 0;
    }
    const series = await prom.queryRange(substituteProm(q.text, vars), 30, 1);
    return series.some((s) => s.values.some(([, v]) => v !== 'NaN'));
  };

  const all = { site: '.*', building: '.*', service: '.*', host: '.*', instance: '.*' };
  let executed = 0;
  for (const { file, json } of shippedDashboards()) {
    for (const q of queriesOf(json)) {
      try {
        t.ok(await run(q, all), `${file} ${q.where} returns data`);
      } catch (err) {
        t.fail(`${file} ${q.where}: ${(err as Error).message}`);
      }
      executed++;
    }
  }
  t.comment(`${executed} queries executed`);

  // The host dashboard for one real host, chosen from its own variable query.
  const host = shippedDashboards().find((d) => d.json.uid === 'wardwatch-host')!;
  const hostVar = queriesOf(host.json).find((q) => q.where === 'variable $host')!;
  const hosts = (await influx.query(substituteInflux(hostVar.text, { vars: all }), 'wardwatch')).results[0]?.series?.[0]?.values.map((v) => String(v[1])) ?? [];
  t.ok(hosts.includes('his-app-01') && hosts.includes('ws-op-0202') && hosts.includes('probe-net-01'), `hosts listed: ${hosts.join(', ')}`);
  for (const q of queriesOf(host.json).filter((x) => x.kind === 'panel')) {
    t.ok(await run(q, { ...all, host: 'his-app-01' }), `host detail for his-app-01: ${q.where}`);
  }
  const buildings = (await influx.query(substituteInflux(queriesOf(host.json).find((q) => q.where === 'variable $building')!.text, { vars: all }), 'wardwatch')).results[0]?.series?.[0]?.values.map((v) => v[1]);
  t.same(buildings, ['datacenter-a', 'inpatient', 'outpatient']);
  t.same(logs.filter((l) => /ERROR|WARN/.test(l) && !/metrics endpoint/.test(l)), [], 'the correlator logged no problem');

  await Promise.all(agents.map((a) => a.kill('SIGTERM')));
});
