// Hostile input at every layer: decode() alone, the pipeline (engine and a real SQLite store),
// and a running correlator behind a real Mosquitto. Nothing throws, nothing stops, every reject
// is counted by reason, the log stays rate-limited, and memory stays bounded.

import t from 'tap';
import fc from 'fast-check';
import mqtt from 'mqtt';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../common/log.js';
import { resolveCorrelatorConfig } from '../../correlator/config/load.js';
import { Engine } from '../../correlator/engine/engine.js';
import { Pipeline } from '../../correlator/ingest/pipeline.js';
import { startCorrelator } from '../../correlator/main.js';
import { createCorrelatorMetrics } from '../../correlator/observe/metrics.js';
import { SqliteStore } from '../../correlator/store/sqlite.js';
import { decode, REJECT_CODES } from '../../protocol/decode.js';
import { hostileInput, type Input } from '../helpers/hostile.js';
import { cpu, metrics as metricsMessage } from '../helpers/messages.js';
import { startCli } from '../helpers/cli.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { CPU_RULE, OFFLINE_RULE, rulesFrom } from '../helpers/rules.js';
import { eventually, tmpDir } from '../helpers/tmp.js';

async function counts(registry: { getSingleMetricAsString(name: string): Promise<string> }, name: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await registry.getSingleMetricAsString(name)).split('\n')) {
    const m = /^\w+(?:\{reason="([^"]+)"\})? (\d+)/.exec(line);
    if (m) out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

function expectedRejects(inputs: Input[]): Map<string, number> {
  const want = new Map<string, number>();
  for (const i of inputs) {
    const d = decode(i.topic, i.payload);
    if (!d.ok) want.set(d.code, (want.get(d.code) ?? 0) + 1);
  }
  return want;
}

t.test('decode: never throws, always a known reject code or a message that matches its topic', async (t) => {
  let tried = 0;
  const started = performance.now();
  fc.assert(
    fc.property(hostileInput, (input) => {
      tried++;
      const d = decode(input.topic, input.payload);
      if (!d.ok) return (REJECT_CODES as readonly string[]).includes(d.code) && d.detail.length <= 200 && (input.label !== 'oversized' || d.code === 'too-large');
      return d.message.agent === d.topic.agentId && d.message.site === d.topic.site && d.message.kind === d.topic.kind;
    }),
    { numRuns: 3_000, seed: 7 },
  );
  t.comment(`decode: ${tried} generated inputs in ${Math.round(performance.now() - started)} ms`);
  t.ok(tried >= 3_000);
  // Targeted cases the generators may only reach by luck.
  const T = 1_763_773_200_000;
  const topic = 'wardwatch/v1/main/ws-001/metrics';
  const msg = { v: 1, kind: 'metrics', agent: 'ws-001', site: 'main', seq: 1, ts: T, samples: [] };
  const code = (p: unknown) => {
    const d = decode(topic, Buffer.from(typeof p === 'string' ? p : JSON.stringify(p)));
    return d.ok ? 'ok' : d.code;
  };
  t.equal(code({ ...msg, v: 2 }), 'bad-version');
  t.equal(code({ ...msg, seq: -1 }), 'schema');
  t.equal(code({ ...msg, seq: 1.5 }), 'schema');
  t.equal(code({ ...msg, seq: 2 ** 60 }), 'schema', 'sequence numbers beyond 2^53 are refused');
  t.equal(code({ ...msg, ts: 1e300 }), 'schema');
  t.equal(code({ ...msg, __proto__: { x: 1 }, extra: 1 }), 'schema');
  t.equal(code('{"v":1,"kind":"metrics","__proto__":{"polluted":true}}'), 'schema');
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  t.equal(code('['.repeat(400_000) + ']'.repeat(400_000)), 'too-large');
  t.equal(code('['.repeat(200_000) + ']'.repeat(200_000)), 'schema', 'deep nesting is parsed or refused, never a crash');
});

/** A pipeline on a real SQLite store, with its metrics and every log line kept. */
function pipelineHarness(t: Parameters<typeof tmpDir>[0], clock: () => number, maxAgents?: number) {
  const store = new SqliteStore(join(tmpDir(t), 'w.db'));
  t.teardown(() => store.close());
  const metrics = createCorrelatorMetrics();
  const lines: string[] = [];
  const engine = new Engine(rulesFrom(`rules:${CPU_RULE}${OFFLINE_RULE}`));
  const pipeline = new Pipeline({ engine, store, sinks: [], metrics, log: createLogger({ write: (l) => lines.push(l) }), clock, ...(maxAgents !== undefined ? { maxAgents } : {}) });
  return { store, metrics, lines, engine, pipeline };
}

t.test('pipeline: engine and store take anything, count every reject, keep incidents consistent', async (t) => {
  let now = 1_763_773_200_000;
  const { store, metrics, lines, pipeline } = pipelineHarness(t, () => now);
  const inputs = fc.sample(hostileInput, { numRuns: 2_000, seed: 11 });
  for (const [i, input] of inputs.entries()) {
    now += 250;
    await pipeline.message(input.topic, input.payload);
    if (i % 100 === 0) await pipeline.tick();
  }
  await pipeline.flushMarks();
  await pipeline.drain();
  const want = expectedRejects(inputs);
  t.same(Object.fromEntries(await counts(metrics.registry, 'wardwatch_messages_invalid_total')), Object.fromEntries(want), 'each reject counted under its reason');
  const rejected = [...want.values()].reduce((a, b) => a + b, 0);
  const rejectLines = lines.filter((l) => l.includes('message rejected')).length;
  t.ok(rejectLines <= want.size, `log rate-limited: ${rejectLines} lines for ${rejected} rejects`);
  const list = await store.listIncidents({ state: 'all', limit: 10_000 });
  t.ok(list.every((l) => l.ticket), 'every incident has its ticket');
  t.equal(new Set(list.map((l) => l.incident.id)).size, list.length);
  t.comment(`pipeline: ${inputs.length} inputs, ${rejected} rejected, ${list.length} incidents, ${(await counts(metrics.registry, 'wardwatch_messages_duplicate_total')).get('') ?? 0} redeliveries dropped`);
});

t.test('pipeline: agents beyond max_agents are refused and counted; known agents still get through', async (t) => {
  const T = 1_763_773_200_000;
  const { metrics, lines, engine, pipeline } = pipelineHarness(t, () => T, 3);
  const send = (agent: string, seq: number, value: number) => pipeline.message(`wardwatch/v1/main/${agent}/metrics`, Buffer.from(JSON.stringify(metricsMessage(agent, seq, T + seq, [cpu(value)]))));
  for (let n = 1; n <= 20; n++) await send(`ws-${String(n).padStart(3, '0')}`, 1, 10);
  await send('ws-001', 2, 10);
  await pipeline.drain();
  t.same([...engine.fleet.agents.keys()], ['ws-001', 'ws-002', 'ws-003'], 'the first three are tracked, no more');
  t.equal(engine.fleet.get('ws-001')?.lastSeq, 2, 'a tracked agent is still heard');
  t.equal((await counts(metrics.registry, 'wardwatch_messages_invalid_total')).get('fleet-full'), 17, 'every refusal counted');
  const logged = lines.filter((l) => l.includes('fleet-full'));
  t.equal(logged.length, 1, 'one log line for the burst');
  t.match(logged[0], /ws-004 would be one more than max_agents \(3\)/);
});

t.test('a running correlator behind a real Mosquitto: stays up, counts, bounded memory', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'r.rules.yaml'), `rules:${CPU_RULE}${OFFLINE_RULE}`);
  // Two correlators on the same stream: one in this process (its metrics registry gives the
  // exact counts), one as its own process (its memory high-water mark is its own).
  const lines: string[] = [];
  const config = resolveCorrelatorConfig({ broker: { url: broker.url }, store: { sqlite: 'w.db' }, rules: 'rules', tick: '200ms' }, dir);
  const correlator = await startCorrelator(config, createLogger({ write: (l) => lines.push(l) }));
  t.teardown(() => correlator.stop());
  await correlator.subscriber.ready;
  writeFileSync(join(dir, 'correlator.yaml'), `broker: { url: "${broker.url}", client_id: fuzz-process }\nstore: { sqlite: p.db }\nrules: rules\ntick: 200ms\n`);
  const proc = startCli(t, ['correlator', '--config', join(dir, 'correlator.yaml')], { cwd: dir });
  await proc.waitFor(/connected to broker/, 60_000);
  const hwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.proc.pid}/status`, 'utf8'))?.[1]) / 1024;
  const hwmBefore = hwm();

  const inputs = fc.sample(hostileInput, { numRuns: 1_500, seed: 23 }).filter((i) => !/[#+\u0000]/.test(i.topic) && i.topic.length > 0);
  const routed = inputs.filter((i) => /^wardwatch\/v1\/[^/]+\/[^/]+\/[^/]+$/.test(i.topic)); // what the subscription receives
  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'fuzzer' });
  t.teardown(() => pub.endAsync());
  const started = Date.now();
  for (let i = 0; i < inputs.length; i += 25) await Promise.all(inputs.slice(i, i + 25).map((input) => pub.publishAsync(input.topic, input.payload, { qos: 1 })));
  const want = expectedRejects(routed);
  const total = [...want.values()].reduce((a, b) => a + b, 0);
  await eventually(async () => [...(await counts(correlator.metrics.registry, 'wardwatch_messages_invalid_total')).values()].reduce((a, b) => a + b, 0) >= total, 60_000, 'all rejects counted');
  await correlator.pipeline.drain();
  t.same(Object.fromEntries(await counts(correlator.metrics.registry, 'wardwatch_messages_invalid_total')), Object.fromEntries(want), 'counted by reason, exactly');
  t.ok(correlator.subscriber.client.connected, 'still connected and consuming');
  const rejectLines = lines.filter((l) => l.includes('message rejected')).length;
  const windows = Math.ceil((Date.now() - started) / 10_000);
  t.ok(rejectLines <= want.size * windows, `log rate-limited: ${rejectLines} lines for ${total} rejects`);

  // The separate process got the same stream: alive, logging little, memory bounded.
  await eventually(() => (proc.output().match(/message rejected/g) ?? []).length >= want.size, 30_000, 'the process saw the rejects');
  await new Promise((r) => setTimeout(r, 1_000));
  t.equal(proc.proc.exitCode, null, 'the correlator process is still running');
  const after = hwm();
  t.ok(after < 400, `its RSS high-water mark stayed bounded (${after.toFixed(1)} MiB)`);
  t.notMatch(proc.output(), /internal error/, 'no internal errors');
  t.comment(`live correlator: ${inputs.length} messages over Mosquitto in ${Date.now() - started} ms, ${total} rejected; correlator process RSS high-water ${hwmBefore.toFixed(1)} MiB before, ${after.toFixed(1)} MiB after`);
  t.equal(await proc.kill('SIGTERM'), 0);
});
