// `wardwatch replay --explain` on a recorded stream, through the built command: an access
// switch's terminals lost behind a failing core switch (Last Wills within a second, the probe's
// alert at 20-30 s), rules from two directories, and silences written in the API's request
// shape. Plus the core-switch scenario replayed with a short settling window, where the
// terminals' incidents open first and merge later.

import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FleetSim } from '../../bench/fleet.js';
import type { CheckResult } from '../../protocol/schema.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const T0 = Date.UTC(2026, 10, 23, 1, 0, 0);
const S = 1000;
const MIN = 60 * S;
const TERMINALS = ['ws-01', 'ws-02', 'ws-03', 'ws-04', 'ws-05', 'ws-06'];

const NETWORK_RULES = `rules:
  - id: device-unreachable
    kind: threshold
    title: "{node} does not answer ping"
    priority: P3
    effect: outage
    metric: check.loss_percent
    where: { type: icmp }
    op: ">="
    value: 100
    for: 2
  - id: terminal-offline
    kind: offline
    title: "Terminal {node} is not reporting"
    priority: P4
    where: { role: terminal }
    after: 3
`;

const SERVER_RULES = `rules:
  - id: cpu-high
    kind: threshold
    title: "CPU above 90% on {node}"
    priority: P3
    metric: cpu.usage_percent
    where: { role: server }
    op: ">"
    value: 90
    clear: 80
    for: 3
`;

const TOPOLOGY = `nodes:
  - { id: core-sw-1, kind: switch }
  - { id: acc-3, kind: switch, depends_on: [core-sw-1] }
  - { id: ws-(01..06), kind: terminal, depends_on: [acc-3] }
  - { id: lis-app-01, kind: app, depends_on: [core-sw-1] }
  - { id: pacs-01, kind: server, depends_on: [core-sw-1] }
`;

const ping = (node: string, ok: boolean): CheckResult => ({ check: `ping-${node}`, type: 'icmp', node, status: ok ? 'ok' : 'critical', summary: ok ? 'reachable' : '100% loss', fields: { loss_percent: ok ? 0 : 100 } });

/** The stream: core-sw-1 fails at T0; the terminals' Wills come within a second, the probe's alert 20 s later. */
function stream(): FleetSim {
  const sim = new FleetSim();
  sim.add('probe-01', 'probe', {}, 10);
  for (const id of TERMINALS) sim.add(id, 'terminal', { building: 'outpatient' }, 15);
  sim.add('lis-app-01', 'server', {}, 15).add('pacs-01', 'server', {}, 15);
  const start = T0 - 2 * MIN;
  for (const id of ['probe-01', ...TERMINALS, 'lis-app-01', 'pacs-01']) sim.birth(id, start);
  for (let t = start + 5 * S; t < T0 + 12 * MIN; t += 10 * S) sim.events('probe-01', t, [ping('core-sw-1', t < T0 + 2 * S || t > T0 + 6 * MIN)]);
  TERMINALS.forEach((id, i) => {
    const back = T0 + 6 * MIN + 30 * S;
    for (let t = start + 3 * S; t < T0 + 12 * MIN; t += 15 * S) if (t < T0 || t > back) sim.metrics(id, t, [{ m: 'cpu', fields: { usage_percent: 20 } }]);
    sim.will(id, T0 + 300 + i * 100);
    sim.birth(id, back);
  });
  for (let t = start + 7 * S; t < T0 + 12 * MIN; t += 15 * S) {
    // lis-app-01 is busy during its maintenance window; pacs-01 after the switch is back.
    const lisBusy = t > T0 + 8 * MIN && t < T0 + 9 * MIN;
    const pacsBusy = t > T0 + 9 * MIN + 30 * S && t < T0 + 11 * MIN;
    sim.metrics('lis-app-01', t, [{ m: 'cpu', fields: { usage_percent: lisBusy ? 99 : 30 } }]);
    sim.metrics('pacs-01', t + 2 * S, [{ m: 'cpu', fields: { usage_percent: pacsBusy ? 99 : 30 } }]);
  }
  return sim;
}

