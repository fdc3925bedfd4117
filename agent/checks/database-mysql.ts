// MySQL and MariaDB probe via `mysql2`. The server-side timeout is MariaDB's
// max_statement_time (10.1+, seconds) or MySQL's max_execution_time (5.7.8+, milliseconds,
// SELECT only); START TRANSACTION READ ONLY needs MySQL 5.6.5+ / MariaDB 10.0+. Older servers
// (5.5 is still common in departmental systems) get the client-side timeout and a plain
// transaction, and the summary says so.

import type { Connection, ConnectionOptions, QueryError } from 'mysql2';
import { classifyMysql, cleanMessage, DbFailure } from './database-sql.js';
import { firstOf, readCa, statementBudget, untilAborted, type DbDriver } from './database-driver.js';

type Mysql = typeof import('mysql2/promise');
let mysql: Promise<Mysql> | undefined;

/** The server's version from the handshake, e.g. "5.5.5-10.11.19-MariaDB-0+deb12u1". */
function serverVersion(conn: unknown): string {
  const base = (conn as { connection?: { _handshakePacket?: { serverVersion?: string } } }).connection;
  return base?._handshakePacket?.serverVersion ?? '';
}

/** The callback-style connection under mysql2's promise wrapper. */
function core(conn: unknown): Connection | undefined {
  return (conn as { connection?: Connection }).connection;
}

export const mysqlDriver: DbDriver = async (target, sql, budgetMs, signal) => {
  mysql ??= import('mysql2/promise').then((m) => ((m as { default?: Mysql }).default ?? m) as Mysql);
  const lib = await mysql;
  const ca = readCa(target.tls);
  const options: ConnectionOptions = {
    host: target.host,
    port: target.port,
    ...(target.database ? { database: target.database } : {}),
    ...(target.user ? { user: target.user } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    connectTimeout: budgetMs,
    rowsAsArray: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    ...(target.tls ? { ssl: { rejectUnauthorized: target.tls.verify, ...(ca ? { ca } : {}) } } : {}),
  };
  const fail = (err: unknown): never => {
    if (err instanceof DbFailure) throw err;
    const e = err as QueryError;
    throw new DbFailure(classifyMysql(e), cleanMessage(e.message ?? String(err), [target.password]));
  };
  let conn: Awaited<ReturnType<Mysql['createConnection']>> | undefined;
  let ended = false;
  const aborted = untilAborted(signal, () => conn?.destroy());
  const work = async () => {
    const t0 = performance.now();
    conn = await lib.createConnection(options).catch(fail);
    core(conn)?.on('error', () => undefined);
    const connectMs = performance.now() - t0;
    const stmtMs = statementBudget(budgetMs, connectMs);
    const notes: string[] = [];
    const mariadb = /mariadb/i.test(serverVersion(conn));
    const timeoutSql = mariadb ? `SET SESSION max_statement_time = ${(stmtMs / 1000).toFixed(3)}` : `SET SESSION max_execution_time = ${stmtMs}`;
    await conn.query(timeoutSql).catch(() => notes.push('no server-side statement timeout on this server version'));
    try {
      await conn.query('START TRANSACTION READ ONLY');
    } catch {
      notes.push('no READ ONLY transactions on this server version');
      await conn.query('START TRANSACTION').catch(fail);
    }
    const t1 = performance.now();
    const [rows] = await conn.query({ sql, timeout: stmtMs + 500 }).catch(fail);
    const queryMs = performance.now() - t1;
    await conn.query('ROLLBACK').catch(() => undefined);
    await conn.end().catch(() => undefined);
    ended = true;
    const list = Array.isArray(rows) ? (rows as unknown[]) : [];
    return { connectMs, queryMs, rows: list.length, first: firstOf(list), notes };
  };
  try {
    return await Promise.race([work(), aborted]);
  } finally {
    if (!ended) conn?.destroy();
  }
};
