// Self-metrics: both /metrics outputs pass `promtool check metrics`, and a real Prometheus
// (Debian's package, on a free loopback port) scrapes an agent and a correlator process and
// answers queries about them through its HTTP API. The endpoint binds loopback by default,
// can be turned off, and a taken port never stops the process.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createLogger, silentLogger } from '../../common/log.js';
import { resolveMetricsSection, serveMetrics } from '../../common/metrics-http.js';
import { AgentMetrics } from '../../agent/observe/metrics.js';
import { createCorrelatorMetrics } from '../../correlator/observe/metrics.js';
import { MISNAMED_DEFAULTS, renderRegistry } from '../../correlator/observe/http.js';
import { startCli } from '../helpers/cli.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { promtoolCheckMetrics, startPrometheus } from '../helpers/prometheus.js';
import { eventually, tmpDir } from '../helpers/tmp.js';

t.test('the correlator exposition passes promtool', async (t) => {
  const m = createCorrelatorMetrics({ defaults: true });
  m.messagesReceived.inc({ kind: 'metrics' });
  m.messagesInvalid.inc({ reason: 'schema' });
  m.evaluationSeconds.observe(0.0002);
  m.timeseriesPointsWritten.inc(5000);
  m.timeseriesPointsDropped.inc({ reason: 'buffer-full' }, 3);
  m.timeseriesWriteSeconds.observe(0.04);
  m.timeseriesBacklog.set({ where: 'disk' }, 12);
  m.notifications.inc({ channel: 'wecom', result: 'sent' });
  m.incidentsOpen.set({ priority: 'P1' }, 1);
  const raw = await m.registry.metrics();
  const unfiltered = promtoolCheckMetrics(raw);
  t.not(unfiltered.status, 0, 'prom-client\'s defaults alone trip promtool');
  t.match(unfiltered.output, /nodejs_active_handles_total/);
  const body = await renderRegistry(m.registry);
  const check = promtoolCheckMetrics(body);
  t.equal(check.status, 0, check.output);
  t.equal(check.output, '');
  for (const name of MISNAMED_DEFAULTS) t.notMatch(body, new RegExp(`^${name}`, 'm'));
  t.match(body, /^nodejs_active_handles\{type="/m, 'the per-type figures stay');
  t.match(body, /^wardwatch_timeseries_points_dropped_total\{reason="buffer-full"\} 3$/m);
  t.match(body, /^wardwatch_notifications_total\{channel="wecom",result="sent"\} 1$/m);
  t.match(body, /^process_resident_memory_bytes \d+$/m);
});

t.test('the agent exposition passes promtool', async (t) => {
  const m = new AgentMetrics({ version: '1.2.3', role: 'terminal' });
  const empty = m.render({ connected: false, outbox: 0, outboxDropped: 0 });
  t.equal(promtoolCheckMetrics(empty).status, 0, promtoolCheckMetrics(empty).output);
  m.collected(12, 0.0019);
  m.sent('metrics');
  m.checked([{ check: 'his-web', type: 'http', status: 'critical' }, { check: 'his-web', type: 'http', status: 'critical' }, { check: 'lis', type: 'tcp', status: 'ok' }]);
  const body = m.render({ connected: true, outbox: 3, outboxDropped: 1 });
  const check = promtoolCheckMetrics(body);
  t.equal(check.status, 0, check.output);
  t.equal(check.output, '');
  t.match(body, /^wardwatch_agent_check_results_total\{type="http",status="critical"\} 2$/m);
  t.match(body, /^wardwatch_agent_build_info\{version="1\.2\.3",role="terminal"\} 1$/m);
  t.match(body, /^wardwatch_agent_outbox_messages 3$/m);
  t.match(body, /^process_cpu_seconds_total [\d.e-]+$/m);
});

t.test('the endpoint: loopback by default, 404 elsewhere, off switch, a taken port is not fatal', async (t) => {
  t.same(resolveMetricsSection(undefined, '127.0.0.1:9741'), { enabled: true, host: '127.0.0.1', port: 9741 });
  t.same(resolveMetricsSection({ listen: '[::1]:9100', enabled: false }, '127.0.0.1:9741'), { enabled: false, host: '::1', port: 9100 });
  const port = await freePort();
  const server = await serveMetrics({ enabled: true, host: '127.0.0.1', port }, () => ({ contentType: 'text/plain', body: 'x_total 1\n' }), silentLogger);
  t.ok(server);
  t.teardown(() => server?.close());
  t.equal(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), 'x_total 1\n');
  t.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404);
  t.equal((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status, 405);
  const lines: string[] = [];
  const second = await serveMetrics({ enabled: true, host: '127.0.0.1', port }, () => ({ contentType: 'text/plain', body: '' }), createLogger({ write: (l) => lines.push(l) }));
  t.equal(second, undefined, 'no server…');
  t.match(lines.join('\n'), /WARN .*metrics endpoint not started; carrying on without it\s+listen=127\.0\.0\.1:\d+ error=EADDRINUSE/, '…and a warning that says why');
});

t.test('a real Prometheus scrapes an agent and a correlator and answers queries', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  const agentPort = await freePort();
  const correlatorPort = await freePort();
  writeFileSync(join(dir, 'correlator.yaml'), `broker: { url: "${broker.url}" }\nstore: { sqlite: ww.db }\ntick: 200ms\nmetrics: { listen: "127.0.0.1:${correlatorPort}" }\n`);
  writeFileSync(join(dir, 'agent.yaml'), `agent: { id: metrics-agent, site: main, role: server }\nbroker: { url: "${broker.url}" }\ninterval: 1s\ndata_dir: agent-data\nmetrics: { listen: "127.0.0.1:${agentPort}" }\n`);
  // A second agent with the endpoint off: nothing may listen for it.
  const offPort = await freePort();
  writeFileSync(join(dir, 'quiet.yaml'), `agent: { id: quiet-agent, site: main, role: terminal }\nbroker: { url: "${broker.url}" }\ninterval: 1s\ndata_dir: quiet-data\nmetrics: { enabled: false, listen: "127.0.0.1:${offPort}" }\n`);
  const correlator = startCli(t, ['correlator', '--config', join(dir, 'correlator.yaml')], { cwd: dir });
  await correlator.waitFor(/connected to broker/);
  const agent = startCli(t, ['agent', '--config', join(dir, 'agent.yaml')], { cwd: dir });
  await agent.waitFor(/metrics endpoint listening\s+url=http:\/\/127\.0\.0\.1:\d+\/metrics/);
  const quiet = startCli(t, ['agent', '--config', join(dir, 'quiet.yaml')], { cwd: dir });
  await quiet.waitFor(/connected to broker/);
  t.notMatch(quiet.output(), /metrics endpoint/);
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(offPort, '127.0.0.1', () => resolve()));
  probe.close();
  t.pass('the turned-off endpoint left its port free');

  for (const [port, lint] of [[agentPort, 'agent'], [correlatorPort, 'correlator']] as const) {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const check = promtoolCheckMetrics(await res.text());
    t.equal(check.status, 0, `${lint} output from the live process: ${check.output}`);
  }

  const prom = await startPrometheus(t, { 'wardwatch-agent': [`127.0.0.1:${agentPort}`], 'wardwatch-correlator': [`127.0.0.1:${correlatorPort}`] });
  const received = await eventually(async () => {
    const r = await prom.query('sum(wardwatch_messages_received_total{job="wardwatch-correlator",kind="metrics"})');
    return Number(r[0]?.value[1] ?? 0) > 0 ? r : undefined;
  }, 20_000, 'the correlator\'s message count in Prometheus');
  t.ok(Number(received[0]?.value[1]) > 0, `correlator: ${received[0]?.value[1]} metrics messages received`);
  const collections = await eventually(async () => {
    const r = await prom.query('wardwatch_agent_collections_total{job="wardwatch-agent"}');
    return Number(r[0]?.value[1] ?? 0) > 0 ? r : undefined;
  }, 20_000, 'the agent\'s collections in Prometheus');
  t.equal(collections[0]?.metric.instance, `127.0.0.1:${agentPort}`);
  const up = await prom.query('up');
  t.same(up.map((u) => [u.metric.job, u.value[1]]).sort(), [['wardwatch-agent', '1'], ['wardwatch-correlator', '1']]);
  const rss = await prom.query('process_resident_memory_bytes{job="wardwatch-agent"}');
  t.ok(Number(rss[0]?.value[1]) > 10e6, 'process metrics of the agent');

  await agent.kill('SIGTERM');
  await quiet.kill('SIGTERM');
  t.equal(await correlator.kill('SIGTERM'), 0);
});
