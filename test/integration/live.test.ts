// The correlator live: rules and topology reload on file change (and a broken file is
// rejected with the running set kept), and a recording of its input replays to the same
// incidents.

import t from 'tap';
import mqtt from 'mqtt';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../common/log.js';
import { resolveCorrelatorConfig } from '../../correlator/config/load.js';
import { startCorrelator } from '../../correlator/main.js';
import { Engine } from '../../correlator/engine/engine.js';
import { replay, parseLine } from '../../correlator/replay/replay.js';
import { loadRules } from '../../correlator/rule-tools/load.js';
import { loadTopology } from '../../correlator/topology/load.js';
import { encode } from '../../protocol/encode.js';
import { topicFor } from '../../protocol/topics.js';
import { birth, cpu, metrics, will } from '../helpers/messages.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { eventually, tmpDir } from '../helpers/tmp.js';

const RULE = (threshold: number) => `rules:
  - { id: cpu-high, kind: threshold, title: "CPU on {node}", priority: P3, metric: cpu.usage_percent, op: ">", value: ${threshold} }
  - { id: down, kind: offline, title: "{node} down", priority: P2, after: 3 }
`;
const TOPOLOGY = (extra = '') => `nodes:
  - { id: sw-1, kind: switch }
  - { id: app-01, kind: app, depends_on: [sw-1] }
${extra}`;

t.test('reload on file change; a broken file keeps the running set; the recording replays the same incidents', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'r.rules.yaml'), RULE(90));
  writeFileSync(join(dir, 'hospital.topology.yaml'), TOPOLOGY());
  const lines: string[] = [];
  const log = createLogger({ level: 'info', write: (l) => lines.push(l) });
  const config = resolveCorrelatorConfig(
    { broker: { url: broker.url }, store: { sqlite: 'w.db' }, rules: 'rules', topology: 'hospital.topology.yaml', record: 'recorded.jsonl', tick: '200ms', correlation: { settle: '1s', resolve_hold: '0s' } },
    dir,
  );
  const correlator = await startCorrelator(config, log);
  t.teardown(() => correlator.stop());
  await correlator.subscriber.ready;
  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'live-test' });
  t.teardown(() => pub.endAsync());
  const send = (m: Parameters<typeof encode>[0]) => pub.publishAsync(topicFor(m.kind, m.site, m.agent), encode(m), { qos: 1 });
  const T = Date.now();
  await send(birth('app-01', 1, T, { intervalS: 3600 }));
  await send(birth('sw-1', 1, T, { intervalS: 3600 }));
  await send(metrics('app-01', 1, T, [cpu(85)]));
  await correlator.pipeline.drain();
  t.equal(correlator.engine.firingAlerts().length, 0, '85% is under the threshold of 90');

  // A rule edit is picked up without a signal.
  writeFileSync(join(dir, 'rules', 'r.rules.yaml'), RULE(80));
  await eventually(() => lines.some((l) => l.includes('rules reloaded')), 10_000, 'the reload');
  await send(metrics('app-01', 2, Date.now(), [cpu(85)]));
  const opened = await eventually(async () => (await correlator.store.listIncidents({ state: 'open' }))[0], 10_000, 'an incident');
  t.equal(opened.incident.root, 'app-01');

  // A broken rule file is rejected; the running rules and the open incident stay.
  lines.length = 0;
  writeFileSync(join(dir, 'rules', 'r.rules.yaml'), 'rules:\n  - { id: cpu-high, kind: threshold }\n');
  await eventually(() => lines.some((l) => l.includes('reload rejected')), 10_000, 'the rejection');
  t.ok(lines.some((l) => /r\.rules\.yaml:2:\d+: rules\[0\]: missing required keys/.test(l)), 'the log says where and what');
  t.equal(correlator.engine.rules.rules.length, 2, 'the running rules stay');
  t.equal(correlator.engine.openIncidents().length, 1, 'the open incident stays');
  t.equal(await correlator.metrics.registry.getSingleMetricAsString('wardwatch_rules_last_reload_success').then((s) => s.trim().split(' ').pop()), '0');

  // A topology edit: the switch is now upstream of a new node, and its failure is the root.
  writeFileSync(join(dir, 'rules', 'r.rules.yaml'), RULE(80));
  writeFileSync(join(dir, 'hospital.topology.yaml'), TOPOLOGY('  - { id: ws-9, kind: terminal, depends_on: [sw-1] }\n'));
  await eventually(() => correlator.engine.topology.node('ws-9'), 10_000, 'the topology reload');
  await send(will('sw-1', 1, T));
  await eventually(async () => (await correlator.store.listIncidents({ state: 'open' })).find((i) => i.incident.root === 'sw-1'), 10_000, 'the switch incident');
  const open = await correlator.store.listIncidents({ state: 'open' });
  t.same(open.map((i) => i.incident.root), ['sw-1'], 'the late root took over the app incident');

  // Replay of what the correlator recorded gives the same incidents.
  await correlator.pipeline.drain();
  const recorded = readFileSync(join(dir, 'recorded.jsonl'), 'utf8').trim().split('\n');
  t.ok(recorded.length >= 5, `${recorded.length} lines recorded`);
  const rules = loadRules(join(dir, 'rules'));
  const topo = loadTopology(join(dir, 'hospital.topology.yaml'));
  if (!rules.ok || !topo.ok) throw new Error('test files invalid');
  const engine = new Engine(rules.ruleSet, { topology: topo.topology, settleMs: 1000, resolveHoldMs: 0 });
  const result = replay(engine, recorded.map((l, i) => parseLine(l, i + 1)), { tailMs: 5_000 });
  t.same(result.incidents.filter((i) => i.state === 'open').map((i) => i.root), ['sw-1'], 'replay: the same open incident');
});
