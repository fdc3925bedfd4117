import type { Sample } from '../../protocol/schema.js';

/**
 * One source of samples. `collect` is called once per interval with the collection time;
 * rate collectors keep their previous counters between calls. A collector that fails throws;
 * the loop logs it and carries on with the others.
 */
export interface Collector {
  readonly name: string;
  /** Takes the first counter reading, so the first snapshot already has rates. */
  prime?(now: number): Promise<void>;
  collect(now: number): Promise<Sample[]>;
}

/** Rounds to a fixed number of decimals so snapshots stay small and readable. */
export function round(value: number, decimals = 2): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Rate per second between two counter readings; a counter that went backwards (reset, wrap) yields 0. */
export function ratePerSecond(prev: number, cur: number, elapsedMs: number): number {
  if (elapsedMs <= 0 || cur < prev) return 0;
  return ((cur - prev) * 1000) / elapsedMs;
}
