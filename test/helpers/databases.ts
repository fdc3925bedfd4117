// Databases of their own for probe tests, on the test file's own PostgreSQL and MariaDB servers
// (db-servers.ts): a randomly named database (and, on MariaDB, a probe account limited to it),
// created for one test and dropped afterwards.

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { mariadbServer, postgresServer } from './db-servers.js';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

/** Where the servers listen: the ports are known once `tempPostgres`/`tempMariadb` has started them. */
export const PG = { host: '127.0.0.1', port: 0, user: 'postgres' };
export const MARIADB = { host: '127.0.0.1', port: 0, user: 'root', password: '' };

const randomName = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`;

/** A fresh PostgreSQL database; `setup` runs in it as the server's admin. */
export async function tempPostgres(t: Teardown, setup: string[] = []): Promise<{ database: string }> {
  PG.port = (await postgresServer()).port;
  const database = randomName('wardwatch_probe');
  const admin = new pg.Client({ ...PG, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  t.teardown(async () => {
    const c = new pg.Client({ ...PG, database: 'postgres' });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });
  const c = new pg.Client({ ...PG, database });
  await c.connect();
  try {
    for (const sql of setup) await c.query(sql);
  } finally {
    await c.end();
  }
  return { database };
}

/** Runs one statement in a test database as the admin (to see what a probe did or did not change). */
export async function pgQuery(database: string, sql: string): Promise<unknown[]> {
  const c = new pg.Client({ ...PG, database });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

/** A fresh MariaDB database and an account with a password that may only SELECT in it. */
export async function tempMariadb(t: Teardown, setup: string[] = []): Promise<{ database: string; user: string; password: string }> {
  MARIADB.port = (await mariadbServer()).port;
  const database = randomName('wardwatch_probe');
  const user = randomName('ww_probe');
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const admin = await mysql.createConnection(MARIADB);
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await admin.query(`GRANT SELECT ON ${database}.* TO '${user}'@'%'`);
    await admin.query(`USE ${database}`);
    for (const sql of setup) await admin.query(sql);
  } finally {
    await admin.end();
  }
  t.teardown(async () => {
    const c = await mysql.createConnection(MARIADB);
    try {
      await c.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await c.query(`DROP DATABASE IF EXISTS ${database}`);
    } finally {
      await c.end();
    }
  });
  return { database, user, password };
}
