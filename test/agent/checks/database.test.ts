// Database probes against the real PostgreSQL and MariaDB of this machine, each test in a
// database of its own; SQL Server only as pure functions (no server can run here).

import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../../common/log.js';
import { databaseCheck, type DatabaseCheckSpec } from '../../../agent/checks/database.js';
import { classifyMssql, classifyMysql, classifyPg, cleanMessage, numericValue, readOnlyProblem } from '../../../agent/checks/database-sql.js';
import { mssqlBatch, mssqlConfig } from '../../../agent/checks/database-mssql.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import { freePort } from '../../helpers/ports.js';
import { MARIADB, PG, pgQuery, tempMariadb, tempPostgres } from '../../helpers/databases.js';
import { ROOT } from '../../helpers/cli.js';

const ctx = { agentId: 'probe-01', dataDir: '/nonexistent', log: silentLogger };

function probe(spec: Omit<DatabaseCheckSpec, 'name' | 'type'>) {
  const full = { name: 'his-db', type: 'database' as const, ...spec };
  return runOnce(schedule(databaseCheck.create(full, ctx), full));
}

const JOBS = [
  'CREATE TABLE backup_jobs (id int PRIMARY KEY, finished_at timestamptz NOT NULL)',
  "INSERT INTO backup_jobs VALUES (1, now() - interval '50 hours'), (2, now() - interval '26 hours'), (3, now() - interval '2 hours')",
  // A function that writes: it passes the keyword test, only the READ ONLY transaction stops it.
  "CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql AS 'INSERT INTO backup_jobs VALUES (99, now()) RETURNING 1'",
];

t.test('postgres: ok with connect/query times, rows and a numeric first column', async (t) => {
  const { database } = await tempPostgres(t, JOBS);
  const r = await probe({ engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database, query: 'SELECT round(extract(epoch FROM now() - max(finished_at)) / 3600) AS age_hours FROM backup_jobs' });
  t.equal(r.outcome.status, 'ok', r.outcome.summary);
  t.match(r.outcome.summary, /^1 row in \d+ ms \(connect \d+ ms\), value 2$/);
  t.equal(r.outcome.target, `postgres://postgres@127.0.0.1:${PG.port}/${database}`);
  t.equal(r.outcome.fields?.value, 2);
  t.equal(r.outcome.fields?.rows, 1);
  t.ok(typeof r.outcome.fields?.connect_ms === 'number' && typeof r.outcome.fields?.query_ms === 'number');
  const count = await probe({ engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database, query: 'SELECT count(*) FROM backup_jobs' });
  t.equal(count.outcome.fields?.value, 3, 'bigint count arrives as a string and becomes a number');
  const text = await probe({ engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database, query: 'SELECT id::text || \'x\' FROM backup_jobs' });
  t.equal(text.outcome.fields?.rows, 3);
  t.notOk('value' in (text.outcome.fields ?? {}), 'text is never published');
});

