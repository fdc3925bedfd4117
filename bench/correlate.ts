// npm run bench:correlate -- [--nodes 10000] [--messages 112] [--settle 10s]
//
// A generated storm through the engine, the way replay drives it: a 10,000-node hospital
// (2 core switches, 100 access switches, terminals and servers behind them) reporting about
// 1,100,000 samples. After a quiet first tenth, in every round of collection ten access
// switches fail their probe check and every terminal behind them alerts at the same time:
// about 100,000 alerts, which the engine must fold into one incident per switch. Prints samples/s, alerts/s, incidents, how
// long each incident waited for its decision (virtual time), the engine's time per message,
// and the peak RSS.

import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { durationMs } from '../common/duration.js';
import { Engine, type Decision } from '../correlator/engine/engine.js';
import { buildRuleSet, type Rule } from '../correlator/rules/compile.js';
import { compileSelector } from '../correlator/topology/selector.js';
import { buildTopology } from '../correlator/topology/load.js';
import type { TopologyFile } from '../correlator/topology/schema.js';
import type { EventsMessage, MetricsMessage, StateMessage } from '../protocol/schema.js';
import { random } from './fleet.js';
import { progress } from './proc-sampler.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '10000' },
    messages: { type: 'string', default: '112' },
    settle: { type: 'string', default: '10s' },
  },
});
const NODES = Number(values.nodes);
const PER_AGENT = Number(values.messages);
const SETTLE = durationMs(values.settle);
const INTERVAL = 15_000;
const T0 = Date.UTC(2026, 10, 23, 1, 0, 0);

// ── the hospital ───────────────────────────────────────────────────────────────────────────
const ACCESS = 100;
const SERVERS = Math.max(1, Math.round(NODES * 0.01));
const TERMINALS = NODES - 3 - ACCESS - SERVERS;
const perSwitch = Math.ceil(TERMINALS / ACCESS);
const file: TopologyFile = {
  nodes: [
    { id: 'egress-main', kind: 'egress' },
    { id: 'core-sw-1', kind: 'switch', depends_on: ['egress-main'] },
    { id: 'core-sw-2', kind: 'switch', depends_on: ['egress-main'] },
    ...Array.from({ length: ACCESS }, (_, i) => ({ id: `acc-${i}`, kind: 'switch' as const, building: `b${i % 10}`, depends_on: [`core-sw-${(i % 2) + 1}`] })),
    ...Array.from({ length: TERMINALS }, (_, i) => ({ id: `ws-${i}`, kind: 'terminal' as const, building: `b${Math.floor(i / perSwitch) % 10}`, depends_on: [`acc-${Math.floor(i / perSwitch)}`] })),
    ...Array.from({ length: SERVERS }, (_, i) => ({ id: `srv-${i}`, kind: 'server' as const, depends_on: [`core-sw-${(i % 2) + 1}`] })),
    { id: 'registration', kind: 'service', criticality: 'core', depends_on: ['srv-0'], terminals: { building: ['b0', 'b1', 'b2'] } },
  ],
};
const built = buildTopology(file);
if (!built.ok) throw new Error('benchmark topology is invalid');
const agents = [...Array.from({ length: TERMINALS }, (_, i) => `ws-${i}`), ...Array.from({ length: SERVERS }, (_, i) => `srv-${i}`)];

const base = { title: '{node}', labels: {}, matches: compileSelector({}), incident: true, source: 'bench' };
const rules: Rule[] = [
  { ...base, id: 'cpu-high', kind: 'threshold', effect: 'degraded', priority: 'P3', metric: 'cpu.usage_percent', measurement: 'cpu', field: 'usage_percent', op: '>', value: 90, clear: 80, forSamples: 1, forMs: 0 },
  { ...base, id: 'switch-check', kind: 'threshold', effect: 'outage', priority: 'P3', metric: 'check.status_level', measurement: 'check', field: 'status_level', op: '>=', value: 2, clear: 2, forSamples: 1, forMs: 0 },
  { ...base, id: 'offline', kind: 'offline', effect: 'outage', priority: 'P4', after: 3 },
];
const engine = new Engine(buildRuleSet(rules), { topology: built.topology, settleMs: SETTLE, resolveHoldMs: 0 });

// ── the storm: births, then rounds in which ten access switches fail at a time ─────────────
const rnd = random(42);
const PER_ROUND = 10;
/** The first tenth of the rounds is quiet (the steady state); the storm runs in the rest. */
const QUIET = Math.floor(PER_AGENT / 10);
const failing = (round: number, sw: number) => round >= QUIET && Math.floor(sw / PER_ROUND) === round % (ACCESS / PER_ROUND);
const switchOf = (id: string) => (id.startsWith('ws-') ? Math.floor(Number(id.slice(3)) / perSwitch) : -1);

const firstAlert = new Map<number, number>();
const waits: number[] = [];
const alertFired = new Map<string, number>();
let alerts = 0;
let incidents = 0;
const watch = (ds: Decision[]) => {
  for (const d of ds) {
    if (d.type === 'alert.firing') {
      alerts++;
      alertFired.set(d.alert.id, d.alert.firedAt);
    } else if (d.type === 'incident.opened') {
      incidents++;
      const first = Math.min(...d.incident.alerts.map((a) => alertFired.get(a.id) ?? a.firedAt));
      firstAlert.set(d.incident.id, first);
      waits.push(d.incident.openedAt - first);
    }
  }
};

