// A real Mosquitto for tests: its own config, data directory and free loopback port; stopped
// (and its directory removed) when the test ends. `stop()`/`start()` let a test take the
// broker away and bring it back on the same port with the same persisted sessions.

import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { chownSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.js';
import { tmpDir } from './tmp.js';

export interface Mosquitto {
  port: number;
  url: string;
  dir: string;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  readonly running: boolean;
  /** The broker's process id while it runs (for SIGHUP reloads). */
  readonly pid: number | undefined;
  log(): string;
}

export function mosquittoBinary(): string {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto']) if (existsSync(p)) return p;
  return 'mosquitto';
}

function mosquittoUid(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'mosquitto']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'mosquitto']).toString().trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

export async function startMosquitto(
  t: { teardown(fn: () => void | Promise<void>): void },
  opts: { extraConfig?: string; persistence?: boolean; port?: number; configFor?: (dir: string, port: number) => string } = {},
): Promise<Mosquitto> {
  const dir = tmpDir(t, 'wardwatch-mosquitto-');
  const port = opts.port ?? (await freePort());
  // Mosquitto started as root drops to the "mosquitto" user, which must own its files.
  const owner = process.getuid?.() === 0 ? mosquittoUid() : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const config = opts.configFor
    ? opts.configFor(dir, port)
    : [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        `persistence ${opts.persistence === false ? 'false' : 'true'}`,
        `persistence_location ${dir}/`,
        'autosave_interval 1',
        `log_dest file ${dir}/mosquitto.log`,
        'log_type error',
        'log_type warning',
        'log_type notice',
        'max_queued_messages 100000',
        opts.extraConfig ?? '',
      ].join('\n');
  const confPath = join(dir, 'mosquitto.conf');
  writeFileSync(confPath, config + '\n');
  if (owner) chownSync(confPath, owner.uid, owner.gid);
  let proc: ChildProcess | undefined;
  let output = '';

  const broker: Mosquitto = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    get running() {
      return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
    },
    get pid() {
      return proc?.pid;
    },
    log: () => output,
    async start() {
      proc = spawn(mosquittoBinary(), ['-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
      proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<never>((_, reject) => proc?.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}: ${output}`))));
      await Promise.race([waitForPort(port, 10_000), exited]);
      exited.catch(() => undefined);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const p = proc;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const done = new Promise((r) => p.once('exit', r));
      p.kill(signal);
      await done;
    },
  };
  await broker.start();
  t.teardown(() => broker.stop('SIGKILL'));
  return broker;
}
