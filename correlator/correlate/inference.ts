// Root inference: naming a cause nothing reports about. When several nodes behind one upstream
// node fail together, the upstream node is the likely cause even if no probe watches it; when
// several machines' checks of one target fail, the target is. Pure: the correlator supplies
// what is failing and when each node was last heard from.

import type { Failing, Topology } from '../topology/topology.js';

export interface InferenceOptions {
  /** At least this many failing nodes behind a node before it is suspected. */
  min: number;
  /** … and at least this share of the nodes behind it that report at all. */
  share: number;
}

export const DEFAULT_INFERENCE: InferenceOptions = { min: 2, share: 0.5 };

/** What is known of the nodes behind one upstream node. */
export interface Behind {
  /** Nodes behind it that report (an agent, or a probe's checks about them). */
  observed: number;
  /** Of those, how many have an outage-effect alert firing (placed or still waiting). */
  failing: number;
  /** First and last firing of the failing ones (arrival time), for the evidence line. */
  firstFailure: number;
  lastFailure: number;
  /** When each reporting node behind it that is not failing was last heard from, ascending. */
  aliveSeen: number[];
}

/** Nothing behind it yet: the start of every count. */
export function noneBehind(): Behind {
  return { observed: 0, failing: 0, firstFailure: Infinity, lastFailure: -Infinity, aliveSeen: [] };
}

/** Reporting nodes behind it not heard from since `t`: their silence may yet be a failure. */
export function unheardSince(b: Behind, t: number): number {
  let lo = 0;
  let hi = b.aliveSeen.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((b.aliveSeen[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface Candidate {
  node: string;
  behind: Behind;
  /** 'topology': behind it in the dependency graph; 'target': checks naming it failed. */
  via: 'topology' | 'target';
  /** How many nodes lie upstream of it: of two that explain the same, the deeper is nearer the fault. */
  depth?: number;
}

export interface NodeFacts {
  /** Whether the node has an outage alert firing. */
  failing: Failing;
  /** When an outage alert of the node first fired (arrival time), if one fires. */
  failedAt: (node: string) => number | undefined;
  /** Arrival time of the node's latest data, if it ever reported. */
  lastSeen: (node: string) => number | undefined;
  /** Whether a failing node is already explained by a down node that is not behind `upstream`. */
  explainedElsewhere: (node: string, upstream: string) => boolean;
}

/** Counts the nodes behind `upstream` that report and that fail (through live paths only). */
export function behind(topology: Topology, upstream: string, down: Failing, facts: NodeFacts): Behind {
  const out = noneBehind();
  for (const n of topology.liveDescendants(upstream, down)) {
    const failing = facts.failing(n);
    if (failing && facts.explainedElsewhere(n, upstream)) continue;
    const seen = facts.lastSeen(n);
    if (!failing && seen === undefined) continue;
    out.observed++;
    if (failing) {
      out.failing++;
      const at = facts.failedAt(n);
      if (at !== undefined) {
        out.firstFailure = Math.min(out.firstFailure, at);
        out.lastFailure = Math.max(out.lastFailure, at);
      }
    } else if (seen !== undefined) out.aliveSeen.push(seen);
  }
  out.aliveSeen.sort((a, b) => a - b);
  return out;
}

export function enough(b: Behind, opts: InferenceOptions): boolean {
  return b.failing >= opts.min && b.observed > 0 && b.failing / b.observed >= opts.share;
}

/**
 * The best suspect among candidates: the one explaining the most failing nodes, and of those
 * the nearest (fewest reporting nodes behind it, then deepest), so a chain A → B → terminals
 * names B, not A.
 */
export function bestSuspect(candidates: Candidate[]): Candidate | undefined {
  const rank = (a: Candidate, b: Candidate) =>
    b.behind.failing - a.behind.failing || a.behind.observed - b.behind.observed || (b.depth ?? 0) - (a.depth ?? 0) || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);
  let best: Candidate | undefined;
  for (const c of candidates) if (!best || rank(c, best) < 0) best = c;
  return best;
}

export const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

/** The evidence line of a suspicion: "41 of 44 nodes behind acc-sw-3 lost within 4.0 s". */
export function suspicionDetail(c: Candidate): string {
  const b = c.behind;
  const spread = Number.isFinite(b.firstFailure) && Number.isFinite(b.lastFailure) ? ` within ${seconds(b.lastFailure - b.firstFailure)}` : '';
  if (c.via === 'target') return `${b.failing} check(s) of ${c.node} from different machines failing${spread}; nothing reports about ${c.node} itself`;
  return `${b.failing} of ${b.observed} reporting nodes behind ${c.node} lost${spread}; nothing reports ${c.node} itself failing yet`;
}
