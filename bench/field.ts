// npm run bench:field -- [--terminals 6,60,600,5000] [--json]
//
// Faults with the timings of the field, through the engine with the shipped rules and the
// example hospital topology: terminals born from agents with the example terminal config's
// labels (adopted by the topology's match blocks), servers and a network probe reporting every
// 15 s. For each fault it counts the incidents ever opened (each is a ticket and a first page)
// and the time from the fault to the first page, and names the root. Virtual time: what it
// measures is the engine's decisions, not the machine's speed.
//
//   core-switch      core-sw-1 dies: the Wills of everything behind it within 1 s, the probe's
//                    pings of the switch failing from 20 s (two failed rounds at 10 s)
//   core-keepalive   the same, the Wills found by keep-alive 45-60 s later
//   access-unwatched acc-opd-3 dies and nothing watches it: its terminals' Wills within 1 s
//   broker-restart   the correlator's link drops for 20 s; every Will arrives with the reconnect,
//                    the agents re-announce 5-15 s later
//   his-db-pair      both members of the HIS database pair fail, 2 minutes apart
//   lis-cpu          the LIS application server's CPU above 90% for 6 minutes

import { parseArgs } from 'node:util';
import { Engine, type Decision, type EngineInput } from '../correlator/engine/engine.js';
import { loadRules } from '../correlator/rule-tools/load.js';
import { loadTopology } from '../correlator/topology/load.js';
import type { Message } from '../protocol/schema.js';

const { values } = parseArgs({ options: { terminals: { type: 'string', default: '6,60,600,5000' }, json: { type: 'boolean', default: false } } });
const SIZES = String(values.terminals)
  .split(',')
  .map((n) => Number(n));

const rules = loadRules('rules');
if (!rules.ok) throw new Error(`shipped rules do not load: ${rules.errors.map((e) => e.message).join('; ')}`);
const ruleSet = rules.ruleSet;
const T0 = Date.UTC(2026, 10, 24, 2, 0, 0); // a Tuesday, 10:00 in Shanghai: the outpatient morning peak
const FAULT = T0 + 300_000;
const SERVERS = ['his-app-01', 'his-app-02', 'db-his-01', 'db-his-02', 'lis-app-01', 'lis-db-01', 'pacs-01', 'emr-app-01'];
// Terminals spread over the example's match blocks: outpatient floors 1-4 and 5, inpatient.
const PLACES = [
  { building: 'outpatient', floor: '1' },
  { building: 'outpatient', floor: '3' },
  { building: 'outpatient', floor: '5' },
  { building: 'inpatient', floor: '2' },
];

interface Plan {
  /** Agents that stop reporting at the fault, and when their Will arrives (ms after the fault). */
  wills: Map<string, number>;
  /** Probe results about nodes: critical from `at` (ms after the fault), every 10 s. */
  pings: Map<string, number>;
  /** The correlator's link: down at, up at (ms after the fault). */
  link?: { down: number; up: number };
  /** Agents born again after the fault (ms after it). */
  rebirths?: Map<string, number>;
  cpu?: { node: string; value: number };
}

type Scenario = (terminals: string[], place: Map<string, (typeof PLACES)[number]>) => Plan;

const spread = (ids: string[], from: number, width: number) => new Map(ids.map((id, i) => [id, from + (ids.length > 1 ? Math.round((i * width) / (ids.length - 1)) : 0)]));
const behindCore1 = (terminals: string[], place: Map<string, (typeof PLACES)[number]>) => [
  ...terminals.filter((t) => place.get(t)?.building === 'outpatient'),
  'his-app-01',
  'his-app-02',
  'db-his-01',
];

