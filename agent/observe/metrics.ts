// The agent's own Prometheus metrics, rendered by hand in the text exposition format (0.0.4).
// The agent has a dozen series; prom-client would add its registry, default collectors and
// their timers to a process that aims at 60 MB (the cost is measured in
// agent/observe/README.md), so the few counters live here as plain numbers and are written
// out on each scrape. Names follow Prometheus conventions: a wardwatch_agent_ prefix, base
// units, _total on counters.

import { readdirSync } from 'node:fs';
import type { CheckResult } from '../../protocol/schema.js';

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** What the session and the outbox say at scrape time. */
export interface AgentState {
  connected: boolean;
  /** Messages waiting for the broker. */
  outbox: number;
  /** Messages the outbox dropped at its bounds since the agent started. */
  outboxDropped: number;
}

type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function series(name: string, labels: Labels, value: number): string {
  const keys = Object.keys(labels);
  const l = keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(labels[k] as string)}"`).join(',')}}` : '';
  return `${name}${l} ${Number.isFinite(value) ? value : 'NaN'}`;
}

function family(name: string, type: 'counter' | 'gauge', help: string, rows: Array<[Labels, number]>): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...rows.map(([l, v]) => series(name, l, v))];
}

function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined; // not Linux
  }
}

export class AgentMetrics {
  private collections = 0;
  private samples = 0;
  private lastCollectSeconds = 0;
  private readonly messages = new Map<string, number>();
  private readonly checkResults = new Map<string, { labels: Labels; n: number }>();
  private readonly startSeconds = Math.round(Date.now() / 1000 - process.uptime());

  constructor(private readonly info: { version: string; role: string }) {}

  collected(samples: number, seconds: number): void {
    this.collections++;
    this.samples += samples;
    this.lastCollectSeconds = seconds;
  }

  sent(kind: 'metrics' | 'events'): void {
    this.messages.set(kind, (this.messages.get(kind) ?? 0) + 1);
  }

  checked(results: readonly CheckResult[]): void {
    for (const r of results) {
      const key = `${r.type}\u0000${r.status}`;
      const entry = this.checkResults.get(key) ?? { labels: { type: r.type, status: r.status }, n: 0 };
      entry.n++;
      this.checkResults.set(key, entry);
    }
  }

  render(state: AgentState): string {
    const cpu = process.cpuUsage();
    const fds = openFds();
    const lines = [
      ...family('wardwatch_agent_build_info', 'gauge', 'Version and role of this agent (value 1).', [[{ version: this.info.version, role: this.info.role }, 1]]),
      ...family('wardwatch_agent_collections_total', 'counter', 'Collections run.', [[{}, this.collections]]),
      ...family('wardwatch_agent_samples_total', 'counter', 'Sample rows collected.', [[{}, this.samples]]),
      ...family('wardwatch_agent_collect_duration_seconds', 'gauge', 'Time the last collection took.', [[{}, this.lastCollectSeconds]]),
      ...family('wardwatch_agent_messages_total', 'counter', 'Data messages handed to the publisher, by kind.', [...this.messages].map(([kind, n]): [Labels, number] => [{ kind }, n])),
      ...family('wardwatch_agent_check_results_total', 'counter', 'Check results, by check type and status.', [...this.checkResults.values()].map((e): [Labels, number] => [e.labels, e.n])),
      ...family('wardwatch_agent_broker_connected', 'gauge', '1 while connected to the MQTT broker.', [[{}, state.connected ? 1 : 0]]),
      ...family('wardwatch_agent_outbox_messages', 'gauge', 'Messages waiting for the broker.', [[{}, state.outbox]]),
      ...family('wardwatch_agent_outbox_dropped_total', 'counter', 'Messages dropped unsent at the outbox bounds since the agent started.', [[{}, state.outboxDropped]]),
      ...family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', [[{}, (cpu.user + cpu.system) / 1e6]]),
      ...family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [[{}, process.memoryUsage.rss()]]),
      ...family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', [[{}, this.startSeconds]]),
      ...(fds !== undefined ? family('process_open_fds', 'gauge', 'Number of open file descriptors.', [[{}, fds]]) : []),
    ];
    return lines.join('\n') + '\n';
  }
}
