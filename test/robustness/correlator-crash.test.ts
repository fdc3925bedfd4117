// The correlator SIGKILLed in the middle of an alert storm and started again: the broker keeps
// its persistent session (and what arrives meanwhile), the store commits decisions, tickets
// and sequence marks together, and redeliveries are dropped by (agent, seq). Outcome: every
// incident the storm should open is there exactly once, with exactly one ticket.

import t from 'tap';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from '../../protocol/encode.js';
import { topicFor } from '../../protocol/topics.js';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { birth, cpu, metrics } from '../helpers/messages.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { CPU_RULE } from '../helpers/rules.js';
import { eventually, sleep, tmpDir } from '../helpers/tmp.js';

const AGENTS = 60;
const BREACHING = 45; // cpu 95 for 6 samples: one incident each
const CLEARING = 15; // of those, the first 15 then drop to 10: their incidents resolve
const ROUNDS = 10;

function storm(T: number): Array<{ topic: string; payload: Buffer }> {
  const out: Array<{ topic: string; payload: Buffer }> = [];
  for (let a = 0; a < AGENTS; a++) {
    const id = `ws-${String(a).padStart(3, '0')}`;
    out.push({ topic: topicFor('state', 'main', id), payload: encode(birth(id, 1, T, { role: 'terminal' })) });
  }
  // Round-robin, as a real storm interleaves its agents.
  for (let r = 1; r <= ROUNDS; r++) {
    for (let a = 0; a < AGENTS; a++) {
      const id = `ws-${String(a).padStart(3, '0')}`;
      const value = a >= BREACHING ? 40 : a < CLEARING && r > 6 ? 10 : 95;
      out.push({ topic: topicFor('metrics', 'main', id), payload: encode(metrics(id, r, T + r * 1_000, [cpu(value)])) });
    }
  }
  return out;
}

t.test('SIGKILL in the middle of a storm: no incident lost, none doubled, one ticket each', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  mkdirSync(join(dir, 'rules'));
  writeFileSync(join(dir, 'rules', 'cpu.rules.yaml'), `rules:${CPU_RULE}`);
  writeFileSync(join(dir, 'correlator.yaml'), `broker: { url: "${broker.url}" }\nstore: { sqlite: w.db }\nrules: rules\ntick: 200ms\n` +
    // The storm plays ten rounds in ten seconds. With the default windows an alert that fires
    // and clears inside the quiet period after a start (one settling window, 10 s) never opens
    // an incident, by design; short windows keep every condition longer than the windows.
    'correlation: { settle: 1s, resolve_hold: 1s, stale: 1h }\nmetrics: { enabled: false }\n');
  const startCorrelator = async (): Promise<CliProcess> => {
    const c = startCli(t, ['correlator', '--config', join(dir, 'correlator.yaml')], { cwd: dir });
    await c.waitFor(/connected to broker/, 60_000);
    return c;
  };
  const query = <T>(sql: string): T[] => {
    const db = new Database(join(dir, 'w.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };
  const count = (sql: string) => query<{ n: number }>(sql)[0]?.n ?? 0;

  let correlator = await startCorrelator();
  // A correlator opens nothing during its first settling window (a restart must not page on
  // half the picture); the storm starts after it, as it would in a running hospital.
  await sleep(1_500);
  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'storm' });
  t.teardown(() => pub.endAsync());
  const messages = storm(Date.now());
  let sent = 0;
  let killedWith = -1;
  const publishing = (async () => {
    for (const m of messages) {
      await pub.publishAsync(m.topic, m.payload, { qos: 1, retain: m.topic.endsWith('/state') });
      if (++sent % 20 === 0) await sleep(15);
    }
  })();
  // Kill once a third of the incidents are open, while messages keep arriving.
  await eventually(() => count('SELECT count(*) AS n FROM incidents') >= BREACHING / 3, 60_000, 'a third of the storm processed', 5);
  await correlator.kill('SIGKILL');
  killedWith = count('SELECT count(*) AS n FROM incidents');
  t.comment(`killed with ${killedWith} incidents stored, ${sent} of ${messages.length} messages published`);
  t.ok(killedWith < BREACHING, 'killed mid-storm, not after it');
  await sleep(1_000); // the storm goes on while the correlator is down
  correlator = await startCorrelator();
  await publishing;

  const progress = () => `${count('SELECT count(*) AS n FROM incidents')} incidents, ${count(`SELECT count(*) AS n FROM incidents WHERE state = 'resolved'`)} resolved`;
  await eventually(() => count(`SELECT count(*) AS n FROM incidents WHERE state = 'resolved'`) === CLEARING && count('SELECT count(*) AS n FROM incidents') === BREACHING, 90_000, 'the whole storm processed').catch((err: Error) => {
    const marks = query<{ id: string; last_seq: number }>('SELECT id, last_seq FROM agents ORDER BY id').map((r) => `${r.id}:${r.last_seq}`).join(' ');
    throw new Error(`${err.message} (${progress()}); marks ${marks}; correlator output:\n${correlator.output().slice(-2000)}`);
  });
  await sleep(1_500); // anything late (a redelivery that would double something) shows up now
  const incidents = query<{ id: number; root: string; state: string }>('SELECT id, root, state FROM incidents ORDER BY id');
  t.equal(incidents.length, BREACHING, `${BREACHING} incidents`);
  t.equal(new Set(incidents.map((i) => i.root)).size, BREACHING, 'one per breaching agent, none doubled');
  t.same(incidents.map((i) => i.id), Array.from({ length: BREACHING }, (_, i) => i + 1), 'ids without gaps: nothing opened and lost');
  t.same(
    incidents.filter((i) => i.state === 'resolved').map((i) => i.root).sort(),
    Array.from({ length: CLEARING }, (_, a) => `ws-${String(a).padStart(3, '0')}`),
    'exactly the clearing agents resolved',
  );
  const tickets = query<{ incident_id: number; opened: number }>(
    `SELECT t.incident_id, (SELECT count(*) FROM ticket_events e WHERE e.ticket_id = t.id AND e.action = 'opened') AS opened FROM tickets t`,
  );
  t.equal(tickets.length, BREACHING, 'one ticket per incident');
  t.equal(new Set(tickets.map((r) => r.incident_id)).size, BREACHING, 'no incident with two tickets');
  t.ok(tickets.every((r) => r.opened === 1), 'no ticket opened twice');
  const firing = query<{ n: number }>(`SELECT count(*) AS n FROM alerts WHERE state = 'firing'`)[0]?.n;
  t.equal(firing, BREACHING - CLEARING, 'firing alerts match');
  t.match(correlator.output(), /resumed_session=true/, 'the broker kept the correlator session');
  t.equal(await correlator.kill('SIGTERM'), 0);
});
