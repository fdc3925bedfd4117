// A real Prometheus (Debian's package) for tests: its own config scraping the given targets
// every second, its own TSDB directory and a free loopback port; stopped when the test ends.
// Also `promtool check metrics`, the linter for what our /metrics endpoints expose.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { sleep, tmpDir } from './tmp.js';

export interface PrometheusServer {
  port: number;
  url: string;
  /** An instant query through the HTTP API; the result vector. */
  query(promql: string, at?: number): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** A range query over the last `seconds`, `step` seconds apart; the result matrix. */
  queryRange(promql: string, seconds: number, step: number): Promise<Array<{ metric: Record<string, string>; values: Array<[number, string]> }>>;
  /** Scrape targets and their health, from /api/v1/targets. */
  targets(): Promise<Array<{ scrapeUrl: string; health: string; lastError: string }>>;
  stop(): Promise<void>;
}

function binary(name: string): string {
  for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin']) if (existsSync(join(dir, name))) return join(dir, name);
  return name;
}

/** Waits for /-/ready; false when the process exited first. */
async function ready(url: string, proc: ChildProcess, output: () => string): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) return false;
    if (await fetch(`${url}/-/ready`).then((r) => r.status === 200, () => false)) return true;
    if (Date.now() > deadline) throw new Error(`prometheus not ready within 20 s: ${output()}`);
    await sleep(100);
  }
}

export async function startPrometheus(t: { teardown(fn: () => void | Promise<void>): void }, jobs: Record<string, string[]>): Promise<PrometheusServer> {
  const dir = tmpDir(t, 'wardwatch-prometheus-');
  const scrape = Object.entries(jobs)
    .map(([job, targets]) => `  - job_name: ${job}\n    static_configs:\n      - targets: [${targets.map((x) => `"${x}"`).join(', ')}]`)
    .join('\n');
  const config = `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\nscrape_configs:\n${scrape}\n`;
  writeFileSync(join(dir, 'prometheus.yml'), config);
  let port = 0;
  let proc: ChildProcess | undefined;
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await done;
  };
  t.teardown(stop);
  // A free port can be taken by a parallel test before Prometheus binds it: pick another and retry.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    let output = '';
    const p = spawn(
      binary('prometheus'),
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc = p;
    p.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-10_000)));
    p.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-10_000)));
    if (await ready(`http://127.0.0.1:${port}`, p, () => output)) break;
    if (attempt >= 3 || !/address already in use/.test(output)) throw new Error(`prometheus did not start: ${output}`);
  }
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string, params: Record<string, string>): Promise<T> => {
    const res = await fetch(`${url}${path}`, { method: 'POST', body: new URLSearchParams(params) });
    const json = (await res.json()) as { status: string; data: T; error?: string };
    if (json.status !== 'success') throw new Error(`prometheus: ${json.error} (${JSON.stringify(params)})`);
    return json.data;
  };
  return {
    port,
    url,
    stop,
    async query(promql, at) {
      return (await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>('/api/v1/query', { query: promql, ...(at ? { time: String(at) } : {}) })).result;
    },
    async queryRange(promql, seconds, step) {
      const end = Date.now() / 1000;
      return (await api<{ result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>('/api/v1/query_range', { query: promql, start: String(end - seconds), end: String(end), step: String(step) })).result;
    },
    async targets() {
      const res = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ scrapeUrl: string; health: string; lastError: string }> } };
      return res.data.activeTargets;
    },
  };
}

/** Runs `promtool check metrics` on an exposition; status 0 and no output when it is clean. */
export function promtoolCheckMetrics(exposition: string): { status: number | null; output: string } {
  const r = spawnSync(binary('promtool'), ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}
