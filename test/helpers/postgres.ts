// A database of its own on the test file's PostgreSQL server (db-servers.ts, trust auth):
// created with a random name for one test, dropped afterwards (connections closed first).

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresServer } from './db-servers.js';

export async function tempDatabase(t: { teardown(fn: () => void | Promise<void>): void }): Promise<string> {
  const server = await postgresServer();
  const adminUrl = `postgres://${server.user}@${server.host}:${server.port}/postgres`;
  const name = `wardwatch_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
