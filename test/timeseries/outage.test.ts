// InfluxDB down or slow never stops correlation and loses nothing silently: points wait in
// memory, spill to disk, survive a correlator restart, and arrive (all of them, counted) when
// InfluxDB is back; past the bounds, drops are counted and logged.

import t from 'tap';
import { createServer, type Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { readdirSync } from 'node:fs';
import { startInfluxd } from '../helpers/influxdb.js';
import { freePort } from '../helpers/ports.js';
import { eventually, sleep, tmpDir } from '../helpers/tmp.js';
import { agentRecord, metricsMessage, settings, startWriter, total, type TestWriter } from './harness.js';

const DB = 'wardwatch';
const agent = agentRecord('lis-db-01', { service: 'lis' });

/** n metrics messages of one cpu sample each, 1 s apart from `start`. */
function send(w: TestWriter, from: number, n: number, start: number): void {
  for (let i = 0; i < n; i++) {
    const seq = from + i;
    w.writer.accept(metricsMessage('lis-db-01', seq, start + seq * 1000, [{ m: 'cpu', fields: { usage_percent: seq % 100, cores: 4 } }]), agent, 0);
  }
}

/**
 * A pass-through to the real InfluxDB that remembers, in order, the timestamps of every
 * point InfluxDB accepted (204): what "written in arrival order" means on the wire. When
 * InfluxDB is down it drops the connection, as a refused connection would.
 */
async function recordingProxy(t: { teardown(fn: () => void): void }, target: string): Promise<{ url: string; accepted: number[] }> {
  const accepted: number[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      fetch(`${target}${req.url}`, { method: req.method, headers: { 'content-type': String(req.headers['content-type'] ?? 'text/plain') }, ...(body.length ? { body } : {}) })
        .then(async (up) => {
          const text = await up.text();
          if (up.status === 204 && req.url?.startsWith('/write')) {
            for (const line of body.toString().split('\n')) if (line.startsWith('cpu,')) accepted.push(Number(line.slice(line.lastIndexOf(' ') + 1)));
          }
          res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'text/plain' }).end(text);
        })
        .catch(() => req.socket.destroy());
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${port}`, accepted };
}

async function countCpu(url: string): Promise<number> {
  const body = new URLSearchParams({ q: 'SELECT count("cores") FROM "cpu"', db: DB });
  const json = (await (await fetch(`${url}/query`, { method: 'POST', body })).json()) as { results: Array<{ series?: Array<{ values: number[][] }> }> };
  return json.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

t.test('InfluxDB stopped mid-run: buffer in memory, spill to disk, every point arrives after restart', async (t) => {
  const influx = await startInfluxd(t);
  const proxy = await recordingProxy(t, influx.url);
  const dir = tmpDir(t);
  // Rollups recompute the last 20 s themselves; older samples are backfilled (at most every 2 s).
  const s = settings(proxy.url, dir, { batch: { size: 200, interval: '50ms' }, buffer: { memory_points: 1000, max_bytes: '50MB' }, timeout: '2s', rollups: { late: '20s' } });
  const w = startWriter(t, s);
  const start = Date.now() - 7_200_000;
  send(w, 1, 500, start);
  t.ok(await w.writer.flush(10_000), 'first part written');
  t.equal(await countCpu(influx.url), 500);

  await influx.stop();
  // 5,000 more while it is down (at 10,000 a second): far beyond memory, so most goes to disk.
  for (let k = 0; k < 50; k++) {
    send(w, 501 + k * 100, 100, start);
    await sleep(10);
  }
  await eventually(async () => (await w.value('wardwatch_timeseries_backlog_points', { where: 'disk' })) > 0, 5_000, 'points on disk');
  const segments = readdirSync(s.spoolDir).filter((f) => f.endsWith('.jsonl'));
  t.ok(segments.length > 0, `${segments.length} segments on disk`);
  t.ok((await w.value('wardwatch_timeseries_backlog_points', { where: 'memory' })) <= s.memoryPoints, 'memory stays within its bound');
  await eventually(async () => (await total(w, 'wardwatch_timeseries_write_errors_total')) > 0, 10_000, 'a failed write counted');
  t.equal(await w.value('wardwatch_timeseries_up'), 0, 'the up gauge says InfluxDB is away');
  t.equal(w.writer.backlog, 5000, 'all 5,000 waiting');

  await influx.start();
  t.ok(await w.writer.flush(60_000), 'caught up');
  t.equal(await countCpu(influx.url), 5500, 'every point arrived');
  t.equal(await total(w, 'wardwatch_timeseries_points_dropped_total'), 0, 'nothing dropped');
  const seqs = proxy.accepted.map((us) => (us / 1000 - start) / 1000);
  t.equal(seqs.length, 5500, 'each point accepted once');
  t.ok(seqs.every((v, i) => i === 0 || v > (seqs[i - 1] as number)), 'in the order they arrived');
  t.equal(readdirSync(s.spoolDir).filter((f) => f.endsWith('.jsonl')).length, 0, 'disk buffer emptied');
  t.equal(await w.value('wardwatch_timeseries_up'), 1);
  t.ok(w.logs.some((l) => /WARN .*time series: write failed; buffering/.test(l)), 'the outage was logged');
  t.ok(w.logs.some((l) => /InfluxDB is back; catching up/.test(l)));
  t.ok(w.logs.filter((l) => /write failed/.test(l)).length <= 3, 'rate-limited, not a line per retry');
  // Continuous queries only look back 10 minutes; what was written late gets its rollups too.
  const minutes = new Set(Array.from({ length: 5500 }, (_, i) => Math.floor((start + (i + 1) * 1000) / 60_000)));
  const count = async () => Number((await influx.rows('SELECT count("cores") AS n FROM "rollup_1m"."cpu"', DB))[0]?.n ?? 0);
  await eventually(async () => (await count()) === minutes.size, 15_000, 'backfilled rollups');
  t.equal(await count(), minutes.size, 'every minute of the 90 minutes written late has its rollup');
  await eventually(() => w.logs.some((l) => /INFO .*rollups recomputed for samples written late .*measurements=cpu/.test(l)), 10_000, 'the backfill logged');
});

t.test('a point InfluxDB refuses (type conflict) is counted and logged; the rest is written', async (t) => {
  const influx = await startInfluxd(t);
  const w = startWriter(t, settings(influx.url, tmpDir(t)));
  await eventually(() => w.logs.some((l) => /time series ready/.test(l)), 10_000, 'ready');
  // Someone else wrote "cores" as a float into this shard first.
  const at = Date.now() - 60_000;
  const res = await fetch(`${influx.url}/write?db=${DB}&rp=raw&precision=ms`, { method: 'POST', body: `cpu,agent=other cores=1.5 ${at}` });
  t.equal(res.status, 204);
  w.writer.accept(metricsMessage('lis-db-01', 1, at + 1, [{ m: 'cpu', fields: { cores: 4 } }, { m: 'mem', fields: { used_percent: 40 } }]), agent, 0);
  t.ok(await w.writer.flush(10_000));
  t.equal(await w.value('wardwatch_timeseries_points_dropped_total', { reason: 'rejected' }), 1, 'exactly the refused point');
  t.equal((await influx.rows('SELECT used_percent FROM mem', DB)).length, 1, 'the other point is stored');
  t.ok(w.logs.some((l) => /ERROR .*InfluxDB refused points\s+code=rejected .*field type conflict/.test(l)), 'logged with the cause');
});

t.test('points waiting at a correlator stop are kept on disk and written by the next start', async (t) => {
  const influx = await startInfluxd(t);
  const dir = tmpDir(t);
  const s = settings(influx.url, dir, { timeout: '1s' });
  await influx.stop();
  const first = startWriter(t, s);
  const start = Date.now() - 600_000;
  send(first, 1, 1234, start);
  await first.writer.stop();
  t.equal(await total(first, 'wardwatch_timeseries_points_dropped_total'), 0);
  t.ok(first.logs.some((l) => /points kept on disk for the next start\s+points=1234/.test(l)), 'says how many wait on disk');

  await influx.start();
  const second = startWriter(t, s);
  t.ok(second.logs.some((l) => /time series waiting on disk from the last run\s+points=1234/.test(l)));
  t.ok(await second.writer.flush(30_000));
  t.equal(await countCpu(influx.url), 1234);
});

t.test('bounds hit: drops are counted and logged, never silent', async (t) => {
  const influx = await startInfluxd(t);
  const dir = tmpDir(t);
  // No disk buffer, room for 100 points in memory.
  const s = settings(influx.url, dir, { buffer: { memory_points: 100, max_bytes: 0 }, timeout: '1s' });
  await influx.stop();
  const w = startWriter(t, s);
  send(w, 1, 350, Date.now() - 600_000);
  const dropped = await w.value('wardwatch_timeseries_points_dropped_total', { reason: 'buffer-full' });
  t.equal(dropped, 250, '350 sent, 100 kept');
  t.equal(w.writer.backlog, 100);
  t.ok(w.logs.some((l) => /ERROR .*time series: points dropped\s+reason=buffer-full/.test(l)), 'logged');
  t.equal(w.logs.filter((l) => /points dropped/.test(l)).length, 1, 'once per window, not once per point');

  await influx.start();
  t.ok(await w.writer.flush(30_000));
  t.equal(await countCpu(influx.url), 100, 'the newest 100 arrive');

  // A small disk bound: the oldest segments make room and are counted.
  const dir2 = tmpDir(t);
  const s2 = settings(influx.url, dir2, { batch: { size: 100, interval: '50ms' }, buffer: { memory_points: 200, max_bytes: 20_000 }, database: 'other', timeout: '1s' });
  await influx.stop();
  const w2 = startWriter(t, s2);
  send(w2, 1, 2000, Date.now() - 600_000);
  await eventually(async () => (await w2.value('wardwatch_timeseries_points_dropped_total', { reason: 'spool-full' })) > 0, 5_000, 'spool-full drops');
  await sleep(200);
  const lost = await total(w2, 'wardwatch_timeseries_points_dropped_total');
  t.equal(lost + w2.writer.backlog, 2000, `every point is either waiting (${w2.writer.backlog}) or counted as dropped (${lost})`);
});

t.test('InfluxDB that accepts connections but never answers: the sinks do not wait', async (t) => {
  // A black hole: takes the TCP connection and never replies, like a hung server.
  const sockets: Socket[] = [];
  const hole = createServer((sock) => sockets.push(sock));
  const port = await freePort();
  await new Promise<void>((r) => hole.listen(port, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    hole.close();
  });
  const w = startWriter(t, settings(`http://127.0.0.1:${port}`, tmpDir(t), { timeout: '3s' }));
  const started = performance.now();
  send(w, 1, 20_000, Date.now());
  const took = performance.now() - started;
  t.ok(took < 2_000, `20,000 messages accepted in ${took.toFixed(0)} ms while InfluxDB hangs`);
  t.equal(w.writer.backlog, 20_000, 'all of it waiting');
  await sleep(500);
  t.equal(w.writer.backlog, 20_000, 'still all of it, part on disk');
  t.equal(await total(w, 'wardwatch_timeseries_points_dropped_total'), 0);
});

t.test('the password never appears in logs or errors', async (t) => {
  const port = await freePort(); // nothing listens there
  const secret = 'Zq9-very-secret-influx-password';
  const w = startWriter(t, settings(`http://127.0.0.1:${port}`, tmpDir(t), { username: 'wardwatch', password: secret, timeout: '1s' }));
  send(w, 1, 10, Date.now());
  await eventually(() => w.logs.some((l) => /cannot set up InfluxDB/.test(l)), 10_000, 'the failure logged');
  t.ok(w.logs.some((l) => /ECONNREFUSED/.test(l)), 'the real cause is named, not "No host available"');
  t.notOk(w.logs.join('\n').includes(secret));
  t.notOk((await w.metrics.registry.metrics()).includes(secret));
});
