// npm run bench:agent -- [--interval 15s] [--duration 300] [--warmup 30] [--role server] [--checks file.yaml]
//
// --checks appends a `checks:` list from a YAML file; {{his_url}} and {{his_port}} in it are
// replaced by a small HTTP server this bench starts on loopback (a stand-in for the HIS that a
// terminal's reachability checks talk to). bench/terminal-checks.yaml is the terminal preset.
//
// Runs a real agent process against an embedded broker on loopback and measures what it
// costs the host: steady RSS, peak RSS, and CPU as a share of one core over the window, read
// from /proc (the agent's own process and any children it reaped). Prints the method and the
// figures; the README quotes them with the machine they came from.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../cli/up/broker.js';
import { PROJECT_ROOT } from '../common/version.js';
import { durationMs } from '../common/duration.js';
import { cpuPercent, progress, readProc, type ProcReading } from './proc-sampler.js';

/** A health endpoint on loopback for the checks under test to reach. */
async function startHealthServer(): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"UP"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, port, close: () => new Promise((r) => server.close(() => r())) };
}

const { values } = parseArgs({
  options: {
    interval: { type: 'string', default: '15s' },
    duration: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '30' },
    role: { type: 'string', default: 'server' },
    checks: { type: 'string' },
  },
});
const durationS = Number(values.duration);
const warmupS = Number(values.warmup);

const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-'));
const broker = await startEmbeddedBroker(0);
const his = values.checks ? await startHealthServer() : undefined;
const checks = values.checks && his ? `checks:\n${readFileSync(values.checks, 'utf8').replaceAll('{{his_url}}', his.url).replaceAll('{{his_port}}', String(his.port))}` : '';
writeFileSync(
  join(dir, 'agent.yaml'),
  `agent: { id: bench-agent, site: main, role: ${values.role} }\nbroker: { url: "${broker.url}", protocol: mqtt3.1.1 }\ninterval: ${values.interval}\ndata_dir: data\n${checks}`,
);
// Count the check results the agent publishes, so the figures are known to include its checks.
const statuses: Record<string, number> = {};
const listener = values.checks ? await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'bench-listener' }) : undefined;
await listener?.subscribeAsync('wardwatch/v1/main/bench-agent/events', { qos: 1 });
listener?.on('message', (_t, payload) => {
  for (const e of (JSON.parse(payload.toString()) as { events: Array<{ status: string }> }).events) statuses[e.status] = (statuses[e.status] ?? 0) + 1;
});
const agent = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'cli', 'main.js'), 'agent', '--config', join(dir, 'agent.yaml')], {
  stdio: 'ignore',
  cwd: dir,
});
const pid = agent.pid as number;
const readings: ProcReading[] = [];
const total = warmupS + durationS;
for (let s = 0; s <= total; s++) {
  await new Promise((r) => setTimeout(r, 1000));
  readings.push(readProc(pid));
  progress('agent footprint', s, total, `rss ${(readings[readings.length - 1]!.rssBytes / 2 ** 20).toFixed(1)} MB`);
}
agent.kill('SIGTERM');
await new Promise((r) => agent.once('exit', r));
await listener?.endAsync();
await broker.close();
await his?.close();
rmSync(dir, { recursive: true, force: true });
if (process.stderr.isTTY) process.stderr.write('\n');

const window = readings.slice(warmupS);
const first = window[0]!;
const last = window[window.length - 1]!;
const rss = window.map((r) => r.rssBytes / 2 ** 20);
const mb = (n: number) => `${n.toFixed(1)} MB`;
console.log(`method   one agent process (role ${values.role}, interval ${values.interval}${values.checks ? `, checks from ${values.checks}` : ''}) publishing QoS 1 to an embedded broker on loopback;`);
console.log(`         /proc/<pid>/stat utime+stime+cutime+cstime and VmRSS read every second; first ${warmupS} s discarded`);
console.log(`machine  ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log(`window   ${durationS} s (${Math.round((durationS * 1000) / durationMs(values.interval))} collections)`);
console.log(`rss      steady ${mb(rss[rss.length - 1]!)}, max ${mb(Math.max(...rss))}, min ${mb(Math.min(...rss))}`);
console.log(`cpu      ${cpuPercent(first, last).toFixed(3)} % of one core (${last.cpuTicks - first.cpuTicks} ticks of 10 ms)`);
if (values.checks) console.log(`checks   ${Object.entries(statuses).map(([k, v]) => `${v} ${k}`).join(', ') || 'no results'} over the whole run`);
