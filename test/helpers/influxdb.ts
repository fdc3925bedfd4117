// A real InfluxDB 1.x (Debian's influxd) for tests: its own config, data/meta/WAL directories
// and free loopback ports for HTTP and the RPC bind-address; continuous queries checked every
// second so rollups appear within a test; usage reporting and self-monitoring off. `stop()` /
// `start()` take it away and bring it back on the same ports with the same data.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { sleep, tmpDir } from './tmp.js';

export interface InfluxServer {
  port: number;
  url: string;
  dir: string;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  readonly running: boolean;
  /** Runs InfluxQL over HTTP and returns the parsed JSON answer (throws on an error answer). */
  query(q: string, db?: string): Promise<InfluxAnswer>;
  /** The first series' rows as objects (column → value), [] when there are none. */
  rows(q: string, db?: string): Promise<Array<Record<string, unknown>>>;
  log(): string;
}

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface InfluxAnswer {
  results: Array<{ statement_id: number; series?: InfluxSeries[]; error?: string }>;
}

export function influxdBinary(): string {
  for (const p of ['/usr/bin/influxd', '/usr/sbin/influxd']) if (existsSync(p)) return p;
  return 'influxd';
}

function config(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  index-version = "tsi1"
  query-log-enabled = false
  wal-fsync-delay = "0s"
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false
  pprof-enabled = false
[[graphite]]
  enabled = false
[[collectd]]
  enabled = false
[[opentsdb]]
  enabled = false
[[udp]]
  enabled = false
[continuous_queries]
  enabled = true
  log-enabled = false
  run-interval = "1s"
`;
}

export async function startInfluxd(t: { teardown(fn: () => void | Promise<void>): void }): Promise<InfluxServer> {
  const dir = tmpDir(t, 'wardwatch-influxd-');
  let port = await freePort();
  let rpcPort = await freePort();
  const confPath = join(dir, 'influxdb.conf');
  writeFileSync(confPath, config(dir, port, rpcPort));
  let url = `http://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  let output = '';

  const query = async (q: string, db?: string): Promise<InfluxAnswer> => {
    const body = new URLSearchParams({ q, ...(db ? { db } : {}), epoch: 'ms' });
    const res = await fetch(`${url}/query`, { method: 'POST', body });
    const json = (await res.json()) as InfluxAnswer & { error?: string };
    if (json.error) throw new Error(`influxd: ${json.error} (query: ${q})`);
    for (const r of json.results) if (r.error) throw new Error(`influxd: ${r.error} (query: ${q})`);
    return json;
  };

  const server: InfluxServer = {
    get port() {
      return port;
    },
    get url() {
      return url;
    },
    dir,
    get running() {
      return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
    },
    log: () => output,
    query,
    async rows(q, db) {
      const series = (await query(q, db)).results[0]?.series?.[0];
      if (!series) return [];
      return series.values.map((v) => Object.fromEntries(series.columns.map((c, i) => [c, v[i]])));
    },
    async start() {
      proc = spawn(influxdBinary(), ['-config', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
      const onData = (d: Buffer) => {
        output = (output + d.toString()).slice(-20_000);
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      const deadline = Date.now() + 20_000;
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`influxd exited with ${proc.exitCode}: ${output}`);
        const ok = await fetch(`${url}/ping`).then((r) => r.status === 204, () => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`influxd did not answer /ping within 20 s: ${output}`);
        await sleep(50);
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const p = proc;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const done = new Promise((r) => p.once('exit', r));
      p.kill(signal);
      await done;
    },
  };
  t.teardown(() => server.stop('SIGKILL'));
  // A free port can be taken by a parallel test before influxd binds it: pick others and retry.
  for (let attempt = 1; ; attempt++) {
    try {
      await server.start();
      break;
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
      [port, rpcPort] = [await freePort(), await freePort()];
      url = `http://127.0.0.1:${port}`;
      writeFileSync(confPath, config(dir, port, rpcPort));
    }
  }
  return server;
}
