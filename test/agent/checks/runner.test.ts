import t from 'tap';
import { createServer, type Server } from 'node:net';
import { silentLogger } from '../../../common/log.js';
import { tcpCheck } from '../../../agent/checks/tcp.js';
import { CheckRunner, schedule, runOnce } from '../../../agent/checks/runner.js';
import { RollingWindow } from '../../../agent/checks/stats.js';
import type { CheckResult } from '../../../protocol/schema.js';
import { freePort } from '../../helpers/ports.js';
import { Engine } from '../../../correlator/engine/engine.js';
import { rulesFrom } from '../../helpers/rules.js';

const ctx = { agentId: 'probe-01', dataDir: '/nonexistent', log: silentLogger };

async function listen(port: number): Promise<Server> {
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return server;
}

t.test('tcp: open port ok, closed port critical, both with a summary', async (t) => {
  const port = await freePort();
  const server = await listen(port);
  const s = schedule(tcpCheck.create({ name: 'his-app-port', type: 'tcp', host: '127.0.0.1', port }, ctx), { name: 'his-app-port', type: 'tcp' });
  const up = await runOnce(s);
  t.equal(up.outcome.status, 'ok');
  t.match(up.outcome.summary, /^connected in \d+ ms$/);
  t.equal(up.outcome.target, `tcp://127.0.0.1:${port}`);
  await new Promise((r) => server.close(r));
  const down = await runOnce(s);
  t.equal(down.outcome.status, 'critical');
  t.equal(down.outcome.summary, 'cannot connect: ECONNREFUSED');
});

t.test('a check that does not answer in time is critical; one that throws is unknown', async (t) => {
  const hang = schedule({ name: 'hang', type: 'test', run: (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))) }, { name: 'hang', type: 'test', timeout: '100ms' });
  const r = await runOnce(hang);
  t.equal(r.outcome.status, 'critical');
  t.equal(r.outcome.summary, 'no answer within 100 ms');
  t.ok(r.durationMs >= 95 && r.durationMs < 1000);
  const broken = schedule({ name: 'broken', type: 'test', run: async () => { throw new Error('no driver'); } }, { name: 'broken', type: 'test' });
  t.same((await runOnce(broken)).outcome, { status: 'unknown', summary: 'check failed: no driver' });
});

t.test('rolling window: error rate, mean and p95 over the window only', async (t) => {
  const w = new RollingWindow(60_000);
  for (let i = 0; i < 19; i++) w.add(i * 1000, true, 100);
  const f = w.add(19_000, false, 5000);
  t.same(f, { runs: 20, error_rate_percent: 5, latency_mean_ms: 345, latency_p95_ms: 100 });
  const later = w.add(70_000, true, 200);
  t.equal(later.runs, 10, 'runs at or before 70 s - 60 s dropped: 11..19 and the new one remain');
});

t.test('results are batched into one events message with the rolling figures', async (t) => {
  const port = await freePort();
  const server = await listen(port);
  t.teardown(() => server.close());
  const published: Array<{ results: CheckResult[]; ts: number }> = [];
  const specs = ['a', 'b'].map((name) => ({ name, type: 'tcp', host: '127.0.0.1', port, labels: { service: 'his' } }));
  const runner = new CheckRunner(specs.map((spec) => schedule(tcpCheck.create(spec as never, ctx), spec)), { agentId: 'probe-01', log: silentLogger, publish: (results, ts) => published.push({ results, ts }), flushMs: 50 });
  const checks = (runner as unknown as { checks: Parameters<CheckRunner['runAndReport']>[0][] }).checks;
  await Promise.all(checks.map((c) => runner.runAndReport(c)));
  await new Promise((r) => setTimeout(r, 100));
  t.equal(published.length, 1, 'one message for both results');
  t.same(published[0]?.results.map((r) => [r.check, r.status, r.labels?.service, r.fields?.error_rate_percent]), [['a', 'ok', 'his', 0], ['b', 'ok', 'his', 0]]);
  await runner.stop();
});

t.test('the correlator sees check results as check.* samples', async (t) => {
  const e = new Engine(rulesFrom(`rules:
  - id: his-port-down
    kind: threshold
    title: "{check} on {node}: port not answering"
    priority: P2
    metric: check.status_level
    where: { check: his-app-port }
    op: ">="
    value: 2
    for: 2
`));
  const ev = (seq: number, status: 'ok' | 'critical') => ({
    type: 'message' as const,
    at: seq * 1000,
    message: { v: 1 as const, kind: 'events' as const, agent: 'probe-01', site: 'main', seq, ts: seq * 1000, events: [{ check: 'his-app-port', type: 'tcp', status, summary: 'x', duration_ms: 3 }] },
  });
  t.same(e.handle(ev(1, 'critical')), []);
  const fired = e.handle(ev(2, 'critical'));
  t.same(fired.map((d) => d.type), ['alert.firing', 'incident.opened']);
  t.equal(e.openIncidents()[0]?.title, 'his-app-port on probe-01: port not answering');
  t.same(e.handle(ev(3, 'ok')).map((d) => d.type), ['alert.resolved', 'incident.resolved']);
});
