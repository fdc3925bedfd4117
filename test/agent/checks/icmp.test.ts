// ICMP with the system ping: loopback answers, a TEST-NET address and an unknown name do not;
// each target is its own result on its own node; ping's output is parsed from recordings.

import t from 'tap';
import { silentLogger } from '../../../common/log.js';
import { icmpCheck, judgePing, parallelism, type IcmpCheckSpec } from '../../../agent/checks/icmp.js';
import { parsePing, ping, pingArgs, pingFailure } from '../../../agent/checks/icmp-ping.js';
import { isListener } from '../../../agent/checks/listener.js';
import { ItemReporter } from '../../../agent/checks/items.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import type { CheckResult } from '../../../protocol/schema.js';
import { tmpDir } from '../../helpers/tmp.js';

const ctx = { agentId: 'probe-01', dataDir: '/nonexistent', log: silentLogger };

// TEST-NET-2 (RFC 5737) is never routed on the Internet: it times out or is reported unreachable.
const UNROUTABLE = '198.51.100.1';

t.test('one result per target, on the target\'s node; the check\'s own result counts them', async (t) => {
  const spec: IcmpCheckSpec = {
    name: 'ward3-kiosks',
    type: 'icmp',
    count: 2,
    wait: '500ms',
    timeout: '3s',
    labels: { building: 'outpatient' },
    targets: [
      { host: '127.0.0.1', node: 'kiosk-ob-12', labels: { kind: 'kiosk' } },
      { host: UNROUTABLE, node: 'kiosk-ob-13' },
      { host: 'no-such-kiosk.invalid' },
    ],
  };
  const check = icmpCheck.create(spec, ctx);
  t.ok(isListener(check));
  const emitted: CheckResult[][] = [];
  if (isListener(check)) await check.listen((r) => emitted.push(r));
  const r = await runOnce(schedule(check, spec));
  t.equal(r.outcome.status, 'ok', 'the probe could ping: its own result is ok whatever the targets do');
  t.equal(r.outcome.summary, `1 of 3 targets answer; not answering: ${UNROUTABLE}, no-such-kiosk.invalid`);
  t.same(r.outcome.fields, { targets: 3, targets_down: 2 });
  t.ok(r.durationMs < 3000, `within the timeout (${Math.round(r.durationMs)} ms)`);

  t.equal(emitted.length, 1, 'the targets go out together');
  const [up, lost, unknownName] = emitted[0] ?? [];
  t.match(up, { check: 'ward3-kiosks', type: 'icmp', status: 'ok', node: 'kiosk-ob-12', target: 'icmp://127.0.0.1', labels: { building: 'outpatient', kind: 'kiosk', host: '127.0.0.1' } });
  t.match(up?.summary, /^2\/2 replies, [\d.]+\/[\d.]+\/[\d.]+ ms min\/avg\/max$/);
  t.match(up?.fields, { sent: 2, received: 2, loss_percent: 0, error_rate_percent: 0 });
  t.ok(typeof up?.fields?.rtt_avg_ms === 'number' && (up.fields.rtt_avg_ms as number) < 50);
  t.match(lost, { status: 'critical', node: 'kiosk-ob-13', labels: { host: UNROUTABLE }, fields: { loss_percent: 100, error_rate_percent: 100 } });
  t.match(unknownName, { status: 'critical', summary: 'cannot resolve the host name', labels: { host: 'no-such-kiosk.invalid' } });
  t.notOk(unknownName && 'node' in unknownName, 'no node configured: the result stays on the probe');
});

t.test('ping missing or not allowed: the probe is broken (unknown), not the target', async (t) => {
  const r = await ping('127.0.0.1', { count: 1, intervalMs: 200, waitMs: 200, deadlineS: 1 }, new AbortController().signal, 'wardwatch-no-such-ping');
  t.same(r, { kind: 'broken', why: 'wardwatch-no-such-ping is not installed (Debian: iputils-ping)' });
  t.equal(judgePing('10.0.0.1', r, { warnMs: Infinity, warnLoss: 0, waitMs: 200 }).status, 'unknown');
  t.equal(pingFailure('ping: socket: Operation not permitted\n').kind, 'broken');
  t.same(pingFailure('ping: connect: Network is unreachable\n'), { kind: 'unreachable', why: 'network unreachable', errorClass: 'unreachable' });
});

t.test('a probe without ping: its own result is unknown and no target is blamed', async (t) => {
  const spec: IcmpCheckSpec = { name: 'pings', type: 'icmp', targets: [{ host: '127.0.0.1', node: 'kiosk-ob-12' }] };
  const check = icmpCheck.create(spec, ctx);
  const emitted: CheckResult[][] = [];
  if (isListener(check)) await check.listen((r) => emitted.push(r));
  const path = process.env.PATH;
  process.env.PATH = tmpDir(t); // an empty directory: no ping on the PATH
  t.teardown(() => {
    process.env.PATH = path;
  });
  const r = await runOnce(schedule(check, spec));
  process.env.PATH = path;
  t.same(r.outcome, { status: 'unknown', summary: 'ping is not installed (Debian: iputils-ping)', fields: { targets: 1 } });
  t.same(emitted, [], 'no result about kiosk-ob-12');
});

