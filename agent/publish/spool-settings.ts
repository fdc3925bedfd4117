// The `spool:` section of the agent config, turned into numbers. Sizes are written the way
// people say them ("200MB", "1GiB") or as a plain number of bytes.

import { SIZE_PATTERN, parseSize } from '../../common/size.js';
import { durationMs } from '../../common/duration.js';

export interface SpoolSettings {
  /** Upper bound on the bytes of messages kept; the oldest are dropped beyond it. */
  maxBytes: number;
  /** Messages older than this are dropped unsent. */
  maxAgeMs: number;
  /** Messages per second when a backlog is sent after a reconnect. */
  replayRate: number;
  /** Messages sent before waiting for the broker's acknowledgements. */
  inflight: number;
}

export { SIZE_PATTERN, parseSize };

export const SPOOL_DEFAULTS = { max_bytes: '100MiB', max_age: '24h', replay_rate: 100, inflight: 16 } as const;

export function resolveSpoolSettings(file: { max_bytes?: string | number; max_age?: string; replay_rate?: number; inflight?: number } = {}): SpoolSettings {
  return {
    maxBytes: parseSize(file.max_bytes ?? SPOOL_DEFAULTS.max_bytes),
    maxAgeMs: durationMs(file.max_age ?? SPOOL_DEFAULTS.max_age),
    replayRate: file.replay_rate ?? SPOOL_DEFAULTS.replay_rate,
    inflight: file.inflight ?? SPOOL_DEFAULTS.inflight,
  };
}
