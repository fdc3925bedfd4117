// PostgreSQL probe via `pg`: BEGIN READ ONLY, SET LOCAL statement_timeout (the server cancels
// the statement: SQLSTATE 57014), the query, ROLLBACK. The client's own query timeout stays as
// a backstop half a second later.

import type { ClientConfig } from 'pg';
import { classifyPg, cleanMessage, DbFailure } from './database-sql.js';
import { firstOf, readCa, statementBudget, untilAborted, type DbDriver } from './database-driver.js';

type Pg = typeof import('pg');
let pg: Promise<Pg> | undefined;

export const postgresDriver: DbDriver = async (target, sql, budgetMs, signal) => {
  pg ??= import('pg').then((m) => ((m as unknown as { default?: Pg }).default ?? m) as Pg);
  const { Client } = await pg;
  const ca = readCa(target.tls);
  const config: ClientConfig = {
    host: target.host,
    port: target.port,
    ...(target.database ? { database: target.database } : {}),
    ...(target.user ? { user: target.user } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    connectionTimeoutMillis: budgetMs,
    application_name: 'wardwatch-probe',
    ssl: target.tls ? { rejectUnauthorized: target.tls.verify, ...(ca ? { ca } : {}) } : false,
  };
  const client = new Client(config);
  // A connection that breaks after connecting emits "error" on the client; without a listener
  // that would be an uncaught exception in the agent.
  client.on('error', () => undefined);
  const fail = (err: unknown): never => {
    if (err instanceof DbFailure) throw err;
    const e = err as { code?: string; message?: string };
    throw new DbFailure(classifyPg(e), cleanMessage(e.message ?? String(err), [target.password]));
  };
  const aborted = untilAborted(signal, () => void client.end().catch(() => undefined));
  const work = async () => {
    const t0 = performance.now();
    await client.connect().catch(fail);
    const connectMs = performance.now() - t0;
    const stmtMs = statementBudget(budgetMs, connectMs);
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${stmtMs}`);
      const t1 = performance.now();
      const result = await client.query({ text: sql, rowMode: 'array', query_timeout: stmtMs + 500 } as never);
      const queryMs = performance.now() - t1;
      await client.query('ROLLBACK').catch(() => undefined);
      const r = result as unknown as { rows: unknown[][]; rowCount: number | null };
      return { connectMs, queryMs, rows: r.rows.length, first: firstOf(r.rows), notes: [] };
    } catch (err) {
      return fail(err);
    }
  };
  try {
    return await Promise.race([work(), aborted]);
  } finally {
    await client.end().catch(() => undefined);
  }
};
