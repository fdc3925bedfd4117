// Checks: the agent's active probes (TCP, HTTP, DICOM, HL7, databases, SNMP…). A check type is
// a tiny module: a JSON Schema for its config block and a factory that turns a validated block
// into a Check. The runner schedules checks, enforces timeouts, keeps rolling statistics and
// publishes every result as an event; the correlator turns events into `check.*` samples.

import type { CheckStatus, ErrorClass } from '../../protocol/schema.js';

export type FieldValue = number | string | boolean;

export interface CheckOutcome {
  status: CheckStatus;
  /** One line for a person: "HTTP 503 after 5.2 s", "C-ECHO ok in 55 ms". */
  summary: string;
  /** What was checked, without credentials: "tcp://10.1.2.3:1521", "https://his.local/login". */
  target?: string;
  /** Why a failed run failed (error-class.ts); the runner sends it only when the status is not ok. */
  errorClass?: ErrorClass;
  /** Measured values: status_code, days_left, ack_code… Numbers become `check.<name>` metrics. */
  fields?: Record<string, FieldValue>;
}

/** What a check may need from the agent besides its own config block. */
export interface CheckContext {
  agentId: string;
  /** The agent's data directory, for checks that keep state between runs. */
  dataDir: string;
  log: import('../../common/log.js').Logger;
}

export interface Check {
  readonly name: string;
  readonly type: string;
  /** Run one probe. Must settle before the signal aborts (the runner aborts at the timeout). */
  run(signal: AbortSignal): Promise<CheckOutcome>;
  close?(): Promise<void>;
}

/** Settings every check block has, whatever its type. */
export interface CheckCommon {
  name: string;
  type: string;
  interval?: string;
  schedule?: string;
  timeout?: string;
  window?: string;
  node?: string;
  target_node?: string;
  labels?: Record<string, string>;
}

export interface CheckType<Spec extends CheckCommon = CheckCommon> {
  /** JSON Schema of one config block of this type (including the common keys). */
  readonly schema: object;
  create(spec: Spec, ctx: CheckContext): Check;
}

/** The common keys, to spread into each type's schema `properties`. */
export const commonCheckProperties = {
  name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,127}$', 'x-expected': 'a check name of lowercase letters, digits, ".", "-" or "_"', description: 'Unique on this agent; appears in events, alerts and dashboards.' },
  interval: { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w))+$', 'x-expected': 'a duration like "30s" or "5m"', description: 'How often the check runs (default 60s).' },
  schedule: { type: 'string', minLength: 9, description: 'Cron expression instead of an interval, for inspections ("0 2 * * *").' },
  timeout: { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w))+$', 'x-expected': 'a duration like "5s"', description: 'A run taking longer is critical (default 10s).' },
  window: { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w))+$', 'x-expected': 'a duration like "15m"', description: 'Window of the rolling error rate and latency figures (default 15m).' },
  node: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,127}$', 'x-expected': 'a topology node id', description: 'The topology node this check is about, when it is not this agent\'s own host: alerts from the check land on that node.' },
  target_node: {
    type: 'string',
    pattern: '^[a-z0-9][a-z0-9._-]{0,127}$',
    'x-expected': 'a topology node id',
    description: "The topology node this check's target is, e.g. db-his-01: while that node fails, this check failing is a symptom of it. Without it the correlator looks the target's host up in the topology (node ids and addresses).",
  },
  labels: {
    type: 'object',
    description: 'Labels for rules and dashboards, e.g. service: his.',
    propertyNames: { pattern: '^[a-z_][a-z0-9_]{0,31}$' },
    additionalProperties: { type: 'string', maxLength: 128 },
  },
} as const;

/** Milliseconds as a person reads them in a summary. */
export function ms(n: number): string {
  return n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`;
}
