// Wire messages as plain data, for tests of the pure core.

import type { Inventory, MetricsMessage, Sample, StateMessage } from '../../protocol/schema.js';

export function inventory(role: Inventory['role'] = 'server', labels: Record<string, string> = {}, intervalS = 15): Inventory {
  return { hostname: 'host', role, version: '0.0.0-test', interval_s: intervalS, labels, os: { platform: 'linux', arch: 'x64' } };
}

export function metrics(agent: string, seq: number, ts: number, samples: Sample[], site = 'main', intervalS = 15): MetricsMessage {
  return { v: 1, kind: 'metrics', agent, site, seq, ts, interval_s: intervalS, samples };
}

export function cpu(value: number): Sample {
  return { m: 'cpu', fields: { usage_percent: value } };
}

export function fs(mount: string, usedPercent: number): Sample {
  return { m: 'fs', tags: { mount, fstype: 'ext4' }, fields: { used_percent: usedPercent } };
}

export function birth(agent: string, session: number, ts: number, opts: { seq?: number; role?: Inventory['role']; labels?: Record<string, string>; site?: string; intervalS?: number } = {}): StateMessage {
  return {
    v: 1,
    kind: 'state',
    agent,
    site: opts.site ?? 'main',
    seq: opts.seq ?? 0,
    ts,
    online: true,
    session,
    reason: 'birth',
    inventory: inventory(opts.role ?? 'server', opts.labels ?? {}, opts.intervalS ?? 15),
  };
}

export function will(agent: string, session: number, ts: number, reason: 'lost' | 'shutdown' = 'lost', site = 'main'): StateMessage {
  return { v: 1, kind: 'state', agent, site, seq: 0, ts, online: false, session, reason };
}
