// The correlator's ingest against a real Mosquitto: whatever arrives on its topics, it stays
// up, counts each reject by reason, and keeps processing the good messages around them.

import t from 'tap';
import mqtt from 'mqtt';
import { join } from 'node:path';
import { silentLogger } from '../../common/log.js';
import { resolveCorrelatorConfig } from '../../correlator/config/load.js';
import { startCorrelator } from '../../correlator/main.js';
import { encode } from '../../protocol/decode.js';
import { topicFor } from '../../protocol/topics.js';
import { birth, cpu, metrics } from '../helpers/messages.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { eventually, tmpDir } from '../helpers/tmp.js';
import { writeFileSync, mkdirSync } from 'node:fs';
import { CPU_RULE } from '../helpers/rules.js';

async function counter(registry: { getSingleMetricAsString(name: string): Promise<string> }, name: string, label = ''): Promise<number> {
  const text = await registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(label));
  return line ? Number(line.split(' ').pop()) : 0;
}

t.test('bad messages are counted and dropped; good ones around them still open an incident', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'cpu.rules.yaml'), `rules:${CPU_RULE}`);
  const config = resolveCorrelatorConfig({ broker: { url: broker.url }, store: { sqlite: 'w.db' }, rules: 'rules', tick: '200ms', correlation: { settle: '500ms' } }, dir);
  const correlator = await startCorrelator(config, silentLogger);
  t.teardown(() => correlator.stop());
  await correlator.subscriber.ready;

  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'test-publisher' });
  t.teardown(() => pub.endAsync());
  const topic = topicFor('metrics', 'main', 'his-app-01');
  const T = Date.now();
  await pub.publishAsync(topicFor('state', 'main', 'his-app-01'), encode(birth('his-app-01', 1, T)), { qos: 1, retain: true });
  await pub.publishAsync(topic, encode(metrics('his-app-01', 1, T, [cpu(95)])), { qos: 1 });
  await pub.publishAsync(topic, Buffer.from('{"v":1,"kind":"metr'), { qos: 1 });
  await pub.publishAsync(topic, encode(metrics('his-app-02', 2, T, [cpu(95)])), { qos: 1 }); // another agent's id
  await pub.publishAsync(topic, Buffer.from(JSON.stringify({ ...metrics('his-app-01', 3, T, [cpu(95)]), v: 9 })), { qos: 1 });
  await pub.publishAsync(topic, Buffer.alloc(700 * 1024, 0x41), { qos: 1 });
  await pub.publishAsync(topic, encode(metrics('his-app-01', 2, T + 1, [cpu(96)])), { qos: 1 });
  await pub.publishAsync(topic, encode(metrics('his-app-01', 2, T + 1, [cpu(96)])), { qos: 1 }); // redelivery
  await pub.publishAsync(topic, encode(metrics('his-app-01', 3, T + 2, [cpu(97)])), { qos: 1 });

  const incidents = await eventually(async () => {
    const list = await correlator.store.listIncidents();
    return list.length === 1 ? list : undefined;
  }, 10_000, 'one incident');
  t.equal(incidents[0]?.incident.title, 'CPU above 90% on his-app-01 (97%)');
  t.equal(incidents[0]?.ticket?.state, 'open');
  const reg = correlator.metrics.registry;
  t.equal(await counter(reg, 'wardwatch_messages_invalid_total', 'reason="bad-json"'), 1);
  t.equal(await counter(reg, 'wardwatch_messages_invalid_total', 'reason="identity"'), 1);
  t.equal(await counter(reg, 'wardwatch_messages_invalid_total', 'reason="bad-version"'), 1);
  t.equal(await counter(reg, 'wardwatch_messages_invalid_total', 'reason="too-large"'), 1);
  t.equal(await counter(reg, 'wardwatch_messages_duplicate_total'), 1);
  t.equal(await counter(reg, 'wardwatch_tickets_opened_total'), 1);
});
