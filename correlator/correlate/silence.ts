// Silences and maintenance windows: "the PACS upgrade runs Saturday 22:00–02:00, hold its
// alerts". Alerts that match an active silence are recorded and open nothing; whatever is
// still failing when the window ends opens an incident then. A silence names label matchers
// (the rule selector language) and/or topology nodes; alerts on nodes that depend on a node
// in maintenance are held too, since their root cause is the maintenance.

import type { FromSchema } from 'json-schema-to-ts';
import { DURATION_PATTERN, durationMs } from '../../common/duration.js';
import { compileSelector, selectorSchema, type Selector } from '../topology/selector.js';
import type { Alert } from '../evaluate/alert.js';

export interface Silence {
  id: string;
  /** Label matchers; all must match. Empty when the silence is by node only. */
  matchers: Selector;
  /** Topology nodes in maintenance. */
  nodes: string[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  expiredAt?: number;
  expiredBy?: string;
}

export function silenceActive(s: Silence, at: number): boolean {
  return at >= s.startsAt && at < Math.min(s.endsAt, s.expiredAt ?? Infinity);
}

/** Whether the silence covers this alert directly (by labels or by its node). */
export function silenceCovers(s: Silence, alert: Pick<Alert, 'node' | 'labels'>): boolean {
  const byNode = s.nodes.length > 0 && s.nodes.includes(alert.node);
  const hasMatchers = Object.keys(s.matchers).length > 0;
  if (!hasMatchers) return byNode;
  const labels = { ...alert.labels, node: alert.node };
  const byLabels = compileSelector(s.matchers)(labels);
  return s.nodes.length > 0 ? byNode && byLabels : byLabels;
}

const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$';
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;

/**
 * How a person asks for a silence: the API's request body, and a silence line of a replayed
 * stream. Times are RFC 3339; without starts_at it starts when asked; ends_at or duration.
 */
export const silenceRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['comment'],
  properties: {
    matchers: selectorSchema,
    nodes: { type: 'array', items: text(128), maxItems: 500 },
    starts_at: { type: 'string', pattern: RFC3339 },
    ends_at: { type: 'string', pattern: RFC3339 },
    duration: { type: 'string', pattern: DURATION_PATTERN },
    comment: text(500),
  },
} as const;

export type SilenceRequest = FromSchema<typeof silenceRequestSchema>;

/** The silence a validated request asks for at `at`, or what is wrong with it. */
export function silenceFromRequest(b: SilenceRequest, at: number, id: string, createdBy: string): { ok: true; silence: Silence } | { ok: false; error: string } {
  const startsAt = b.starts_at ? Date.parse(b.starts_at) : at;
  const endsAt = b.ends_at ? Date.parse(b.ends_at) : b.duration ? startsAt + durationMs(b.duration) : Number.NaN;
  if (!Number.isFinite(endsAt)) return { ok: false, error: 'give ends_at or duration' };
  if (endsAt <= startsAt) return { ok: false, error: 'ends_at: must be after starts_at' };
  const matchers = (b.matchers ?? {}) as Selector;
  const nodes = b.nodes ?? [];
  if (Object.keys(matchers).length === 0 && nodes.length === 0) return { ok: false, error: 'a silence needs matchers or nodes; an empty one would hold every alert' };
  return { ok: true, silence: { id, matchers, nodes, startsAt, endsAt, createdBy, comment: b.comment } };
}
