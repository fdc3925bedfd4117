// A database of its own on the PostgreSQL server of this machine (127.0.0.1:5432, trust auth):
// created with a random name for one test, dropped afterwards (connections closed first).
// Nothing else on the server is touched.

import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_ADMIN = process.env.WARDWATCH_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function tempDatabase(t: { teardown(fn: () => void | Promise<void>): void }): Promise<string> {
  const name = `wardwatch_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: POSTGRES_ADMIN });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });
  const url = new URL(POSTGRES_ADMIN);
  url.pathname = `/${name}`;
  return url.toString();
}
