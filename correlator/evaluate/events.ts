// Check results arrive as events; rules see them as samples of the `check` measurement, so a
// threshold on `check.latency_mean_ms` or `check.status_level` works like any other metric.

import type { EventsMessage, MetricsMessage, Sample } from '../../protocol/schema.js';

export const STATUS_LEVEL = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;

export function eventsAsMetrics(msg: EventsMessage): MetricsMessage {
  const samples: Sample[] = msg.events.map((e) => {
    const fields: Record<string, number> = { status_level: STATUS_LEVEL[e.status] };
    if (e.duration_ms !== undefined) fields.duration_ms = e.duration_ms;
    for (const [k, v] of Object.entries(e.fields ?? {})) {
      if (typeof v === 'number') fields[k] = v;
      else if (typeof v === 'boolean') fields[k] = v ? 1 : 0;
    }
    return { m: 'check', tags: { ...(e.labels ?? {}), check: e.check, type: e.type, ...(e.node ? { node: e.node } : {}) }, fields };
  });
  return { v: 1, kind: 'metrics', agent: msg.agent, site: msg.site, seq: msg.seq, ts: msg.ts, samples };
}
