// `wardwatch up` as a person runs it: it starts, its own agent reports, it stops on SIGTERM.

import t from 'tap';
import Database from 'better-sqlite3';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { eventually, tmpDir } from '../helpers/tmp.js';

function agentRows(dbPath: string): Array<{ id: string; online: number; last_seq: number }> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`SELECT id, online, last_seq FROM agents WHERE site != ''`).all() as Array<{ id: string; online: number; last_seq: number }>;
  } finally {
    db.close();
  }
}

t.test('up starts, its agent reports, and SIGTERM stops it cleanly', async (t) => {
  const dir = tmpDir(t);
  const port = await freePort();
  const up = startCli(t, ['up', '--port', String(port), '--interval', '1s'], { cwd: dir });
  await up.waitFor(/Ctrl-C to stop/); // the banner's last line: everything before it has arrived
  t.match(up.output(), new RegExp(`broker\\s+mqtt://127\\.0\\.0\\.1:${port} \\(embedded, loopback only\\)`));
  const dbPath = join(dir, 'wardwatch-data', 'wardwatch.db');
  t.match(up.output(), /store\s+\S+wardwatch-data\/wardwatch\.db/, 'data goes under ./wardwatch-data by default');
  t.match(up.output(), /settling\s+none opens in the first 10s; an alert that may be a symptom waits 10s for its root cause/, 'the settling window is no surprise');
  // The agent's birth is stored at once; its metrics advance the sequence mark (flushed every 2 s).
  const rows = await eventually(() => {
    const r = agentRows(dbPath);
    return r.length === 1 && r[0]!.online === 1 && r[0]!.last_seq >= 2 ? r : undefined;
  }, 15_000, 'the local agent to report');
  t.equal(rows[0]?.online, 1);
  const code = await up.kill('SIGTERM');
  t.equal(code, 0, 'exit status 0');
  t.match(up.output(), /correlator stopped/);
  t.match(up.output(), /agent stopped/);
  t.notMatch(up.output(), /OPEN/, 'stopping does not open an incident about itself');
});

t.test('up takes a free port when the one asked for is in use', async (t) => {
  const dir = tmpDir(t);
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  t.teardown(() => busy.close());
  const taken = (busy.address() as { port: number }).port;
  const up = startCli(t, ['up', '--port', String(taken), '--interval', '1s'], { cwd: dir });
  const [, other] = await up.waitFor(/port \d+ is already in use \(another MQTT broker\?\); the embedded broker took port (\d+)/);
  t.not(Number(other), taken);
  await up.waitFor(/Ctrl-C to stop/); // the banner's last line: everything before it has arrived
  await up.waitFor(new RegExp(`connected to broker\\s+part=agent broker=mqtt://127\\.0\\.0\\.1:${other}`), 10_000);
  t.equal(await up.kill('SIGTERM'), 0);
});
