// How far each agent's clock is from the correlator's, learnt from arrival times alone, so
// that every time the evaluator hands on is on the correlator's clock (Zabbix shifts values by
// the sender's offset the same way; Sentry Relay corrects drift from `sent_at`).
//
// A message's apparent delay, arrival time minus its own `ts`, is the offset plus however
// long the message took: network, broker, a spool. The delay is never negative, so the
// smallest apparent delay seen is the best estimate (NTP's minimum-delay filter), and a
// smaller one is adopted at once. A larger one is ambiguous: a replayed backlog looks
// exactly like a clock that stepped back. A backlog is sent as fast as the agent's pacer
// allows, so its apparent delay falls by almost the whole production interval from one
// message to the next; a live stream's stays level. The estimate therefore only rises when
// two messages at least CONFIRM_MS apart in arrival agree within TOLERANCE_MS: that is a
// live stream at the new level, and no backlog ever looks like one.

import type { Sample } from '../../protocol/schema.js';

/** Two messages this far apart in arrival … */
export const CONFIRM_MS = 10_000;
/** … whose apparent delays agree this closely come from a live stream. */
export const TOLERANCE_MS = 5_000;
/** Arrivals remembered per agent, and for how long. */
const WINDOW = 16;
const WINDOW_MS = 10 * 60_000;

export class ClockEstimate {
  // The recent arrivals as a ring of plain numbers: one per message per agent, so no object each.
  private readonly at = new Float64Array(WINDOW);
  private readonly delay = new Float64Array(WINDOW);
  private start = 0;
  private count = 0;

  /**
   * @param offsetMs correlator clock minus agent clock: add it to an agent timestamp. Starts at
   * what was learnt before a restart, or 0: an agent's clock is trusted until arrivals prove
   * it wrong, so a backlog from an agent never heard from is still recognised as old.
   */
  constructor(public offsetMs = 0) {}

  /** One message from the agent: `at` on the correlator's clock, `ts` on the agent's. Returns the estimate. */
  observe(at: number, ts: number): number {
    const delay = at - ts;
    while (this.count > 0 && ((this.at[this.start] as number) < at - WINDOW_MS || this.count >= WINDOW)) {
      this.start = (this.start + 1) % WINDOW;
      this.count--;
    }
    if (delay <= this.offsetMs) this.offsetMs = delay;
    else {
      let best = Infinity;
      for (let k = 0; k < this.count; k++) {
        const i = (this.start + k) % WINDOW;
        const d = this.delay[i] as number;
        if (at - (this.at[i] as number) >= CONFIRM_MS && Math.abs(d - delay) <= TOLERANCE_MS && d < best) best = d;
      }
      if (best !== Infinity) this.offsetMs = Math.min(delay, best);
    }
    const end = (this.start + this.count) % WINDOW;
    this.at[end] = at;
    this.delay[end] = delay;
    this.count++;
    return this.offsetMs;
  }

  /** An agent timestamp on the correlator's clock. */
  correct(ts: number): number {
    return ts + this.offsetMs;
  }
}

/**
 * How old (on the correlator's clock) a sample may be when it arrives and still count as live.
 * A live stream arrives within moments once the clock offset is taken out; anything older is a
 * backlog draining (an agent's spool, a broker's queue), oldest first. Its newest part may be
 * younger than the stale bound, yet already superseded by what follows in the same burst, so
 * three of the agent's intervals (a minute at least) is the bound, and never more than `staleMs`.
 */
export function historyAfterMs(intervalMs: number, staleMs: number): number {
  return Math.min(staleMs, Math.max(60_000, 3 * intervalMs));
}

/** The offset as a sample of the agent's own measurement, so ordinary rules can watch it. */
export function clockSample(offsetMs: number): Sample {
  const s = Math.round(offsetMs / 100) / 10;
  return { m: 'agent', fields: { clock_offset_s: s, clock_skew_s: Math.abs(s) } };
}
