// The embedded store: one SQLite file in WAL mode. Commits are synchronous=FULL; sequence
// high-water marks of messages that changed nothing are batched by the caller, so a quiet
// fleet costs no fsync per message. better-sqlite3 is synchronous; this driver gives it the
// async shape the shared store logic (sql-store.ts) is written against.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Mutex, type Sql, type SqlDriver } from './sql.js';
import { SqlStore } from './sql-store.js';

const MIGRATIONS: string[] = [
  `CREATE TABLE agents (
     id TEXT PRIMARY KEY, site TEXT NOT NULL, online INTEGER NOT NULL, session INTEGER NOT NULL,
     last_seq INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL, updated_at INTEGER NOT NULL);
   CREATE TABLE alerts (
     id TEXT PRIMARY KEY, rule TEXT NOT NULL, node TEXT NOT NULL, state TEXT NOT NULL,
     fired_at INTEGER NOT NULL, resolved_at INTEGER, data TEXT NOT NULL);
   CREATE INDEX alerts_state ON alerts(state);
   CREATE TABLE incidents (
     id INTEGER PRIMARY KEY, state TEXT NOT NULL, priority TEXT NOT NULL, title TEXT NOT NULL,
     root TEXT NOT NULL, site TEXT NOT NULL, opened_at INTEGER NOT NULL, resolved_at INTEGER,
     updated_at INTEGER NOT NULL, data TEXT NOT NULL);
   CREATE INDEX incidents_state ON incidents(state);
   CREATE TABLE tickets (
     id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id INTEGER NOT NULL UNIQUE REFERENCES incidents(id),
     state TEXT NOT NULL, priority TEXT NOT NULL, title TEXT NOT NULL, owner TEXT,
     opened_at INTEGER NOT NULL, acknowledged_at INTEGER, resolved_at INTEGER, closed_at INTEGER,
     report TEXT NOT NULL);
   CREATE TABLE ticket_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id INTEGER NOT NULL REFERENCES tickets(id),
     at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL);
   CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);`,
  `CREATE TABLE silences (
     id TEXT PRIMARY KEY, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, expired_at INTEGER,
     created_by TEXT NOT NULL, data TEXT NOT NULL);`,
  // Ticket lifecycle: reopening (a ticket follows several incidents), SLA and escalation state
  // kept on the ticket so timers survive restarts, notifications, the ITSM queue, API tokens.
  `ALTER TABLE tickets ADD COLUMN root TEXT NOT NULL DEFAULT '';
   ALTER TABLE tickets ADD COLUMN rules TEXT NOT NULL DEFAULT '[]';
   ALTER TABLE tickets ADD COLUMN policy TEXT;
   ALTER TABLE tickets ADD COLUMN steps_done INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE tickets ADD COLUMN response_due_at INTEGER;
   ALTER TABLE tickets ADD COLUMN resolution_due_at INTEGER;
   ALTER TABLE tickets ADD COLUMN breached TEXT NOT NULL DEFAULT '';
   ALTER TABLE tickets ADD COLUMN resolution TEXT;
   ALTER TABLE tickets ADD COLUMN drill TEXT;
   ALTER TABLE tickets ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE tickets ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE tickets ADD COLUMN clock_from INTEGER NOT NULL DEFAULT 0;
   UPDATE tickets SET root = (SELECT root FROM incidents WHERE incidents.id = tickets.incident_id), updated_at = opened_at, clock_from = opened_at;
   CREATE INDEX tickets_state ON tickets(state);
   CREATE INDEX tickets_root ON tickets(root, resolved_at);
   CREATE TABLE ticket_incidents (incident_id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES tickets(id));
   INSERT INTO ticket_incidents (incident_id, ticket_id) SELECT incident_id, id FROM tickets;
   CREATE TABLE notifications (
     id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id INTEGER, channel TEXT NOT NULL, kind TEXT NOT NULL,
     recipients TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, at INTEGER NOT NULL,
     detail TEXT NOT NULL, payload TEXT);
   CREATE INDEX notifications_ticket ON notifications(ticket_id, id);
   CREATE TABLE itsm_queue (
     id INTEGER PRIMARY KEY AUTOINCREMENT, sink TEXT NOT NULL, ticket_id INTEGER NOT NULL, op TEXT NOT NULL,
     payload TEXT NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL, state TEXT NOT NULL, last_error TEXT);
   CREATE INDEX itsm_queue_pending ON itsm_queue(state, sink, ticket_id, id);
   CREATE TABLE itsm_links (sink TEXT NOT NULL, ticket_id INTEGER NOT NULL, external_id TEXT NOT NULL, PRIMARY KEY (sink, ticket_id));
   CREATE TABLE api_tokens (
     id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER);`,
];

class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly lock = new Mutex();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly direct: Sql;

  constructor(readonly db: Database.Database) {
    const prepare = (sql: string) => {
      let s = this.statements.get(sql);
      if (!s) {
        s = db.prepare(sql);
        this.statements.set(sql, s);
      }
      return s;
    };
    this.direct = {
      all: async <T>(sql: string, params: readonly unknown[] = []) => prepare(sql).all(...params) as T[],
      get: async <T>(sql: string, params: readonly unknown[] = []) => {
        const s = prepare(sql);
        return (s.reader ? s.get(...params) : s.run(...params) && undefined) as T | undefined;
      },
      run: async (sql: string, params: readonly unknown[] = []) => {
        const s = prepare(sql);
        if (s.reader) {
          s.all(...params);
          return 0;
        }
        return s.run(...params).changes;
      },
    };
  }

  // Outside a transaction, statements wait for it: on one connection they would see its
  // uncommitted rows.
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.lock.lock(() => this.direct.all<T>(sql, params));
  }

  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined> {
    return this.lock.lock(() => this.direct.get<T>(sql, params));
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.lock.lock(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    return this.lock.lock(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.direct);
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.lock.lock(async () => undefined);
    this.statements.clear();
    this.db.close();
  }
}

function openDatabase(path: string, readonly: boolean): Database.Database {
  if (path !== ':memory:' && !readonly) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly, fileMustExist: readonly });
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v] as string);
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }
  db.pragma('busy_timeout = 5000');
  return db;
}

export class SqliteStore extends SqlStore {
  readonly db: Database.Database;

  constructor(
    readonly path: string,
    opts: { readonly?: boolean } = {},
  ) {
    const db = openDatabase(path, opts.readonly ?? false);
    super('sqlite', new SqliteDriver(db));
    this.db = db;
  }
}
