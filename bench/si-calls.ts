// npm run bench:si: what each systeminformation call costs on this machine (wall time, CPU
// time of the process and of the children it reaps, child processes started), so the choice
// of reading /proc on Linux's hot path can be checked rather than believed.

import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { readProc } from './proc-sampler.js';

// systeminformation is CommonJS and takes its child_process functions at load time, so the
// counters go on the CommonJS module object first and systeminformation is imported after.
const cp = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');

const proto = cp.ChildProcess.prototype as unknown as { spawn: (...a: unknown[]) => unknown };
let spawned = 0;
const original = proto.spawn;
proto.spawn = function (this: unknown, ...args: unknown[]) {
  spawned++;
  return original.apply(this, args);
};
for (const name of ['execSync', 'execFileSync', 'spawnSync'] as const) {
  const fn = cp[name] as (...a: unknown[]) => unknown;
  (cp as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => {
    spawned++;
    return fn(...a);
  };
}
const si = (await import('systeminformation')).default;

const calls: Array<[string, () => Promise<unknown>]> = [
  ['mem', () => si.mem()],
  ['currentLoad', () => si.currentLoad()],
  ['fsSize', () => si.fsSize()],
  ['networkStats', () => si.networkStats()],
  ['processes', () => si.processes()],
  ['osInfo', () => si.osInfo()],
  ['system', () => si.system()],
];
console.log('method   each call once cold, then 5 times 1.1 s apart (past its internal caches); CPU from /proc/self/stat');
console.log(`machine  ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log('call          wall ms   cpu ms   spawns/call');
for (const [name, fn] of calls) {
  await fn();
  let wall = 0;
  let ticks = 0;
  let spawns = 0;
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 1100));
    const s0 = spawned;
    const a = readProc(process.pid);
    const t0 = performance.now();
    await fn();
    wall += performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50)); // let children be reaped into cutime
    ticks += readProc(process.pid).cpuTicks - a.cpuTicks;
    spawns += spawned - s0;
  }
  console.log(`${name.padEnd(12)} ${(wall / 5).toFixed(1).padStart(8)} ${((ticks * 10) / 5).toFixed(0).padStart(8)} ${(spawns / 5).toFixed(1).padStart(13)}`);
}

// The agent's own Linux collectors, measured the same way, for comparison.
const { cpuCollector } = await import('../agent/collect/cpu.js');
const { memoryCollector } = await import('../agent/collect/memory.js');
const { filesystemCollector } = await import('../agent/collect/filesystem.js');
const { networkCollector } = await import('../agent/collect/network.js');
const { systemCollector } = await import('../agent/collect/system.js');
const collectors = [cpuCollector(), memoryCollector(), filesystemCollector(), networkCollector(), systemCollector()];
await Promise.all(collectors.map((c) => c.prime?.(Date.now())));
let wall = 0;
let ticks = 0;
let spawns = 0;
const rounds = 20;
for (let i = 0; i < rounds; i++) {
  await new Promise((r) => setTimeout(r, 200));
  const s0 = spawned;
  const a = readProc(process.pid);
  const t0 = performance.now();
  await Promise.all(collectors.map((c) => c.collect(Date.now())));
  wall += performance.now() - t0;
  ticks += readProc(process.pid).cpuTicks - a.cpuTicks;
  spawns += spawned - s0;
}
console.log(`${'wardwatch*'.padEnd(12)} ${(wall / rounds).toFixed(1).padStart(8)} ${((ticks * 10) / rounds).toFixed(1).padStart(8)} ${(spawns / rounds).toFixed(1).padStart(13)}`);
console.log('* all five of the agent\'s Linux collectors together (cpu, mem, fs, net, system), 20 rounds');
