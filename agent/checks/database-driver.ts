// What every database driver adapter does for a probe: connect within the budget, run one
// read-only statement with a server-side timeout inside a READ ONLY transaction where the
// engine has one, roll back, disconnect. Adapters throw DbFailure with a class; the check turns
// that into a result. Drivers are imported on first use, so an agent without a database check
// of that engine never loads its driver.

import { readFileSync } from 'node:fs';
import { DbFailure } from './database-sql.js';

export interface DbTarget {
  host: string;
  port: number;
  database?: string;
  user?: string;
  password?: string;
  /** TLS to the server: undefined for none. */
  tls?: { caFile?: string; verify: boolean };
}

export interface DbAnswer {
  connectMs: number;
  queryMs: number;
  rows: number;
  /** First column of the first row, as the driver gave it (not published as such). */
  first: unknown;
  /** What the engine did about the timeout and read-only mode, for the summary when it differs. */
  notes: string[];
}

export type DbDriver = (target: DbTarget, sql: string, budgetMs: number, signal: AbortSignal) => Promise<DbAnswer>;

/** Time left for the statement after connecting; at least 100 ms. */
export function statementBudget(budgetMs: number, connectMs: number): number {
  return Math.max(100, Math.floor(budgetMs - connectMs - 100));
}

export function readCa(tls: DbTarget['tls']): Buffer | undefined {
  if (!tls?.caFile) return undefined;
  try {
    return readFileSync(tls.caFile);
  } catch (err) {
    throw new DbFailure('tls', `cannot read CA file ${tls.caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Rejects when the signal aborts, so a hung driver cannot hold the check past its timeout. */
export function untilAborted(signal: AbortSignal, onAbort: () => void): Promise<never> {
  return new Promise((_, reject) => {
    const fire = () => {
      onAbort();
      reject(new DbFailure('timeout', 'aborted at the check timeout'));
    };
    if (signal.aborted) fire();
    else signal.addEventListener('abort', fire, { once: true });
  });
}

export function firstOf(rows: readonly unknown[]): unknown {
  const row = rows[0];
  if (Array.isArray(row)) return row[0];
  if (row && typeof row === 'object') return Object.values(row)[0];
  return undefined;
}
