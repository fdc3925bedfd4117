// The `correlation:` section of the correlator config: the windows of the engine.

import { DURATION_PATTERN, durationMs } from '../../common/duration.js';

const duration = { type: 'string', pattern: DURATION_PATTERN, 'x-expected': 'a duration like "10s", "5m" or "1h"' } as const;

export const correlationSectionSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Windows of the correlation engine.',
  properties: {
    settle: { ...duration, default: '10s', description: 'How long an alert that may be a symptom waits for its root cause before it opens an incident of its own; also the quiet period after a restart.' },
    stale: { ...duration, default: '5m', description: 'Alerts from data older than this (a backlog replayed after an outage) wait for fresh data.' },
    resolve_hold: { ...duration, default: '30s', description: 'An incident resolves when its alerts have stayed clear this long, so a flapping node stays one incident.' },
    recovery_grace: { ...duration, default: '3m', description: 'After a root cause recovers, how long dependent alerts may take to clear before they are treated as faults of their own.' },
    hold: { ...duration, default: '15s', description: 'Beyond the settling window, how long an alert may be held while an upstream cause may still be forming (other nodes behind the same switch failing or not yet heard from).' },
    link_grace: { ...duration, default: '1m', description: "After the correlator's own broker link comes back, how long agents found lost wait to announce themselves again before they count as offline." },
  },
} as const;

export interface CorrelationSettings {
  settleMs: number;
  staleMs: number;
  resolveHoldMs: number;
  recoveryGraceMs: number;
  holdMs: number;
  linkGraceMs: number;
}

export function resolveCorrelationSection(section: { settle?: string; stale?: string; resolve_hold?: string; recovery_grace?: string; hold?: string; link_grace?: string } | undefined): CorrelationSettings {
  return {
    settleMs: durationMs(section?.settle ?? '10s'),
    staleMs: durationMs(section?.stale ?? '5m'),
    resolveHoldMs: durationMs(section?.resolve_hold ?? '30s'),
    recoveryGraceMs: durationMs(section?.recovery_grace ?? '3m'),
    holdMs: durationMs(section?.hold ?? '15s'),
    linkGraceMs: durationMs(section?.link_grace ?? '1m'),
  };
}
