// SQL Server probe via `tedious` (pure JS; pinned to 19, the last line for Node 20).
// NOT TESTED AGAINST A REAL SQL SERVER: none can run on the machines this project is tested on.
// The batch text and error classes are tested as pure functions; the driver calls follow
// tedious's documented API.
//
// SQL Server has no READ ONLY transaction and no per-statement server timeout. The probe runs
// its statement in a transaction it always rolls back, bounds lock waits with SET LOCK_TIMEOUT
// (error 1222), and lets tedious cancel the request (an ATTENTION to the server) when the
// statement budget is spent. Old servers (2008 R2/2012 without TLS 1.2) fail the TLS login
// under OpenSSL 3; see the check's documentation.

import type { ConnectionConfiguration } from 'tedious';
import { classifyMssql, cleanMessage, DbFailure } from './database-sql.js';
import { readCa, statementBudget, untilAborted, type DbDriver } from './database-driver.js';

/** The batch the probe sends: session settings, the statement in a rolled-back transaction. */
export function mssqlBatch(statement: string, lockTimeoutMs: number): string {
  return [
    'SET NOCOUNT ON;',
    `SET LOCK_TIMEOUT ${Math.max(0, Math.floor(lockTimeoutMs))};`,
    'SET XACT_ABORT ON;',
    'BEGIN TRANSACTION;',
    `${statement};`,
    'IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;',
  ].join('\n');
}

export function mssqlConfig(target: Parameters<DbDriver>[0], connectMs: number, requestMs: number, ca: Buffer | undefined): ConnectionConfiguration {
  return {
    server: target.host,
    authentication: { type: 'default', options: { userName: target.user ?? '', password: target.password ?? '' } },
    options: {
      port: target.port,
      ...(target.database ? { database: target.database } : {}),
      encrypt: target.tls !== undefined,
      trustServerCertificate: target.tls ? !target.tls.verify : true,
      ...(ca ? { cryptoCredentialsDetails: { ca } } : {}),
      connectTimeout: connectMs,
      requestTimeout: requestMs,
      readOnlyIntent: true,
      appName: 'wardwatch-probe',
      rowCollectionOnRequestCompletion: false,
      useColumnNames: false,
    },
  };
}

type Tedious = typeof import('tedious');
let tedious: Promise<Tedious> | undefined;

export const sqlServerDriver: DbDriver = async (target, sql, budgetMs, signal) => {
  tedious ??= import('tedious').then((m) => ((m as { default?: Tedious }).default ?? m) as Tedious);
  const { Connection, Request } = await tedious;
  const ca = readCa(target.tls);
  // The request timeout is fixed at connect time; give the statement what the connect leaves.
  const connection = new Connection(mssqlConfig(target, budgetMs, statementBudget(budgetMs, 0), ca));
  connection.on('error', () => undefined);
  const fail = (err: unknown, phase: 'connect' | 'query'): never => {
    if (err instanceof DbFailure) throw err;
    const e = err as { code?: string; number?: number; message?: string };
    throw new DbFailure(classifyMssql(e, phase), cleanMessage(e.message ?? String(err), [target.password]));
  };
  const aborted = untilAborted(signal, () => connection.close());
  const work = async () => {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve()))).catch((err) => fail(err, 'connect'));
    const connectMs = performance.now() - t0;
    const t1 = performance.now();
    let rows = 0;
    let first: unknown;
    await new Promise<void>((resolve, reject) => {
      const request = new Request(mssqlBatch(sql, statementBudget(budgetMs, connectMs)), (err) => (err ? reject(err) : resolve()));
      request.on('row', (columns: Array<{ value: unknown }>) => {
        if (rows++ === 0) first = columns[0]?.value;
      });
      connection.execSql(request);
    }).catch((err) => fail(err, 'query'));
    return { connectMs, queryMs: performance.now() - t1, rows, first, notes: [] };
  };
  try {
    return await Promise.race([work(), aborted]);
  } finally {
    connection.close();
  }
};
