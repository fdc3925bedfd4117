// Check results arrive as events; rules see them as samples of the `check` measurement, so a
// threshold on `check.latency_mean_ms` or `check.status_level` works like any other metric.
// What a result says about its target (the target, its topology node, why it failed) travels
// beside the sample, not in its tags: a check keeps one series whichever error it meets.

import type { ErrorClass, EventsMessage, MetricsMessage, Sample } from '../../protocol/schema.js';

export const STATUS_LEVEL = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;

/** A check result's target, as the agent reported it. */
export interface CheckTarget {
  /** What was checked, without credentials: "tcp://dns-01:53". */
  target?: string;
  /** The target's topology node when the check config names it. */
  targetNode?: string;
  /** Why the run failed; absent when it passed. */
  errorClass?: ErrorClass;
}

/** Samples of check results, each with its target beside it (by sample). */
export type CheckMetrics = MetricsMessage & { readonly checkTargets: ReadonlyMap<Sample, CheckTarget> };

export function eventsAsMetrics(msg: EventsMessage): CheckMetrics {
  const checkTargets = new Map<Sample, CheckTarget>();
  const samples: Sample[] = msg.events.map((e) => {
    const fields: Record<string, number> = { status_level: STATUS_LEVEL[e.status] };
    if (e.duration_ms !== undefined) fields.duration_ms = e.duration_ms;
    for (const [k, v] of Object.entries(e.fields ?? {})) {
      if (typeof v === 'number') fields[k] = v;
      else if (typeof v === 'boolean') fields[k] = v ? 1 : 0;
    }
    const sample: Sample = { m: 'check', tags: { ...(e.labels ?? {}), check: e.check, type: e.type, ...(e.node ? { node: e.node } : {}) }, fields };
    if (e.target !== undefined || e.target_node !== undefined || e.error_class !== undefined) {
      checkTargets.set(sample, {
        ...(e.target !== undefined ? { target: e.target } : {}),
        ...(e.target_node !== undefined ? { targetNode: e.target_node } : {}),
        ...(e.error_class !== undefined ? { errorClass: e.error_class } : {}),
      });
    }
    return sample;
  });
  return { v: 1, kind: 'metrics', agent: msg.agent, site: msg.site, seq: msg.seq, ts: msg.ts, samples, checkTargets };
}

/**
 * The host a check target names: "tcp://dns-01:53" → dns-01, "https://his.local/login" →
 * his.local, "mssql://probe@10.1.2.3:1433/his" → 10.1.2.3, "icmp://[fe80::1]" → fe80::1.
 * Undefined for targets that name no host (a systemd unit, a process).
 */
export function targetHost(target: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(target.trim());
  const host = m?.[1];
  if (!host) return undefined;
  return host.replace(/^\[|\]$/g, '').toLowerCase();
}
