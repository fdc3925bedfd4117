// The CLI side of the API, as people use it: `wardwatch token create` issues a token into the
// running correlator's store, `wardwatch tickets` and `wardwatch silences` work through the API
// (short aligned output, --json), and an acknowledgement answered before a SIGKILL is still
// there after the restart.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { eventually, tmpDir } from '../helpers/tmp.js';
import { alertmanagerPayload } from '../helpers/api.js';

t.test('token, tickets and silences commands against a correlator process', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  const apiPort = await freePort();
  const api = `http://127.0.0.1:${apiPort}`;
  const config = join(dir, 'correlator.yaml');
  writeFileSync(config, `broker: { url: "${broker.url}" }\nstore: { sqlite: w.db }\ntick: 200ms\nmetrics: { enabled: false }\ncorrelation: { settle: 200ms }\napi: { listen: "127.0.0.1:${apiPort}" }\n`);
  const start = async () => {
    const c = startCli(t, ['correlator', '--config', config], { cwd: dir });
    await c.waitFor(/API listening/);
    return c;
  };
  let correlator: CliProcess = await start();

  const created = runCli(['token', 'create', '--name', 'zhang.wei', '--role', 'operator', '--config', config]);
  t.equal(created.status, 0, created.stderr);
  const token = created.stdout.trim();
  t.match(token, /^ww_[A-Za-z0-9_-]{43}$/);
  t.match(created.stderr, /token for zhang\.wei \(operator\) issued; it is shown only now/);
  t.match(runCli(['token', 'create', '--name', 'zhang.wei', '--role', 'operator', '--config', config]), { status: 2, stderr: /zhang\.wei already has a token/ });
  const listed = runCli(['token', 'list', '--config', config]);
  t.match(listed.stdout, /^NAME\s+ROLE\s+CREATED\s+EXPIRES\s+STATE\nzhang\.wei\s+operator\s+\S+ \S+\s+-\s+active$/m);
  t.notMatch(listed.stdout, new RegExp(token.slice(3, 20)), 'the token itself is never listed');

  const env = { WARDWATCH_TOKEN: token, WARDWATCH_API: api };
  t.match(runCli(['tickets', 'list'], { env }), { status: 0, stdout: 'no tickets\n' });
  const fire = alertmanagerPayload('firing', [{ fingerprint: 'cli1', labels: { alertname: 'DiskFull', instance: 'pacs-01', severity: 'warning', service: 'pacs' }, annotations: { summary: 'PACS 归档盘将满' } }]);
  await fetch(`${api}/api/v1/ingest/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(fire) });
  await eventually(async () => (await fetch(`${api}/api/v1/tickets/T-1`, { headers: { authorization: `Bearer ${token}` } })).status === 200, 10_000, 'the ticket');

  const list = runCli(['tickets', 'list'], { env });
  t.match(list.stdout, /^TICKET\s+PRI\s+STATE\s+OWNER\s+OPENED\s+RESPOND BY\s+TITLE\nT-1\s+P3\s+open\s+-\s+\S+ \S+\s+\S+ \S+\s+PACS 归档盘将满$/m);
  t.match(JSON.parse(runCli(['tickets', 'list', '--json'], { env }).stdout), [{ ref: 'T-1', state: 'open' }]);
  t.match(runCli(['tickets', 'list', '--limit', '1'], { env }).stdout, /\nmore: wardwatch tickets list --state active --limit 1 --before T-1\n$/, 'a full page says how to get the next');
  t.match(runCli(['tickets', 'list', '--before', 'T-1'], { env }), { status: 0, stdout: 'no tickets\n' }, 'nothing older than T-1');
  t.match(runCli(['tickets', 'list', '--before', 'yesterday'], { env }), { status: 2, stderr: /before: expected a ticket such as T-120, got "yesterday"/ });
  const ack = runCli(['tickets', 'ack', 'T-1', '--note', '去机房看看'], { env });
  t.equal(ack.status, 0, ack.stderr);
  t.match(ack.stdout, /^T-1 acknowledged by zhang\.wei: owner zhang\.wei: 去机房看看\n  state acknowledged, owner zhang\.wei$/m);

  // The answer came after the commit: killed right after it, the correlator still has it.
  await correlator.kill('SIGKILL');
  correlator = await start();
  const show = runCli(['tickets', 'show', '1'], { env });
  t.equal(show.status, 0, show.stderr);
  t.match(show.stdout, /^T-1  acknowledged  owner zhang\.wei$/m);
  t.match(show.stdout, /故障点：pacs-01/);
  t.match(show.stdout, /zhang\.wei\s+acknowledged\s+owner zhang\.wei: 去机房看看/);

  t.match(runCli(['tickets', 'resolve', 'T-1'], { env }), { status: 1, stderr: /required option '--note <text>' not specified/ });
  t.match(runCli(['tickets', 'handover', 'T-9', '--to', 'li.na'], { env }), { status: 2, stderr: /error: no ticket T-9 \(not-found\)/ });
  t.match(runCli(['tickets', 'ack', 'x1'], { env }), { status: 2, stderr: /expected a ticket like "T-12" or "12", got "x1"/ });
  t.match(runCli(['tickets', 'list'], { env: { WARDWATCH_TOKEN: 'nope', WARDWATCH_API: api } }), { status: 2, stderr: /the token is unknown, revoked or expired \(token-invalid\)/ });
  t.match(runCli(['tickets', 'list'], { env: { WARDWATCH_TOKEN: token, WARDWATCH_API: 'http://127.0.0.1:1' } }), { status: 2, stderr: /cannot reach the correlator API at http:\/\/127\.0\.0\.1:1/ });

  const added = runCli(['silences', 'add', '--match', 'service=pacs', '--duration', '2h', '--comment', 'PACS 升级'], { env });
  t.equal(added.status, 0, added.stderr);
  const id = /^(sil-[0-9a-f]+)\s+active until/.exec(added.stdout)?.[1];
  t.ok(id, added.stdout);
  t.match(runCli(['silences', 'list'], { env }).stdout, new RegExp(`^ID\\s+STATE\\s+FROM\\s+UNTIL\\s+MATCHES\\s+COMMENT\\n${id}\\s+active\\s+.*service=pacs\\s+PACS 升级 \\(zhang\\.wei\\)$`, 'm'));
  t.match(runCli(['silences', 'add', '--match', 'pacs', '--duration', '2h', '--comment', 'x'], { env }), { status: 2, stderr: /--match: expected label=value/ });
  t.match(runCli(['silences', 'expire', id as string], { env }), { status: 0, stdout: `${id} expired\n` });
  t.same(JSON.parse(runCli(['silences', 'list', '--json'], { env }).stdout), []);

  t.match(runCli(['token', 'revoke', 'zhang.wei', '--config', config]), { status: 0, stdout: 'zhang.wei: token revoked\n' });
  t.match(runCli(['tickets', 'list'], { env }), { status: 2, stderr: /token-invalid/ });
  t.equal(await correlator.kill('SIGTERM'), 0);
});

t.test('every new command has --help with examples', async (t) => {
  for (const cmd of [['tickets'], ['tickets', 'handover'], ['tickets', 'resolve'], ['silences', 'add'], ['token', 'create'], ['drill']]) {
    const r = runCli([...cmd, '--help']);
    t.equal(r.status, 0, cmd.join(' '));
    t.match(r.stdout, /Examples:\n(\s+\$ .*\n)*\s+\$ wardwatch /, `${cmd.join(' ')} --help has examples`);
  }
});
