// The agent process end to end with inspections: the built `wardwatch agent` against a real
// Mosquitto, with an interval check, a cron-scheduled inspection, and a nightly inspection
// whose 01:00 slot passed while the agent was down. The missed run and the results arrive as
// events on the broker.

import t from 'tap';
import mqtt from 'mqtt';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventsMessage } from '../../../protocol/schema.js';
import { startCli } from '../../helpers/cli.js';
import { startMosquitto } from '../../helpers/mosquitto.js';
import { eventually, tmpDir } from '../../helpers/tmp.js';
import { startHis } from '../checks/his-server.js';

t.test('missed run, inspection and interval check results reach the broker', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  const his = await startHis();
  t.teardown(() => his.close());
  mkdirSync(join(dir, 'backups'));
  writeFileSync(join(dir, 'backups', 'his-full-20250602.dump'), Buffer.alloc(2048, 1));
  mkdirSync(join(dir, 'data'));
  const due = new Date(2025, 5, 2, 1, 0, 0).getTime();
  writeFileSync(join(dir, 'data', 'inspections.json'), JSON.stringify({ 'nightly-backup': { schedule: '0 1 * * *', last_run: due - 86_400_000, next_due: due } }));
  writeFileSync(
    join(dir, 'agent.yaml'),
    `agent: { id: e2e-insp-01, site: main, role: server }
broker: { url: "${broker.url}" }
interval: 60s
data_dir: data
checks:
  - { name: nightly-backup, type: backup, path: backups, pattern: "his-full-*.dump", max_age: 26h, schedule: "0 1 * * *" }
  - { name: backup-every-second, type: backup, path: backups, max_age: 1h, schedule: "* * * * * *" }
  - { name: his-health, type: http, url: "${his.url}/health", interval: 1s, expect: { json: [{ path: $.status, equals: UP }] } }
`,
  );
  const events: EventsMessage['events'] = [];
  const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'e2e-insp-listener' });
  t.teardown(() => sub.endAsync());
  await sub.subscribeAsync('wardwatch/v1/main/e2e-insp-01/events', { qos: 1 });
  sub.on('message', (_topic, payload) => events.push(...(JSON.parse(payload.toString()) as EventsMessage).events));

  const agent = startCli(t, ['agent', '--config', join(dir, 'agent.yaml')], { cwd: dir });
  await agent.waitFor(/agent started/, 20_000);
  const missed = await eventually(() => events.find((e) => e.check === 'nightly-backup'), 15_000, 'the missed-run event');
  t.equal(missed.status, 'warning');
  t.match(missed.summary, /^missed run scheduled at 2025-06-02 01:00 [+-]\d\d:\d\d \(the agent was not running\)$/);
  t.equal(missed.fields?.missed_runs, 1);
  const insp = await eventually(() => events.find((e) => e.check === 'backup-every-second'), 10_000, 'an inspection result');
  t.equal(insp.status, 'ok');
  t.match(insp.summary, /^newest his-full-20250602\.dump, \d+ min old, 2\.0 KB$/);
  const health = await eventually(() => events.find((e) => e.check === 'his-health'), 10_000, 'an http result');
  t.equal(health.status, 'ok');
  t.equal(health.fields?.status_code, 200);
  t.equal(await agent.kill('SIGTERM'), 0, 'a clean stop');
});
