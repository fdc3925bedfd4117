// The state machine every condition-on-a-series rule shares (threshold, rate, forecast,
// aggregate): pending while the condition has not held long enough (`for: N` samples or a
// duration), firing once it has, resolved when it clears past the clear level (hysteresis), and
// held firing while the series flaps. A sample that is history (a backlog on arrival) moves the
// state like any other, but an alert it fires carries the mark until live data confirms it.

import type { Alert, AlertChange, AlertReason } from './alert.js';
import { FlapHistory } from './flapping.js';
import type { TrendWindow } from './trend.js';

export interface SeriesState {
  /** Consecutive evaluations on the firing side (before firing). */
  count: number;
  /** Time of the first of those. */
  since: number;
  /** The alert, while firing. */
  alert?: Alert;
  /** Created when the series first fires; kept until the history is quiet again. */
  flap?: FlapHistory;
  /** Recent points, for rate and forecast rules. */
  trend?: TrendWindow;
}

export interface Step {
  /** The condition on the firing side of the threshold (not yet firing). */
  breach: boolean;
  /** The condition still holding on the clear level (already firing). */
  hold: boolean;
  value: number;
  /** Time of the evaluation (event time for samples, on the correlator's clock). */
  ts: number;
  at: number;
  /** The sample was already too old to be live when it arrived (a backlog): it is history. */
  history?: boolean;
  forSamples: number;
  forMs: number;
  fire: AlertReason;
  clear: AlertReason;
  build(since: number): Alert;
}

function resolved(alert: Alert, at: number, reason: AlertReason): AlertChange {
  return { type: 'alert.resolved', alert: { ...alert, state: 'resolved', resolvedAt: at, flapping: false }, reason };
}

/**
 * Advances one series by one evaluation. Returns the changes and whether the state can be
 * dropped (nothing pending, nothing firing, no flap history worth keeping).
 */
export function advance(s: SeriesState, step: Step): { changes: AlertChange[]; drop: boolean } {
  const changes: AlertChange[] = [];
  if (s.alert) {
    let alert = s.alert;
    alert.value = step.value;
    alert.lastTs = Math.max(alert.lastTs ?? step.ts, step.ts);
    if (alert.history && !step.history && step.hold) {
      // Live data still breaches: the condition is current after all, and fires as a live alert
      // (a new object: the history one was handed on already).
      const { history: _, ...live } = alert;
      alert = s.alert = { ...live, firedAt: step.at, triggerTs: step.ts };
      changes.push({ type: 'alert.firing', alert, reason: step.fire });
    }
    const flapNow = s.flap?.record(step.hold);
    if (flapNow === 'started') {
      alert.flapping = true;
      changes.push({ type: 'alert.flapping', alert, reason: 'flapping-started' });
    }
    if (step.hold) {
      if (flapNow === 'stopped') {
        alert.flapping = false;
        changes.push({ type: 'alert.flapping', alert, reason: 'flapping-stopped' });
      }
      return { changes, drop: false };
    }
    if (s.flap?.flapping) return { changes, drop: false }; // clear while flapping: stays one incident
    s.alert = undefined;
    s.count = 0;
    changes.push(resolved(alert, step.at, flapNow === 'stopped' ? 'flapping-stopped' : step.clear));
    return { changes, drop: !s.flap };
  }
  s.flap?.record(step.breach);
  if (!step.breach) {
    s.count = 0;
    return { changes, drop: !s.flap || s.flap.quiet };
  }
  if (s.count === 0) s.since = step.ts;
  s.count++;
  if (s.count < step.forSamples || step.ts - s.since < step.forMs) return { changes, drop: false };
  const alert = step.build(s.since);
  alert.lastTs = step.ts;
  if (step.history) alert.history = true;
  s.alert = alert;
  if (!s.flap) {
    s.flap = new FlapHistory();
    s.flap.record(true);
  }
  if (s.flap.flapping) alert.flapping = true;
  changes.push({ type: 'alert.firing', alert, reason: step.fire });
  return { changes, drop: false };
}

export { resolved as resolvedChange };
