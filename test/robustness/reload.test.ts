// A broken rule file never takes a running correlator down: SIGHUP with errors in the rules
// keeps the old rule set (which goes on opening incidents), logs where the errors are, and
// a corrected file is then taken on the next SIGHUP.

import t from 'tap';
import mqtt from 'mqtt';
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from '../../protocol/encode.js';
import { topicFor } from '../../protocol/topics.js';
import { startCli } from '../helpers/cli.js';
import { birth, cpu, metrics } from '../helpers/messages.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { CPU_RULE } from '../helpers/rules.js';
import { eventually, tmpDir } from '../helpers/tmp.js';

t.test('SIGHUP with a broken rule file keeps the running rules', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  mkdirSync(join(dir, 'rules'));
  const ruleFile = join(dir, 'rules', 'cpu.rules.yaml');
  writeFileSync(ruleFile, `rules:${CPU_RULE}`);
  writeFileSync(join(dir, 'correlator.yaml'), `broker: { url: "${broker.url}" }\nstore: { sqlite: w.db }\nrules: rules\n`);
  const correlator = startCli(t, ['correlator', '--config', join(dir, 'correlator.yaml')], { cwd: dir });
  await correlator.waitFor(/connected to broker/, 60_000);

  const broken = [
    'rules:\n  - id: cpu-high\n    kind: threshold\n    title: CPU\n    priority: P3\n    metric: cpu.usage_prcent\n    op: ">"\n    value: 90\n', // unknown metric
    'rules:\n  - id: [unclosed\n', // not YAML
    'rules: 42\n', // wrong shape
    '\u0000\u0001binary garbage',
  ];
  const rejections = () => (correlator.output().match(/reload rejected; the running rules/g) ?? []).length;
  for (const [i, text] of broken.entries()) {
    const before = rejections();
    writeFileSync(ruleFile, text);
    correlator.proc.kill('SIGHUP');
    await eventually(() => rejections() > before, 30_000, `rejection ${i + 1}`);
  }
  t.match(correlator.output(), /cpu\.rules\.yaml:6:13: rules\[0\]\.metric: .*"usage_prcent"; did you mean "cpu\.usage_percent"/, 'the error names file, line and column');
  t.match(correlator.output(), /cpu\.rules\.yaml:1:8: rules: expected a list, got 42/);
  t.notMatch(correlator.output(), /^\s+at /m, 'no stack trace');

  // The same broken file reloaded again (a save and a SIGHUP both fire): its errors are listed once.
  const listed = () => (correlator.output().match(/cpu\.rules\.yaml:1:8: rules: expected a list, got 42/g) ?? []).length;
  const again = () => (correlator.output().match(/reload rejected again with the same errors/g) ?? []).length;
  const listedBefore = listed();
  writeFileSync(ruleFile, 'rules: 42\n');
  correlator.proc.kill('SIGHUP');
  await eventually(() => listed() > listedBefore, 30_000, 'the errors listed');
  const againBefore = again();
  correlator.proc.kill('SIGHUP');
  await eventually(() => again() > againBefore, 30_000, 'the repeat noted');
  t.equal(listed(), listedBefore + 1, 'listed once, not once per reload');
  t.equal(correlator.proc.exitCode, null, 'still running');

  // The old rule set still works.
  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'reload-test' });
  t.teardown(() => pub.endAsync());
  const T = Date.now();
  await pub.publishAsync(topicFor('state', 'main', 'lis-app-01'), encode(birth('lis-app-01', 1, T)), { qos: 1 });
  for (let s = 1; s <= 3; s++) await pub.publishAsync(topicFor('metrics', 'main', 'lis-app-01'), encode(metrics('lis-app-01', s, T + s, [cpu(97)])), { qos: 1 });
  const titles = () => {
    const db = new Database(join(dir, 'w.db'), { readonly: true });
    try {
      return (db.prepare('SELECT title FROM incidents').all() as Array<{ title: string }>).map((r) => r.title);
    } finally {
      db.close();
    }
  };
  await eventually(() => titles().length === 1, 30_000, 'incident from the old rules');
  t.match(titles()[0], /CPU above 90% on lis-app-01/);

  // A corrected file is taken.
  writeFileSync(ruleFile, `rules:${CPU_RULE.replace('cpu-high', 'cpu-very-high')}`);
  correlator.proc.kill('SIGHUP');
  await correlator.waitFor(/rules reloaded/, 30_000);
  t.equal(await correlator.kill('SIGTERM'), 0);
});