const SCENARIOS: Record<string, Scenario> = {
  'core-switch': (t, p) => ({ wills: spread(behindCore1(t, p), 0, 1_000), pings: new Map([['core-sw-1', 20_000]]) }),
  'core-keepalive': (t, p) => ({ wills: spread(behindCore1(t, p), 45_000, 15_000), pings: new Map([['core-sw-1', 20_000]]) }),
  'access-unwatched': (t, p) => ({ wills: spread(t.filter((x) => p.get(x)?.floor === '3'), 0, 1_000), pings: new Map() }),
  'broker-restart': (t) => {
    const all = [...t, ...SERVERS, 'probe-net-01'];
    return { wills: spread(all, 20_100, 500), pings: new Map(), link: { down: 0, up: 20_000 }, rebirths: spread(all, 25_000, 10_000) };
  },
  'his-db-pair': () => ({ wills: new Map([['db-his-01', 0], ['db-his-02', 120_000]]), pings: new Map() }),
  'lis-cpu': () => ({ wills: new Map(), pings: new Map(), cpu: { node: 'lis-app-01', value: 96 } }),
};

interface Result {
  scenario: string;
  terminals: number;
  opened: number;
  firstPageS: number | null;
  roots: string[];
  suspected: boolean;
  priority: string;
}

