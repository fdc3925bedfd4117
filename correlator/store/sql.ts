// What the store needs from a SQL database, so one implementation of the store's logic runs on
// SQLite (embedded) and PostgreSQL (production). Statements use `?` placeholders; a driver
// rewrites them for its database. Numbers are plain JS numbers (milliseconds, ids), never
// bigint strings.

export interface Sql {
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface SqlDriver extends Sql {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs fn in one transaction: all of it is committed, or none of it. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Runs async work one at a time, in call order (a transaction must never interleave with another). */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  lock<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** Rewrites `?` placeholders as `$1, $2, …` (statements here never contain a literal `?`). */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export function json<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}