function fixture(t: { teardown(fn: () => void): void }, silenceLines: object[]) {
  const dir = tmpDir(t);
  mkdirSync(join(dir, 'network'));
  mkdirSync(join(dir, 'servers'));
  writeFileSync(join(dir, 'network', 'network.rules.yaml'), NETWORK_RULES);
  writeFileSync(join(dir, 'servers', 'servers.rules.yaml'), SERVER_RULES);
  writeFileSync(join(dir, 'topology.yaml'), TOPOLOGY);
  const lines = [...stream().sorted(), ...silenceLines].sort((a, b) => (a as { at: number }).at - (b as { at: number }).at);
  writeFileSync(join(dir, 'stream.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return dir;
}

const maintenance = { at: T0 + 7 * MIN, id: 'lis-upgrade', by: 'wang.fang', silence: { nodes: ['lis-app-01'], duration: '30m', comment: 'LIS 升级' } };

const headers = (out: string) => out.split('\n').filter((l) => /^INC-\d+  /.test(l));

t.test('--explain: the root confirmed, the terminals unreachable behind it, silences and both rule directories', async (t) => {
  const dir = fixture(t, [maintenance]);
  const args = ['replay', '--rules', join(dir, 'network'), '--rules', join(dir, 'servers'), '--topology', join(dir, 'topology.yaml'), '--settle', '30s'];
  const r = runCli([...args, '--explain', join(dir, 'stream.jsonl')]);
  t.equal(r.status, 0, r.stderr);
  const out = r.stdout;
  const core = headers(out).find((h) => h.includes('root core-sw-1'));
  t.match(core, /^INC-\d+  P\d  root core-sw-1 \(confirmed\)  opened \S+  resolved \S+$/, 'the switch, with an alert of its own: confirmed');
  t.match(out, /\n  root alerts: device-unreachable \(resolved, since \S+\)\n/);
  t.match(out, /\n    ws-01 … ws-06 \(6 nodes\)  unreachable  → acc-3 → core-sw-1  \[terminal-offline\]\n/, 'every terminal: unreachable, with its path up to the root');
  t.equal(headers(out).filter((h) => h.includes('root ws-')).length, 0, 'no terminal is an incident of its own');
  t.ok(headers(out).some((h) => h.includes('root pacs-01')), 'the second --rules directory is read: pacs-01 CPU');
  t.notOk(headers(out).some((h) => h.includes('root lis-app-01')), 'lis-app-01 is in maintenance');
  t.match(out, /\nheld by silences:\n  lis-upgrade "LIS 升级": held 1 alert\(s\) \(silenced 1\) on lis-app-01\n/, 'the silence, by the id on its line');

  const json = runCli([...args, join(dir, 'stream.jsonl')]);
  const ordinary = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { merged_into?: string }).filter((i) => !i.merged_into);
  t.equal(headers(out).length, ordinary.length, 'as many explained incidents as JSON ones');
  t.match(out, new RegExp(`\\n${ordinary.length} incident\\(s\\): ${ordinary.length} confirmed, 0 suspected; \\d+ merged into others\\n$`));

  const oneDir = runCli(['replay', '--rules', join(dir, 'network'), '--topology', join(dir, 'topology.yaml'), '--explain', join(dir, 'stream.jsonl')]);
  t.notOk(headers(oneDir.stdout).some((h) => h.includes('root pacs-01')), 'with the network rules alone, no CPU incident');
});

t.test('a silence line that is not a valid request says which line and why', async (t) => {
  const cases: Array<[object, RegExp]> = [
    [{ at: T0, silence: { nodes: ['lis-app-01'], duration: '1h' } }, /line \d+: silence: must have required property 'comment'/],
    [{ at: T0, silence: { nodes: ['lis-app-01'], duration: '1h', comment: 'x', reason: 'y' } }, /line \d+: silence: unknown field "reason"/],
    [{ at: T0, silence: { nodes: ['lis-app-01'], starts_at: '2026-11-23T10:00:00+08:00', ends_at: '2026-11-23T09:00:00+08:00', comment: 'x' } }, /line \d+: silence: ends_at: must be after starts_at/],
    [{ at: T0, silence: { duration: '1h', comment: 'everything' } }, /line \d+: silence: a silence needs matchers or nodes/],
  ];
  for (const [line, want] of cases) {
    const dir = fixture(t, [line]);
    const r = runCli(['replay', '--rules', join(dir, 'network'), '--topology', join(dir, 'topology.yaml'), '--explain', join(dir, 'stream.jsonl')]);
    t.not(r.status, 0, `refused: ${JSON.stringify(line.valueOf())}`);
    t.match(r.stderr, want);
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const r = runCli(['replay', '--rules', join(ROOT, 'no-such-rules'), '--explain', join(ROOT, 'test', 'scenarios', 'core-switch', 'stream.jsonl')]);
  t.match(r.stderr, /--rules .*no-such-rules: rules directory not found/);
});

t.test('the core-switch scenario with a short settling window: merged incidents are one line each', async (t) => {
  const d = join(ROOT, 'test', 'scenarios', 'core-switch');
  const args = ['replay', '--rules', join(d, 'rules'), '--topology', join(d, 'topology.yaml'), '--settle', '1s', join(d, 'stream.jsonl')];
  const explained = runCli([...args, '--explain'], { timeoutMs: 60_000 });
  t.equal(explained.status, 0, explained.stderr);
  const json = runCli(args, { timeoutMs: 60_000 })
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; merged_into?: string });
  const merged = json.filter((i) => i.merged_into);
  const mergedLines = explained.stdout.split('\n').filter((l) => /^INC-\d+ merged into INC-\d+$/.test(l));
  t.same(mergedLines, merged.map((i) => `${i.id} merged into ${i.merged_into}`), 'each merged incident: one line, naming where it went');
  const heads = headers(explained.stdout).map((h) => h.split('  ')[0]);
  t.same(heads, json.filter((i) => !i.merged_into).map((i) => i.id), 'and never explained as an ordinary incident');
  t.match(explained.stdout, /root core-sw-1 \((confirmed|suspected)\)/);
});