function run(name: string, scenario: Scenario, n: number): Result {
  const topo = loadTopology('rules/examples/hospital.topology.yaml');
  if (!topo.ok) throw new Error('example topology does not load');
  const engine = new Engine(ruleSet, { topology: topo.topology, settleMs: 10_000, resolveHoldMs: 30_000, startedAt: T0 - 600_000 } as never);
  const terminals = Array.from({ length: n }, (_, i) => `ws-${String(i + 1).padStart(4, '0')}`);
  const place = new Map(terminals.map((id, i) => [id, PLACES[i % PLACES.length] as (typeof PLACES)[number]]));
  const plan = scenario(terminals, place);
  const agents: Array<{ id: string; role: 'terminal' | 'server' | 'probe'; labels: Record<string, string>; interval: number }> = [
    ...terminals.map((id) => ({ id, role: 'terminal' as const, labels: { ...(place.get(id) as Record<string, string>), department: 'clinic' }, interval: 60_000 })),
    ...SERVERS.map((id) => ({ id, role: 'server' as const, labels: {}, interval: 15_000 })),
    { id: 'probe-net-01', role: 'probe' as const, labels: { building: 'datacenter' }, interval: 15_000 },
  ];
  const seq = new Map<string, number>();
  const session = new Map<string, number>();
  const next = (id: string) => {
    const s = (seq.get(id) ?? 0) + 1;
    seq.set(id, s);
    return s;
  };
  const inputs: EngineInput[] = [];
  const send = (at: number, message: Message) => inputs.push({ type: 'message', at, message });
  const birth = (a: (typeof agents)[number], at: number) => {
    const s = (session.get(a.id) ?? 0) + 1;
    session.set(a.id, s);
    send(at, { v: 1, kind: 'state', agent: a.id, site: 'main', seq: next(a.id), ts: at, online: true, session: s, reason: 'birth', inventory: { hostname: a.id, role: a.role, version: 'bench', interval_s: a.interval / 1000, labels: a.labels, os: { platform: 'linux', arch: 'x64' } } } as Message);
  };
  const END = FAULT + 420_000;
  agents.forEach((a, i) => birth(a, T0 + (i % 1000)));
  for (const a of agents) {
    const dies = plan.wills.get(a.id);
    const reborn = plan.rebirths?.get(a.id);
    const offset = Math.abs([...a.id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7)) % a.interval;
    for (let at = T0 + offset; at < END; at += a.interval) {
      const silent = dies !== undefined && at >= FAULT && (reborn === undefined || at < FAULT + reborn);
      const linkDown = plan.link && at >= FAULT + plan.link.down && at < FAULT + plan.link.up;
      if (silent || linkDown) continue;
      const value = plan.cpu?.node === a.id && at >= FAULT && at < FAULT + 360_000 ? plan.cpu.value : 20;
      send(at, { v: 1, kind: 'metrics', agent: a.id, site: 'main', seq: next(a.id), ts: at, samples: [{ m: 'cpu', fields: { usage_percent: value } }] } as Message);
    }
    if (dies !== undefined) inputs.push({ type: 'message', at: FAULT + dies, message: { v: 1, kind: 'state', agent: a.id, site: 'main', seq: 0, ts: T0, online: false, session: session.get(a.id) ?? 1, reason: 'lost' } as Message });
    if (reborn !== undefined) inputs.push({ type: 'message', at: FAULT + reborn, message: { v: 1, kind: 'state', agent: a.id, site: 'main', seq: next(a.id), ts: FAULT + reborn, online: true, session: (session.get(a.id) ?? 1) + 1, reason: 'birth', inventory: { hostname: a.id, role: a.role, version: 'bench', interval_s: a.interval / 1000, labels: a.labels, os: { platform: 'linux', arch: 'x64' } } } as Message });
  }
  // The probe pings the core and access switches every 10 s.
  for (let at = T0 + 5_000; at < END; at += 10_000) {
    const failing = [...plan.pings].filter(([, from]) => at >= FAULT + from).map(([node]) => node);
    const events = ['core-sw-1', 'core-sw-2', 'acc-opd-1', 'acc-opd-3'].map((node) => ({ check: `ping-${node}`, type: 'icmp', status: failing.includes(node) ? 'critical' : 'ok', node, fields: { loss_percent: failing.includes(node) ? 100 : 0 } }));
    if (plan.link && at >= FAULT + plan.link.down && at < FAULT + plan.link.up) continue;
    send(at, { v: 1, kind: 'events', agent: 'probe-net-01', site: 'main', seq: next('probe-net-01'), ts: at, events } as Message);
  }
  if (plan.link) {
    inputs.push({ type: 'link', up: false, at: FAULT + plan.link.down } as EngineInput);
    inputs.push({ type: 'link', up: true, at: FAULT + plan.link.up } as EngineInput);
  }
  inputs.sort((a, b) => a.at - b.at);
  const opened: Array<{ at: number; root: string; suspected: boolean; priority: string; id: number }> = [];
  const note = (ds: Decision[]) => {
    for (const d of ds) if (d.type === 'incident.opened') opened.push({ at: d.incident.openedAt, root: d.incident.root, suspected: (d.incident as { suspected?: boolean }).suspected === true, priority: d.incident.priority, id: d.incident.id });
  };
  let k = 0;
  for (let at = T0; at <= END; at += 1000) {
    while (k < inputs.length && (inputs[k] as EngineInput).at <= at) note(engine.handle(inputs[k++] as EngineInput));
    note(engine.handle({ type: 'tick', at }));
  }
  const after = opened.filter((o) => o.at >= FAULT);
  const final = new Map(engine.openIncidents().map((i) => [i.id, i]));
  return {
    scenario: name,
    terminals: n,
    opened: after.length,
    firstPageS: after.length > 0 ? Math.round(((after[0] as { at: number }).at - FAULT) / 100) / 10 : null,
    roots: [...new Set(after.map((o) => final.get(o.id)?.root ?? o.root))].slice(0, 4),
    suspected: after[0]?.suspected ?? false,
    priority: after.map((o) => final.get(o.id)?.priority ?? o.priority)[0] ?? '-',
  };
}

const results: Result[] = [];
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  for (const n of name === 'his-db-pair' || name === 'lis-cpu' ? [SIZES[0] as number] : SIZES) {
    results.push(run(name, scenario, n));
    if (!values.json) process.stderr.write('.');
  }
}
if (values.json) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  process.stderr.write('\n');
  const rows = [['fault', 'terminals', 'incidents', 'first page', 'root (now)', 'at first page', 'priority'], ...results.map((r) => [r.scenario, String(r.terminals), String(r.opened), r.firstPageS === null ? '-' : `${r.firstPageS} s`, r.roots.join(', ') + (r.opened > r.roots.length ? ', …' : ''), r.suspected ? 'suspected' : 'reported', r.priority])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd());
  console.log('\nIncidents: opened after the fault, each one a ticket and a first page. Virtual time; shipped rules, example topology.');
}
