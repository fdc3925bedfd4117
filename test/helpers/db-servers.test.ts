// The PostgreSQL and MariaDB tests talk to servers of their own, never to one this machine runs:
// a free loopback port (not 5432 or 3306), a data directory under the temporary directory,
// stopped and removed when the test file ends.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mariadbServer, postgresServer } from './db-servers.js';
import { MARIADB, PG, tempMariadb, tempPostgres } from './databases.js';
import { tempDatabase } from './postgres.js';

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

t.test('PostgreSQL: the helpers connect to the server they started', async (t) => {
  const server = await postgresServer();
  t.not(server.port, 5432, 'not the standard port');
  const c = new pg.Client({ host: server.host, port: server.port, user: server.user, database: 'postgres' });
  await c.connect();
  const row = (await c.query('SELECT inet_server_port() AS port, current_setting(\'data_directory\') AS dir')).rows[0];
  await c.end();
  t.equal(row.port, server.port, 'the server says it is on that port');
  t.ok(String(row.dir).startsWith(tmpdir()), `its data is in the temporary directory (${row.dir})`);

  await tempPostgres(t);
  t.equal(PG.port, server.port, 'tempPostgres (probe tests) uses it');
  t.match(await tempDatabase(t), new RegExp(`^postgres://postgres@127\\.0\\.0\\.1:${server.port}/wardwatch_test_`), 'tempDatabase (store tests) uses it');
});

t.test('MariaDB: the helpers connect to the server they started', async (t) => {
  const server = await mariadbServer();
  t.not(server.port, 3306, 'not the standard port');
  const c = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: '' });
  const [rows] = await c.query('SELECT @@port AS port, @@datadir AS dir');
  await c.end();
  const row = (rows as Array<{ port: number; dir: string }>)[0]!;
  t.equal(row.port, server.port, 'the server says it is on that port');
  t.ok(row.dir.startsWith(tmpdir()), `its data is in the temporary directory (${row.dir})`);

  await tempMariadb(t);
  t.equal(MARIADB.port, server.port, 'tempMariadb (probe tests) uses it');
});

t.test('the servers are stopped and their directories removed when the test file ends', async (t) => {
  const fixture = join(fileURLToPath(import.meta.url), '..', 'fixtures', 'db-servers-once.ts');
  // The same TypeScript loader as this test file.
  const r = spawnSync(process.execPath, [...process.execArgv, fixture], { encoding: 'utf8', timeout: 90_000 });
  t.equal(r.status, 0, r.status === 0 ? 'the fixture ran' : `the fixture failed:\n${r.stdout}${r.stderr}`);
  const m = /# servers (\{.*\})/.exec(r.stdout);
  t.ok(m, 'the fixture says where its servers were');
  if (!m) return;
  const seen = JSON.parse(m[1]!) as { pg: number; pgDir: string; mariadb: number; mariadbDir: string };
  t.notOk(await listening(seen.pg), `nothing listens on PostgreSQL's port ${seen.pg} any more`);
  t.notOk(await listening(seen.mariadb), `nothing listens on MariaDB's port ${seen.mariadb} any more`);
  t.notOk(existsSync(seen.pgDir), 'PostgreSQL data directory removed');
  t.notOk(existsSync(seen.mariadbDir), 'MariaDB data directory removed');
});
