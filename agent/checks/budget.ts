// Time budgets of probes. A probe should settle inside the runner's timeout with its own, more
// precise answer ("connected in 3 ms, no ACK within 9 s", "ping: 0 of 3 answered") rather than
// the runner's generic "no answer within 10 s": it gets most of the check's timeout and keeps
// the rest to close sockets and report.

import type { CheckCommon } from './check.js';
import { schedule } from './runner.js';

/** The runner's timeout for this spec (its default when none is given). */
export function timeoutMs(spec: CheckCommon): number {
  return schedule({ name: spec.name, type: spec.type, run: async () => ({ status: 'unknown', summary: '' }) }, spec).timeoutMs;
}

/** The share of the timeout a probe may spend waiting on its target. */
export function budgetMs(spec: CheckCommon): number {
  const t = timeoutMs(spec);
  return Math.max(50, Math.min(t - 200, Math.round(t * 0.9)));
}

