// node dist/bench/check-costs.js [--runs 50]
//
// What one run of each check type costs the agent's process: wall time and CPU time (user +
// system, from process.cpuUsage) per run, averaged over --runs runs after one warm-up run,
// against peers on loopback (an HTTP server and a TCP port this bench starts, this machine's
// /proc, a log file it writes). Prints the method, the machine and one line per check.

import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../common/log.js';
import type { CheckCommon } from '../agent/checks/check.js';
import { checkType } from '../agent/checks/registry.js';
import { runOnce, schedule } from '../agent/checks/runner.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '50' } } });
const runs = Number(values.runs);

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"status":"UP"}');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;
const target = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', 'wardwatch-bench-target'], { stdio: 'ignore' });
const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-checks-'));
const log = join(dir, 'app.log');
writeFileSync(log, '');
writeFileSync(join(dir, 'his-full.dump'), 'x'.repeat(4096));

const specs: Array<CheckCommon & Record<string, unknown>> = [
  { name: 'tcp', type: 'tcp', host: '127.0.0.1', port },
  { name: 'http', type: 'http', url: `http://127.0.0.1:${port}/health`, expect: { json: [{ path: '$.status', equals: 'UP' }] } },
  { name: 'process-by-name', type: 'process', process: 'node' },
  { name: 'process-by-cmdline', type: 'process', cmdline: 'wardwatch-bench-target' },
  { name: 'backup', type: 'backup', path: dir, pattern: '*.dump', max_age: '1h' },
  { name: 'fs-forecast', type: 'fs_forecast', path: dir },
  { name: 'log-errors-1000-lines', type: 'log_errors', path: log, pattern: ' ERROR ' },
];
const lines = Array.from({ length: 1000 }, (_, i) => `2025-06-01 08:00:00 ${i % 10 ? 'INFO' : 'ERROR'} request ${i}\n`).join('');

console.log(`method   each check run ${runs} times in this process after one warm-up run; wall time from performance.now(),`);
console.log('         CPU from process.cpuUsage() (user + system) around each run; peers on loopback');
console.log(`machine  ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log(`${'check'.padEnd(24)} ${'wall ms'.padStart(8)} ${'CPU ms'.padStart(8)}`);
for (const spec of specs) {
  const s = schedule(checkType(spec.type)!.create(spec as never, { agentId: 'bench', dataDir: dir, log: silentLogger }), spec);
  await runOnce(s);
  let wall = 0;
  let cpu = 0;
  for (let i = 0; i < runs; i++) {
    if (spec.type === 'log_errors') appendFileSync(log, lines);
    const before = process.cpuUsage();
    const r = await runOnce(s);
    const used = process.cpuUsage(before);
    wall += r.durationMs;
    cpu += (used.user + used.system) / 1000;
    if (r.outcome.status !== 'ok' && r.outcome.status !== 'warning') throw new Error(`${spec.name}: ${r.outcome.summary}`);
  }
  console.log(`${spec.name.padEnd(24)} ${(wall / runs).toFixed(2).padStart(8)} ${(cpu / runs).toFixed(2).padStart(8)}`);
}
server.close();
target.kill();
rmSync(dir, { recursive: true, force: true });
