// The production store: PostgreSQL through `pg`, the same store logic as SQLite
// (sql-store.ts). Timestamps are BIGINT milliseconds, parsed back into numbers; the schema is
// versioned in wardwatch_schema and migrated on start inside one transaction.

import pg from 'pg';
import { redactUrl } from '../../common/log.js';
import { numberedPlaceholders, type Sql, type SqlDriver } from './sql.js';
import { SqlStore } from './sql-store.js';

const MIGRATIONS: string[] = [
  `CREATE TABLE agents (
     id TEXT PRIMARY KEY, site TEXT NOT NULL, online INTEGER NOT NULL, session INTEGER NOT NULL,
     last_seq BIGINT NOT NULL DEFAULT 0, data TEXT NOT NULL, updated_at BIGINT NOT NULL);
   CREATE TABLE alerts (
     id TEXT PRIMARY KEY, rule TEXT NOT NULL, node TEXT NOT NULL, state TEXT NOT NULL,
     fired_at BIGINT NOT NULL, resolved_at BIGINT, data TEXT NOT NULL);
   CREATE INDEX alerts_state ON alerts(state);
   CREATE TABLE incidents (
     id BIGINT PRIMARY KEY, state TEXT NOT NULL, priority TEXT NOT NULL, title TEXT NOT NULL,
     root TEXT NOT NULL, site TEXT NOT NULL, opened_at BIGINT NOT NULL, resolved_at BIGINT,
     updated_at BIGINT NOT NULL, data TEXT NOT NULL);
   CREATE INDEX incidents_state ON incidents(state);
   CREATE TABLE tickets (
     id BIGSERIAL PRIMARY KEY, incident_id BIGINT NOT NULL UNIQUE REFERENCES incidents(id),
     state TEXT NOT NULL, priority TEXT NOT NULL, title TEXT NOT NULL, owner TEXT,
     opened_at BIGINT NOT NULL, acknowledged_at BIGINT, resolved_at BIGINT, closed_at BIGINT,
     report TEXT NOT NULL, root TEXT NOT NULL DEFAULT '', rules TEXT NOT NULL DEFAULT '[]', policy TEXT,
     steps_done INTEGER NOT NULL DEFAULT 0, response_due_at BIGINT, resolution_due_at BIGINT,
     breached TEXT NOT NULL DEFAULT '', resolution TEXT, drill TEXT, reopened INTEGER NOT NULL DEFAULT 0,
     updated_at BIGINT NOT NULL DEFAULT 0, clock_from BIGINT NOT NULL DEFAULT 0);
   CREATE INDEX tickets_state ON tickets(state);
   CREATE INDEX tickets_root ON tickets(root, resolved_at);
   CREATE TABLE ticket_incidents (incident_id BIGINT PRIMARY KEY, ticket_id BIGINT NOT NULL REFERENCES tickets(id));
   CREATE TABLE ticket_events (
     id BIGSERIAL PRIMARY KEY, ticket_id BIGINT NOT NULL REFERENCES tickets(id),
     at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
   CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);
   CREATE TABLE silences (
     id TEXT PRIMARY KEY, starts_at BIGINT NOT NULL, ends_at BIGINT NOT NULL, expired_at BIGINT,
     created_by TEXT NOT NULL, data TEXT NOT NULL);
   CREATE TABLE notifications (
     id BIGSERIAL PRIMARY KEY, ticket_id BIGINT, channel TEXT NOT NULL, kind TEXT NOT NULL,
     recipients TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, at BIGINT NOT NULL,
     detail TEXT NOT NULL, payload TEXT);
   CREATE INDEX notifications_ticket ON notifications(ticket_id, id);
   CREATE TABLE itsm_queue (
     id BIGSERIAL PRIMARY KEY, sink TEXT NOT NULL, ticket_id BIGINT NOT NULL, op TEXT NOT NULL,
     payload TEXT NOT NULL, attempts INTEGER NOT NULL, next_at BIGINT NOT NULL, state TEXT NOT NULL, last_error TEXT);
   CREATE INDEX itsm_queue_pending ON itsm_queue(state, sink, ticket_id, id);
   CREATE TABLE itsm_links (sink TEXT NOT NULL, ticket_id BIGINT NOT NULL, external_id TEXT NOT NULL, PRIMARY KEY (sink, ticket_id));
   CREATE TABLE api_tokens (
     id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
     created_at BIGINT NOT NULL, expires_at BIGINT, revoked_at BIGINT);`,
];

// BIGINT (int8) and NUMERIC come back as strings by default; our values are milliseconds and
// ids, well inside 2^53.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

function client(c: pg.Pool | pg.PoolClient): Sql {
  return {
    all: async <T>(sql: string, params: readonly unknown[] = []) => (await c.query(numberedPlaceholders(sql), params as unknown[])).rows as T[],
    get: async <T>(sql: string, params: readonly unknown[] = []) => (await c.query(numberedPlaceholders(sql), params as unknown[])).rows[0] as T | undefined,
    run: async (sql: string, params: readonly unknown[] = []) => (await c.query(numberedPlaceholders(sql), params as unknown[])).rowCount ?? 0,
  };
}

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly direct: Sql;

  constructor(readonly pool: pg.Pool) {
    this.direct = client(pool);
  }

  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.direct.get<T>(sql, params);
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.direct.run(sql, params);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(client(c));
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

async function migrate(pool: pg.Pool): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    // One correlator migrates at a time, even if two start together.
    await c.query('SELECT pg_advisory_xact_lock(7704)');
    await c.query('CREATE TABLE IF NOT EXISTS wardwatch_schema (version INTEGER NOT NULL)');
    const row = (await c.query<{ version: number }>('SELECT version FROM wardwatch_schema')).rows[0];
    const version = row?.version ?? 0;
    for (let v = version; v < MIGRATIONS.length; v++) await c.query(MIGRATIONS[v] as string);
    if (!row) await c.query('INSERT INTO wardwatch_schema (version) VALUES ($1)', [MIGRATIONS.length]);
    else await c.query('UPDATE wardwatch_schema SET version = $1', [MIGRATIONS.length]);
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}

export class PostgresStore extends SqlStore {
  private constructor(
    readonly url: string,
    driver: PostgresDriver,
  ) {
    super('postgres', driver);
  }

  /** Connects, migrates the schema, and returns the store; errors never carry the password. */
  static async open(url: string, opts: { max?: number } = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 4, types, connectionTimeoutMillis: 10_000 });
    // An idle client losing its connection must not crash the correlator.
    pool.on('error', () => undefined);
    try {
      await migrate(pool);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new Error(`PostgreSQL store ${redactUrl(url)}: ${(err as Error).message}`);
    }
    return new PostgresStore(url, new PostgresDriver(pool));
  }
}