for (const [i, id] of agents.entries()) {
  const birth: StateMessage = { v: 1, kind: 'state', agent: id, site: 'main', seq: 0, ts: T0, online: true, session: 1, reason: 'birth', inventory: { hostname: id, role: id.startsWith('ws') ? 'terminal' : 'server', version: 'bench', interval_s: INTERVAL / 1000, os: { platform: 'linux', arch: 'x64' } } };
  watch(engine.handle({ type: 'message', at: T0 + i, message: birth }));
}

let samples = 0;
let messages = 0;
let wallMs = 0;
let tickMs = 0;
let quietMs = 0;
let quietSamples = 0;
const cpuStart = process.cpuUsage();
const perMessage: number[] = [];
let clock = T0;
const probe = (round: number, at: number): EventsMessage => ({
  v: 1, kind: 'events', agent: 'probe-01', site: 'main', seq: round + 1, ts: at,
  events: Array.from({ length: ACCESS }, (_, sw) => ({ check: `ping-acc-${sw}`, type: 'icmp', node: `acc-${sw}`, status: failing(round, sw) ? 'critical' as const : 'ok' as const })),
});
for (let round = 0; round < PER_AGENT; round++) {
  const roundStart = T0 + INTERVAL + round * INTERVAL;
  watch(engine.handle({ type: 'message', at: roundStart, message: probe(round, roundStart) }));
  for (let i = 0; i < agents.length; i++) {
    const id = agents[i] as string;
    const at = roundStart + Math.floor((i / agents.length) * INTERVAL);
    // Tick every second, and exactly at correlation deadlines, as the live correlator does.
    for (;;) {
      const deadline = engine.nextDeadline();
      const next = deadline !== undefined && deadline > clock && deadline < clock + 1000 ? deadline : clock + 1000;
      if (next > at) break;
      clock = next;
      const t = performance.now();
      watch(engine.handle({ type: 'tick', at: clock }));
      tickMs += performance.now() - t;
    }
    const spike = switchOf(id) >= 0 && failing(round, switchOf(id));
    const msg: MetricsMessage = { v: 1, kind: 'metrics', agent: id, site: 'main', seq: round + 1, ts: at, interval_s: INTERVAL / 1000, samples: [{ m: 'cpu', fields: { usage_percent: spike ? 95 : 20 + Math.floor(rnd() * 40) } }] };
    const t = performance.now();
    const ds = engine.handle({ type: 'message', at, message: msg });
    const took = performance.now() - t;
    wallMs += took;
    if (round < QUIET) {
      quietMs += took;
      quietSamples += msg.samples.length;
    }
    if (messages % 97 === 0) perMessage.push(took);
    watch(ds);
    messages++;
    samples += msg.samples.length;
  }
  progress('bench:correlate', round + 1, PER_AGENT, `${samples.toLocaleString('en-US')} samples, ${alerts.toLocaleString('en-US')} alerts`);
}
for (let k = 0; k < 120; k++) watch(engine.handle({ type: 'tick', at: (clock += 1000), timersOnly: true }));
const cpu = process.cpuUsage(cpuStart);
const cpuS = (cpu.user + cpu.system) / 1e6;
if (process.stderr.isTTY) process.stderr.write('\n');

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
const maxWait = Math.max(0, ...waits);
const peakRss = process.resourceUsage().maxRSS / 1024;
console.log(`method   ${NODES.toLocaleString('en-US')}-node topology, ${agents.length.toLocaleString('en-US')} agents × ${PER_AGENT} messages of one sample; in every`);
console.log(`         round after the first tenth ${PER_ROUND} access switches fail their probe check and the terminals behind them`);
console.log(`         alert; engine only`);
console.log(`         (messages pre-built, no decode, no store), virtual clock ticking every second; settle ${values.settle}`);
console.log(`machine  ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log(`input    ${samples.toLocaleString('en-US')} samples in ${messages.toLocaleString('en-US')} messages`);
console.log(`output   ${alerts.toLocaleString('en-US')} alerts → ${incidents.toLocaleString('en-US')} incidents`);
console.log(`speed    ${Math.round(samples / cpuS).toLocaleString('en-US')} samples/s, ${Math.round(alerts / cpuS).toLocaleString('en-US')} alerts/s per core-second of CPU (${cpuS.toFixed(2)} s of CPU for`);
console.log(`         messages, ticks and the benchmark's own bookkeeping; wall time in the engine ${((wallMs + tickMs) / 1000).toFixed(2)} s)`);
console.log(`steady   ${Math.round(quietSamples / (quietMs / 1000)).toLocaleString('en-US')} samples/s in the quiet first tenth (engine wall time per message, no alerts)`);
console.log(`storm    ${Math.round((samples - quietSamples) / ((wallMs - quietMs) / 1000)).toLocaleString('en-US')} samples/s while one sample in ten raises or clears an alert (engine wall time per message)`);
console.log(`latency  per message p50 ${(pct(perMessage, 0.5) * 1000).toFixed(1)} µs, p99 ${(pct(perMessage, 0.99) * 1000).toFixed(1)} µs, max ${(Math.max(...perMessage) * 1000).toFixed(0)} µs`);
console.log(`decided  every incident within ${(maxWait / 1000).toFixed(3)} s of its first alert (settle ${values.settle}: limit ${((SETTLE + 100) / 1000).toFixed(3)} s): ${maxWait <= SETTLE + 100 ? 'yes' : 'NO'}`);
console.log(`memory   peak RSS ${peakRss.toFixed(0)} MB`);
