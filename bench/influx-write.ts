// npm run bench:influx -- [--url http://127.0.0.1:8086] [--points 400000] [--batch 5000]
//
// Two figures for the time-series writer against a real InfluxDB 1.x (by default Debian's
// influxd, started here with its own data directory on a free loopback port):
//   1. sustained write rate through the writer: points/s, batches/s and the p95 latency of
//      one batch write, feeding samples as fast as the writer drains them;
//   2. series cardinality of a simulated 5,000-terminal hospital (plus servers and probes)
//      after one round of every agent's samples and check results.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../common/log.js';
import type { AgentRecord } from '../correlator/evaluate/fleet.js';
import { createCorrelatorMetrics } from '../correlator/observe/metrics.js';
import { resolveInfluxSection } from '../correlator/timeseries/config.js';
import { TimeseriesWriter } from '../correlator/timeseries/writer.js';
import type { CheckResult, Message, Sample } from '../protocol/schema.js';

const { values } = parseArgs({ options: { url: { type: 'string' }, points: { type: 'string', default: '400000' }, batch: { type: 'string', default: '5000' } } });
const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-influx-'));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function startInfluxd(): Promise<{ url: string; proc?: ChildProcess }> {
  if (values.url) return { url: values.url };
  const [port, rpc] = [await freePort(), await freePort()];
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(
    conf,
    `reporting-disabled = true\nbind-address = "127.0.0.1:${rpc}"\n[meta]\n  dir = "${dir}/meta"\n[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n  index-version = "tsi1"\n  query-log-enabled = false\n[monitor]\n  store-enabled = false\n[http]\n  bind-address = "127.0.0.1:${port}"\n  log-enabled = false\n[continuous_queries]\n  enabled = false\n`,
  );
  const proc = spawn('influxd', ['-config', conf], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${url}/ping`).then((r) => r.status === 204, () => false)) return { url, proc };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('influxd did not start');
}

function agent(id: string, role: string, labels: Record<string, string>): AgentRecord {
  return { id, site: 'main', online: true, session: 1, labels: { ...labels, agent: id, site: 'main', role }, intervalMs: 60_000, lastSeenAt: Date.now(), lastTs: Date.now(), lastSeq: 0 };
}

const BUILDINGS = ['outpatient', 'inpatient-a', 'inpatient-b', 'emergency', 'surgery', 'medtech', 'admin', 'rehab'];
const SERVICES = ['his', 'lis', 'pacs', 'emr', 'pharmacy', 'surgery', 'insurance', 'billing'];

function hostSamples(i: number, disks: number, ifaces: number): Sample[] {
  const v = (i * 7919) % 100;
  const out: Sample[] = [
    { m: 'cpu', fields: { usage_percent: v, iowait_percent: v / 10, load1: v / 20, load5: v / 25, load15: v / 30, cores: 8 } },
    { m: 'mem', fields: { used_percent: v, used_bytes: 4e9, available_bytes: 4e9, total_bytes: 8e9, swap_used_percent: 0 } },
    { m: 'system', fields: { uptime_seconds: 86_400 + i, processes: 180 + (i % 40) } },
    { m: 'agent', fields: { rss_bytes: 52e6, cpu_percent: 0.02, collect_ms: 2 } },
  ];
  for (let d = 0; d < disks; d++) out.push({ m: 'fs', tags: { mount: d === 0 ? '/' : `/data${d}`, fstype: 'ext4' }, fields: { used_percent: v, used_bytes: 1e10, free_bytes: 1e10, total_bytes: 2e10, inodes_used_percent: 3 } });
  for (let n = 0; n < ifaces; n++) out.push({ m: 'net', tags: { iface: `eth${n}` }, fields: { rx_bytes_per_second: 1e5, tx_bytes_per_second: 5e4, rx_errors_per_second: 0, tx_errors_per_second: 0, rx_drops_per_second: 0, tx_drops_per_second: 0 } });
  return out;
}

/** One round of a simulated hospital: every agent's metrics and check results. */
function hospital(ts: number): Array<{ message: Message; agent: AgentRecord }> {
  const out: Array<{ message: Message; agent: AgentRecord }> = [];
  let seq = 1;
  const metrics = (a: AgentRecord, samples: Sample[]) => out.push({ agent: a, message: { v: 1, kind: 'metrics', agent: a.id, site: 'main', seq: seq++, ts, interval_s: 60, samples } });
  const events = (a: AgentRecord, list: CheckResult[]) => out.push({ agent: a, message: { v: 1, kind: 'events', agent: a.id, site: 'main', seq: seq++, ts, events: list } });
  for (let i = 0; i < 5000; i++) {
    const a = agent(`ws-${String(i).padStart(4, '0')}`, 'terminal', { building: BUILDINGS[i % 8] as string, floor: String(1 + (i % 12)), department: `dept-${i % 60}` });
    metrics(a, hostSamples(i, 1, 1));
    events(a, [{ check: 'his-page', type: 'http', status: 'ok', labels: { service: 'his' }, duration_ms: 300, fields: { latency_mean_ms: 310, latency_p95_ms: 480, error_rate_percent: 0, status_code: 200, total_ms: 300 } }]);
  }
  for (let i = 0; i < 300; i++) {
    const service = SERVICES[i % 8] as string;
    const a = agent(`srv-${String(i).padStart(3, '0')}`, 'server', { building: i % 2 ? 'datacenter-a' : 'datacenter-b', service });
    metrics(a, hostSamples(i, 4, 2));
    events(a, [
      { check: `${service}-port`, type: 'tcp', status: 'ok', labels: { service }, duration_ms: 2, fields: { connect_ms: 1.5, latency_mean_ms: 2, latency_p95_ms: 3, error_rate_percent: 0 } },
      { check: `${service}-process`, type: 'process', status: 'ok', labels: { service }, duration_ms: 5, fields: { count: 4, cpu_percent: 12, rss_bytes: 8e8 } },
    ]);
  }
  for (let i = 0; i < 20; i++) {
    const a = agent(`probe-${String(i).padStart(2, '0')}`, 'probe', { building: 'datacenter-a' });
    metrics(a, hostSamples(i, 1, 1));
    const results: CheckResult[] = [];
    for (let sw = 0; sw < 5; sw++) {
      results.push({ check: `sw-${i}-${sw}`, type: 'snmp', status: 'ok', node: `sw-${i}-${sw}`, duration_ms: 30, fields: { uptime_s: 86_400, interfaces: 8, interfaces_up: 8, interfaces_down: 0 } });
      for (let port = 0; port < 8; port++) results.push({ check: `sw-${i}-${sw}`, type: 'snmp_interface', status: 'ok', node: `sw-${i}-${sw}`, labels: { iface: `Gi0/${port}` }, duration_ms: 30, fields: { oper_status: 1, in_percent: 20, out_percent: 10, in_errors_per_s: 0, out_errors_per_s: 0 } });
      results.push({ check: `sw-${i}-${sw}-ping`, type: 'icmp', status: 'ok', node: `sw-${i}-${sw}`, duration_ms: 2, fields: { loss_percent: 0, rtt_avg_ms: 1.1 } });
    }
    results.push({ check: `svc-${i}`, type: 'transaction', status: 'ok', labels: { service: SERVICES[i % 8] as string }, duration_ms: 900, fields: { total_ms: 900, steps: 3, latency_mean_ms: 880, error_rate_percent: 0 } });
    events(a, results);
  }
  return out;
}

async function query(url: string, q: string, db: string): Promise<unknown[][]> {
  const res = (await (await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q, db }) })).json()) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
  return res.results[0]?.series?.flatMap((s) => s.values) ?? [];
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0;
}

const server = await startInfluxd();
const batchSize = Number(values.batch);

// 1. Sustained rate: the same hospital round, re-timed, fed while the backlog stays short.
{
  const settings = resolveInfluxSection({ url: server.url, database: 'bench_rate', batch: { size: batchSize, interval: '200ms' }, buffer: { memory_points: 1_000_000, max_bytes: 0 } }, dir, dir);
  const writer = new TimeseriesWriter({ settings, metrics: createCorrelatorMetrics(), log: silentLogger });
  const latencies: number[] = [];
  const write = writer.influx.writePoints.bind(writer.influx);
  writer.influx.writePoints = async (...args: Parameters<typeof write>) => {
    const t0 = performance.now();
    await write(...args);
    latencies.push(performance.now() - t0);
  };
  writer.start();
  await writer.flush(30_000);
  const target = Number(values.points);
  const round = hospital(0);
  let fed = 0;
  // Recent timestamps, one second apart per round: the writer sees no late samples to backfill.
  let t = Date.now() - 600_000;
  const started = performance.now();
  while (fed < target) {
    for (const { message, agent } of round) {
      const m = { ...message, ts: t } as Message;
      writer.accept(m, agent);
      fed += m.kind === 'metrics' ? m.samples.length : m.kind === 'events' ? m.events.length : 0;
      if (fed >= target) break;
      while (writer.backlog > 4 * batchSize) await new Promise((r) => setTimeout(r, 1));
    }
    t += 1_000;
  }
  await writer.flush(120_000);
  const seconds = (performance.now() - started) / 1000;
  const written = Number((await query(server.url, 'SELECT count("cores") FROM "cpu"', 'bench_rate'))[0]?.[1] ?? 0);
  await writer.stop();
  console.log(`method   ${fed.toLocaleString('en')} samples of a simulated hospital fed to the writer (accept()) as fast as it drains them (backlog kept under 4 batches);`);
  console.log(`         batches of ${batchSize} points, precision µs, InfluxDB 1.x on loopback (${values.url ? values.url : 'Debian influxd, tsi1 index, started by the bench'})`);
  console.log(`machine  ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  console.log(`rate     ${Math.round(fed / seconds).toLocaleString('en')} points/s, ${(latencies.length / seconds).toFixed(1)} batches/s (${latencies.length} write requests in ${seconds.toFixed(1)} s)`);
  console.log(`latency  one batch write: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p95 ${percentile(latencies, 0.95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
  console.log(`check    cpu points stored: ${written.toLocaleString('en')}`);
}

// 2. Cardinality of one round of the whole hospital.
{
  const settings = resolveInfluxSection({ url: server.url, database: 'bench_hospital', batch: { size: batchSize, interval: '200ms' }, buffer: { memory_points: 1_000_000, max_bytes: 0 } }, dir, dir);
  const writer = new TimeseriesWriter({ settings, metrics: createCorrelatorMetrics(), log: silentLogger });
  writer.start();
  const round = hospital(Date.now() - 60_000);
  let samples = 0;
  for (const { message, agent } of round) {
    writer.accept(message, agent);
    samples += message.kind === 'metrics' ? message.samples.length : message.kind === 'events' ? message.events.length : 0;
  }
  await writer.flush(120_000);
  await writer.stop();
  const estimate = (await query(server.url, 'SHOW SERIES CARDINALITY', 'bench_hospital'))[0]?.[0];
  const exact = await query(server.url, 'SHOW SERIES EXACT CARDINALITY', 'bench_hospital');
  const perMeasurement = await Promise.all(['cpu', 'mem', 'fs', 'net', 'system', 'agent', 'check'].map(async (m) => `${m} ${(await query(server.url, `SHOW SERIES EXACT CARDINALITY FROM "${m}"`, 'bench_hospital'))[0]?.[0]}`));
  const total = exact.reduce((n, row) => n + Number(row[0]), 0);
  console.log(`hospital 5,000 terminals (8 buildings, 12 floors), 300 servers (8 services), 20 probes (100 switches × 8 ports, 100 ping targets);`);
  console.log(`         one round: ${round.length.toLocaleString('en')} messages, ${samples.toLocaleString('en')} samples and check results`);
  console.log(`series   SHOW SERIES CARDINALITY ${estimate}; exact ${total.toLocaleString('en')} (${perMeasurement.join(', ')})`);
}

server.proc?.kill('SIGTERM');
if (server.proc) await new Promise((r) => server.proc?.once('exit', r));
rmSync(dir, { recursive: true, force: true });
