// PostgreSQL and MariaDB servers of the test run's own (Debian's packages, installed by
// install/test-deps.sh): initialised in a temporary directory, listening on a free loopback port,
// started on first use and stopped when the test file ends, so no test depends on a server the
// machine happens to run. Tests make their own databases in them (databases.ts, postgres.ts).
// Started as root, the servers run as the packages' system users, as both refuse to run as root.

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tap from 'tap';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { freePort } from './ports.js';
import { sleep } from './tmp.js';

export interface DbServer {
  host: '127.0.0.1';
  port: number;
  /** The administrator: `postgres` (trust) or `root` (no password). */
  user: string;
}

interface Owner {
  uid: number;
  gid: number;
}

function systemUser(name: string): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
  return { uid, gid };
}

/** A directory the server's user owns, removed at the end of the test file. */
function serverDir(prefix: string, owner: Owner | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

function run(bin: string, args: string[], owner: Owner | undefined, what: string): void {
  const r = spawnSync(bin, args, { encoding: 'utf8', ...(owner ?? {}) });
  if (r.error) throw new Error(`${what}: ${r.error.message} (install/test-deps.sh installs it)`);
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status}:\n${r.stdout}${r.stderr}`);
}

/**
 * Starts a server, waits until `ready()` answers and arranges its stop at the end of the file.
 * A free port can be taken by a parallel test before the server binds it: then another is tried.
 */
async function serve(name: string, dir: string, start: (port: number) => ChildProcess, ready: (port: number) => Promise<unknown>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = start(port);
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-10_000)));
    proc.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-10_000)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      if (await ready(port).then(() => true, () => false)) {
        const stop = async () => {
          if (proc.exitCode === null && proc.signalCode === null) {
            const exited = new Promise((r) => proc.once('exit', r));
            proc.kill('SIGTERM');
            await Promise.race([exited, sleep(10_000)]);
            proc.kill('SIGKILL');
          }
          rmSync(dir, { recursive: true, force: true });
        };
        tap.teardown(stop);
        // A test file that dies before its teardown must not leave a server behind.
        process.once('exit', () => proc.kill('SIGKILL'));
        return port;
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`${name} did not answer on 127.0.0.1:${port} within 30 s:\n${output}`);
      }
      await sleep(100);
    }
    if (attempt >= 3 || !/already in use/i.test(output)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${name} exited with ${proc.exitCode ?? proc.signalCode}:\n${output}`);
    }
  }
}

/** Debian installs PostgreSQL's server programs outside PATH, under its major version. */
function postgresBin(program: string): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(base, v, 'bin', program))) return join(base, v, 'bin', program);
  return program;
}

async function startPostgres(): Promise<DbServer> {
  const owner = systemUser('postgres');
  const dir = serverDir('wardwatch-postgres-', owner);
  const data = join(dir, 'data');
  run(postgresBin('initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], owner, 'initdb');
  const port = await serve(
    'postgres',
    dir,
    (port) =>
      spawn(
        postgresBin('postgres'),
        ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
        { stdio: ['ignore', 'pipe', 'pipe'], ...(owner ?? {}) },
      ),
    async (port) => {
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
      await c.connect();
      await c.end();
    },
  );
  return { host: '127.0.0.1', port, user: 'postgres' };
}

async function startMariadb(): Promise<DbServer> {
  const owner = systemUser('mysql');
  const dir = serverDir('wardwatch-mariadb-', owner);
  const data = join(dir, 'data');
  const user = owner ? ['--user=mysql'] : [];
  // root without a password, on 127.0.0.1 too: a test server on loopback, gone after the file.
  run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, ...user, '--auth-root-authentication-method=normal', '--skip-test-db'], undefined, 'mariadb-install-db');
  const port = await serve(
    'mariadbd',
    dir,
    (port) =>
      spawn(
        existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : 'mariadbd',
        ['--no-defaults', `--datadir=${data}`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${join(dir, 'mysqld.sock')}`, `--pid-file=${join(dir, 'mysqld.pid')}`, ...user, '--skip-name-resolve', '--innodb-flush-log-at-trx-commit=0', '--skip-log-bin'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    async (port) => {
      const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '' });
      await c.end();
    },
  );
  return { host: '127.0.0.1', port, user: 'root' };
}

let postgres: Promise<DbServer> | undefined;
let mariadb: Promise<DbServer> | undefined;

/** This test file's PostgreSQL server (trust authentication for `postgres`), started on first use. */
export function postgresServer(): Promise<DbServer> {
  return (postgres ??= startPostgres());
}

/** This test file's MariaDB server (`root` without a password), started on first use. */
export function mariadbServer(): Promise<DbServer> {
  return (mariadb ??= startMariadb());
}