t.test('the abort signal ends a ping at once', async (t) => {
  const controller = new AbortController();
  const started = performance.now();
  // Twenty echoes 200 ms apart take four seconds unless the abort kills ping.
  const pending = ping('127.0.0.1', { count: 20, intervalMs: 200, waitMs: 1000, deadlineS: 10 }, controller.signal);
  setTimeout(() => controller.abort(), 300);
  const r = await pending;
  const took = performance.now() - started;
  t.ok(took >= 250 && took < 1500, `killed after ${Math.round(took)} ms, not waited for`);
  t.not(r.kind, 'broken');
});

t.test('ping output: iputils, a timeout, errors, BusyBox', async (t) => {
  const ok = `PING 10.3.1.21 (10.3.1.21) 56(84) bytes of data.

--- 10.3.1.21 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 402ms
rtt min/avg/max/mdev = 0.412/0.583/0.811/0.167 ms
`;
  t.same(parsePing(ok), { transmitted: 3, received: 3, lossPercent: 0, min: 0.412, avg: 0.583, max: 0.811 });
  const partial = `--- 10.3.1.22 ping statistics ---
5 packets transmitted, 3 received, 40% packet loss, time 4006ms
rtt min/avg/max/mdev = 1.2/2.4/3.9/1.1 ms`;
  t.match(parsePing(partial), { transmitted: 5, received: 3, lossPercent: 40, avg: 2.4 });
  const timeout = `PING 192.0.2.77 (192.0.2.77) 56(84) bytes of data.

--- 192.0.2.77 ping statistics ---
5 packets transmitted, 0 received, 100% packet loss, time 830ms
`;
  t.same(parsePing(timeout), { transmitted: 5, received: 0, lossPercent: 100 });
  const errors = `--- 198.51.100.1 ping statistics ---
1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms`;
  t.same(parsePing(errors), { transmitted: 1, received: 0, lossPercent: 100 });
  const busybox = `--- 10.0.0.1 ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max = 0.043/0.051/0.059 ms`;
  t.match(parsePing(busybox), { received: 3, avg: 0.051 });
  t.equal(parsePing('ping: nosuch.invalid: Name or service not known'), undefined);

  const judge = { warnMs: 2, warnLoss: 0, waitMs: 1000 };
  t.equal(judgePing('a', { kind: 'stats', stats: parsePing(partial)! }, judge).status, 'warning', 'loss is a warning');
  t.equal(judgePing('a', { kind: 'stats', stats: parsePing(ok)! }, { ...judge, warnMs: 0.5 }).status, 'warning', 'slow is a warning');
  t.equal(judgePing('a', { kind: 'stats', stats: parsePing(ok)! }, judge).status, 'ok');
  t.match(judgePing('a', { kind: 'stats', stats: parsePing(timeout)! }, judge), { status: 'critical', summary: 'no reply to 5 echo requests', latencyMs: 1000 });
});

t.test('enough pings at a time for every target to finish within the budget', async (t) => {
  t.equal(parallelism(4, 2000, 9000), 4);
  t.equal(parallelism(40, 2000, 9000), 16);
  t.equal(parallelism(256, 2000, 9000), 72);
  t.ok(Math.ceil(256 / parallelism(256, 2000, 9000)) * 2000 <= 9000, '256 targets in 4 rounds of 2 s');
});

t.test('arguments: numeric, quiet, count, interval, wait, whole-second deadline, host after --', async (t) => {
  t.same(pingArgs('10.3.1.21', { count: 3, intervalMs: 200, waitMs: 1000, deadlineS: 2 }), ['-n', '-q', '-c', '3', '-i', '0.2', '-W', '1', '-w', '2', '--', '10.3.1.21']);
  const { parseYaml } = await import('../../../common/yaml-file.js');
  const bad = parseYaml('name: x\ntype: icmp\ntargets: [{ host: "-f" }]\n', icmpCheck.schema, { displayName: 'c.yaml' });
  t.notOk(bad.ok, 'a host that would read as an option is refused');
});

t.test('item results keep within the protocol: at most 16 labels, the item\'s own kept, values cut to 128', async (t) => {
  const many = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`l${i}`, 'x']));
  const reporter = new ItemReporter({ name: 'pings', type: 'icmp', labels: many }, 'icmp');
  const [r] = reporter.report([{ key: { host: 'h'.repeat(200) }, labels: { kind: 'kiosk' }, status: 'ok', summary: 'ok' }], 1);
  t.equal(Object.keys(r?.labels ?? {}).length, 16);
  t.equal(r?.labels?.host, 'h'.repeat(128));
  t.equal(r?.labels?.kind, 'kiosk');
  t.notOk('l0' in (r?.labels ?? {}) || 'l1' in (r?.labels ?? {}), 'the check\'s labels give way first');
});
