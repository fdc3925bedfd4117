// ICMP reachability and latency of a list of targets: switches, routers, agent-less kiosks,
// the insurance platform's gateway. Each target gets its own result (labelled `host`, on the
// target's `node` when configured), so an unreachable kiosk is an alert on the kiosk. The
// check's own result says whether the probe could ping at all, and how many targets answered.

import type { FromSchema } from 'json-schema-to-ts';
import { durationMs } from '../../common/duration.js';
import type { CheckStatus } from '../../protocol/schema.js';
import { budgetMs } from './budget.js';
import { commonCheckProperties, type CheckOutcome, type CheckType } from './check.js';
import { mapLimit, ping, type PingOptions, type PingResult } from './icmp-ping.js';
import { ItemReporter, type ItemOutcome } from './items.js';
import type { ListeningCheck } from './listener.js';

const labels = commonCheckProperties.labels;

export const icmpCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'targets'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'icmp', description: 'Ping a list of targets: reachability, round trip (min/avg/max) and loss, one result per target.' },
    targets: {
      type: 'array',
      minItems: 1,
      maxItems: 256,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['host'],
        properties: {
          host: { type: 'string', maxLength: 253, pattern: '^[A-Za-z0-9][A-Za-z0-9.:%_-]*$', 'x-expected': 'a host name or IP address' },
          node: commonCheckProperties.node,
          labels,
        },
      },
    },
    count: { type: 'integer', minimum: 1, maximum: 20, default: 3, description: 'Echo requests per target and run.' },
    packet_interval: { type: 'string', pattern: '^([0-9]+(ms|s))+$', 'x-expected': 'a duration of at least "200ms"', default: '200ms', description: 'Time between echo requests (ping refuses less than 200ms without privileges).' },
    wait: { type: 'string', pattern: '^([0-9]+(ms|s))+$', 'x-expected': 'a duration like "1s"', default: '1s', description: 'How long to wait for each reply.' },
    warn_after: { type: 'string', pattern: '^([0-9]+(ms|s))+$', 'x-expected': 'a duration like "100ms"', description: 'A mean round trip above this is a warning.' },
    warn_loss_percent: { type: 'number', minimum: 0, maximum: 100, default: 0, description: 'Loss above this (but not all) is a warning; all lost is critical.' },
  },
} as const;

export type IcmpCheckSpec = FromSchema<typeof icmpCheckSchema, { keepDefaultedPropertiesOptional: true }>;

/**
 * Pings at a time: at least 16, more when the targets would not all fit into the time budget
 * one batch after another (256 targets of 2 s each in a 9 s budget: 72 at a time).
 */
export function parallelism(targets: number, deadlineMs: number, budget: number): number {
  return Math.min(targets, Math.max(16, Math.ceil((targets * deadlineMs) / Math.max(1, budget * 0.8))));
}
const r3 = (n: number) => Math.round(n * 1000) / 1000;

/** One target's ping as an item result. */
export function judgePing(host: string, r: PingResult, o: { warnMs: number; warnLoss: number; waitMs: number }): Omit<ItemOutcome, 'key' | 'node' | 'labels'> {
  const target = `icmp://${host}`;
  if (r.kind === 'broken') return { status: 'unknown', summary: r.why, target, fields: { loss_percent: 100 }, latencyMs: o.waitMs };
  if (r.kind === 'unreachable') return { status: 'critical', summary: r.why, target, errorClass: r.errorClass, fields: { loss_percent: 100 }, latencyMs: o.waitMs };
  const s = r.stats;
  const fields = { sent: s.transmitted, received: s.received, loss_percent: s.lossPercent, ...(s.avg !== undefined ? { rtt_min_ms: r3(s.min ?? s.avg), rtt_avg_ms: r3(s.avg), rtt_max_ms: r3(s.max ?? s.avg) } : {}) };
  if (s.received === 0) return { status: 'critical', summary: `no reply to ${s.transmitted} echo requests`, target, errorClass: 'timeout', fields, latencyMs: o.waitMs };
  const avg = s.avg ?? 0;
  let status: CheckStatus = 'ok';
  if (s.lossPercent > o.warnLoss || avg > o.warnMs) status = 'warning';
  const loss = s.lossPercent > 0 ? `, ${s.lossPercent}% lost` : '';
  return { status, summary: `${s.received}/${s.transmitted} replies, ${r3(s.min ?? avg)}/${r3(avg)}/${r3(s.max ?? avg)} ms min/avg/max${loss}`, target, fields, latencyMs: avg };
}

export const icmpCheck: CheckType<IcmpCheckSpec> = {
  schema: icmpCheckSchema,
  create(spec) {
    const budget = budgetMs(spec);
    const count = spec.count ?? 3;
    const intervalMs = Math.max(200, durationMs(spec.packet_interval ?? '200ms'));
    const waitMs = durationMs(spec.wait ?? '1s');
    // ping's deadline is whole seconds: the longest a full run takes, cut to what the budget allows.
    const deadlineS = Math.max(1, Math.min(Math.ceil(((count - 1) * intervalMs + waitMs) / 1000), Math.floor(budget / 1000)));
    const options: PingOptions = { count, intervalMs, waitMs, deadlineS };
    const parallel = parallelism(spec.targets.length, deadlineS * 1000, budget);
    const judge = { warnMs: spec.warn_after ? durationMs(spec.warn_after) : Infinity, warnLoss: spec.warn_loss_percent ?? 0, waitMs };
    const reporter = new ItemReporter(spec, 'icmp');
    const check: ListeningCheck = {
      name: spec.name,
      type: 'icmp',
      listen: (emit) => reporter.listen(emit),
      unlisten: () => reporter.unlisten(),
      async run(signal): Promise<CheckOutcome> {
        const started = performance.now();
        const results = await mapLimit(spec.targets, parallel, (t) => ping(t.host, options, signal));
        if (signal.aborted) return { status: 'unknown', summary: 'aborted' };
        const items: ItemOutcome[] = spec.targets.map((t, i) => ({
          ...judgePing(t.host, results[i] as PingResult, judge),
          key: { host: t.host },
          ...(t.node ? { node: t.node } : {}),
          ...(t.labels ? { labels: t.labels } : {}),
        }));
        // ping that cannot run says nothing about the targets: only the probe's own result tells.
        const broken = items.find((i) => i.status === 'unknown');
        if (broken) return { status: 'unknown', summary: broken.summary, fields: { targets: items.length } };
        reporter.report(items, performance.now() - started);
        const down = items.filter((i) => i.status === 'critical').map((i) => i.key.host as string);
        const fields = { targets: items.length, targets_down: down.length };
        const list = down.length > 5 ? `${down.slice(0, 5).join(', ')} and ${down.length - 5} more` : down.join(', ');
        return { status: 'ok', summary: `${items.length - down.length} of ${items.length} targets answer${down.length ? `; not answering: ${list}` : ''}`, fields };
      },
    };
    return check;
  },
};