t.test('postgres: a slow statement is cancelled by the server at the timeout', async (t) => {
  const { database } = await tempPostgres(t);
  const r = await probe({ engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database, query: 'SELECT pg_sleep(5)', timeout: '1500ms' });
  t.equal(r.outcome.status, 'critical');
  t.equal(r.outcome.summary, 'timeout: canceling statement due to statement timeout');
  t.equal(r.outcome.fields?.error_class, 'timeout');
  t.ok(r.durationMs < 1500, `settled in ${Math.round(r.durationMs)} ms`);
  const left = await pgQuery(database, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(5)' AND state = 'active'");
  t.same(left, [{ n: 0 }], 'nothing left running on the server');
});

t.test('postgres: unknown role is auth, closed port is network', async (t) => {
  const { database } = await tempPostgres(t);
  const auth = await probe({ engine: 'postgres', host: PG.host, port: PG.port, user: 'no_such_probe_role', password: 'hunter2-secret', database });
  t.equal(auth.outcome.status, 'critical');
  t.equal(auth.outcome.fields?.error_class, 'auth');
  t.match(auth.outcome.summary, /^auth: .*no_such_probe_role/);
  t.notMatch(auth.outcome.summary, /hunter2-secret/);
  const port = await freePort();
  const net = await probe({ engine: 'postgres', host: '127.0.0.1', port, user: PG.user, database });
  t.equal(net.outcome.status, 'critical');
  t.equal(net.outcome.summary, `network: connect ECONNREFUSED 127.0.0.1:${port}`);
  t.equal(net.outcome.errorClass, 'refused', 'the network failure is split by its code');
  t.equal(auth.outcome.errorClass, 'auth');
});

t.test('postgres: writes are refused before connecting, and by the READ ONLY transaction', async (t) => {
  const { database } = await tempPostgres(t, JOBS);
  const del = await probe({ engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database, query: 'SELECT 1; DELETE FROM backup_jobs' });
  t.equal(del.outcome.status, 'unknown');
  t.equal(del.outcome.summary, 'refused: only one statement may run (found ";" inside the query)');
  t.equal(del.outcome.fields?.error_class, 'refused');
  const cte = await probe({ engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database, query: 'WITH gone AS (DELETE FROM backup_jobs RETURNING id) SELECT count(*) FROM gone' });
  t.match(cte.outcome.summary, /^refused: "DELETE" may change data/);
  const sneaky = await probe({ engine: 'postgres', host: PG.host, port: PG.port, user: PG.user, database, query: 'SELECT sneaky()' });
  t.equal(sneaky.outcome.status, 'unknown');
  t.equal(sneaky.outcome.summary, 'refused: cannot execute INSERT in a read-only transaction');
  t.same(await pgQuery(database, 'SELECT count(*)::int AS n FROM backup_jobs'), [{ n: 3 }], 'the table is unchanged');
});

t.test('mariadb: ok with a value, from a SELECT-only probe account with a password', async (t) => {
  const db = await tempMariadb(t, ['CREATE TABLE queue (id int PRIMARY KEY)', 'INSERT INTO queue VALUES (1), (2), (3), (4)']);
  const r = await probe({ engine: 'mariadb', host: MARIADB.host, port: MARIADB.port, user: db.user, password: db.password, database: db.database, query: 'SELECT count(*) FROM queue' });
  t.equal(r.outcome.status, 'ok', r.outcome.summary);
  t.match(r.outcome.summary, /^1 row in \d+ ms \(connect \d+ ms\), value 4$/);
  t.equal(r.outcome.fields?.value, 4);
});

t.test('mariadb: wrong password is auth and the password never shows', async (t) => {
  const db = await tempMariadb(t);
  const r = await probe({ engine: 'mariadb', host: MARIADB.host, port: MARIADB.port, user: db.user, password: 'wrong-' + db.password, database: db.database });
  t.equal(r.outcome.status, 'critical');
  t.equal(r.outcome.fields?.error_class, 'auth');
  t.match(r.outcome.summary, /^auth: Access denied for user/);
  t.notMatch(r.outcome.summary, new RegExp(db.password));
});

t.test('mariadb: a slow statement hits the server-side max_statement_time', async (t) => {
  const db = await tempMariadb(t);
  const r = await probe({ engine: 'mariadb', host: MARIADB.host, port: MARIADB.port, user: db.user, password: db.password, database: db.database, query: 'SELECT SLEEP(5)', timeout: '1500ms' });
  t.equal(r.outcome.status, 'critical');
  t.equal(r.outcome.summary, 'timeout: Query execution was interrupted (max_statement_time exceeded)');
  t.ok(r.durationMs < 1500);
});

t.test('mariadb: unreachable port is network; a write is refused', async (t) => {
  const port = await freePort();
  const net = await probe({ engine: 'mysql', host: '127.0.0.1', port, user: 'x', password: 'y' });
  t.equal(net.outcome.summary, 'network: connect ECONNREFUSED 127.0.0.1:' + port);
  const w = await probe({ engine: 'mysql', host: '127.0.0.1', port, query: 'SELECT * FROM t INTO OUTFILE "/tmp/x"' });
  t.match(w.outcome.summary, /^refused: "INTO" may change data/);
});

t.test('read-only test: what may run and what may not', async (t) => {
  const may = ['SELECT 1', 'select count(*) from queue;', '  -- age of the newest row\nSELECT max(finished_at) FROM backup_jobs', 'WITH x AS (SELECT 1) SELECT * FROM x', 'SHOW max_connections', '(SELECT 1) UNION (SELECT 2)', 'SELECT deleted_at, is_updated FROM jobs', 'VALUES (1)', 'TABLE jobs'];
  for (const q of may) t.equal(readOnlyProblem(q), undefined, q);
  const mayNot: Array<[string, RegExp]> = [
    ['DELETE FROM jobs', /^only SELECT, WITH, SHOW, VALUES or TABLE may run, not DELETE/],
    ['EXPLAIN ANALYZE DELETE FROM jobs', /not EXPLAIN/],
    ['SELECT 1; DROP TABLE jobs', /only one statement/],
    ['SELECT * FROM jobs FOR UPDATE', /"UPDATE"/],
    ['SELECT * FROM jobs LOCK IN SHARE MODE', /"LOCK"/],
    ['SELECT * INTO copy FROM jobs', /"INTO"/],
    ['SELECT 1 /*!50000 , (DROP TABLE x) */', /executable comments/],
    ["SELECT pg_terminate_backend(1234)", /pg_terminate_backend\(\) has side effects/],
    ["SELECT nextval('seq')", /nextval\(\) has side effects/],
    ["SELECT * FROM OPENROWSET('SQLNCLI', 'x', 'y')", /openrowset\(\) has side effects/],
    ["SELECT 'it is fine' -- ; DELETE", /only one statement/],
    ['', /empty/],
  ];
  for (const [q, why] of mayNot) t.match(readOnlyProblem(q), why, q);
});

t.test('first column as a number; error classes per engine', async (t) => {
  const values: Array<[unknown, number | undefined]> = [[42, 42], ['1234567890123', 1234567890123], [' 3.5 ', 3.5], ['abc', undefined], [null, undefined], [true, 1], [new Date(1_700_000_000_000), 1_700_000_000], [Number.NaN, undefined], [10n, 10]];
  for (const [input, want] of values) t.equal(numericValue(input), want, String(input));

  t.equal(classifyPg({ code: '28P01', message: 'password authentication failed' }), 'auth');
  t.equal(classifyPg({ code: '3D000' }), 'auth');
  t.equal(classifyPg({ code: '57014' }), 'timeout');
  t.equal(classifyPg({ code: 'ECONNREFUSED' }), 'network');
  t.equal(classifyPg({ message: 'Connection terminated due to connection timeout' }), 'network');
  t.equal(classifyPg({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }), 'tls');
  t.equal(classifyPg({ code: '42P01', message: 'relation "x" does not exist' }), 'query');
  t.equal(classifyMysql({ errno: 1045 }), 'auth');
  t.equal(classifyMysql({ errno: 3024 }), 'timeout');
  t.equal(classifyMysql({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' }), 'timeout');
  t.equal(classifyMysql({ errno: 1792 }), 'refused');
  t.equal(classifyMysql({ code: 'ETIMEDOUT' }), 'network');
  t.equal(classifyMysql({ errno: 1146 }), 'query');
  t.equal(cleanMessage('login   failed for s3cret-pw\n at x', ['s3cret-pw']), 'login failed for *** at x');
});

t.test('sqlserver (pure; not run against a real server): batch, connection settings, error classes', async (t) => {
  t.equal(mssqlBatch('SELECT COUNT(*) FROM dbo.queue', 4321.7), 'SET NOCOUNT ON;\nSET LOCK_TIMEOUT 4321;\nSET XACT_ABORT ON;\nBEGIN TRANSACTION;\nSELECT COUNT(*) FROM dbo.queue;\nIF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;');
  const plain = mssqlConfig({ host: 'his-db', port: 1433, user: 'probe', password: 'pw', database: 'HIS' }, 9000, 8800, undefined);
  t.same(plain.authentication, { type: 'default', options: { userName: 'probe', password: 'pw' } });
  t.match(plain.options, { port: 1433, database: 'HIS', encrypt: false, readOnlyIntent: true, connectTimeout: 9000, requestTimeout: 8800, appName: 'wardwatch-probe' });
  const tls = mssqlConfig({ host: 'his-db', port: 1433, tls: { verify: false } }, 9000, 8800, Buffer.from('ca'));
  t.match(tls.options, { encrypt: true, trustServerCertificate: true });
  t.ok(tls.options?.cryptoCredentialsDetails?.ca);
  t.equal(classifyMssql({ code: 'ELOGIN', message: "Login failed for user 'probe'." }, 'connect'), 'auth');
  t.equal(classifyMssql({ code: 'ETIMEOUT' }, 'connect'), 'network');
  t.equal(classifyMssql({ code: 'ETIMEOUT' }, 'query'), 'timeout');
  t.equal(classifyMssql({ number: 1222 }, 'query'), 'timeout');
  t.equal(classifyMssql({ code: 'ESOCKET', message: 'Failed to connect to his-db:1433 - ECONNREFUSED' }, 'connect'), 'network');
  t.equal(classifyMssql({ code: 'ESOCKET', message: 'ssl_choose_client_version:unsupported protocol' }, 'connect'), 'tls');
  t.equal(classifyMssql({ number: 208, message: "Invalid object name 'x'." }, 'query'), 'query');
});

t.test('drivers are loaded on first use only: no check module imports one statically', async (t) => {
  const dir = join(ROOT, 'agent', 'checks');
  const drivers = /^import\s+(?!type\b)[^;]*from\s+'(pg|mysql2(\/promise)?|tedious|dcmjs-dimse|net-snmp)'/m;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    t.notMatch(readFileSync(join(dir, file), 'utf8'), drivers, file);
  }
});
