// The spool reports on itself in the agent's own sample, so the correlator and the dashboards
// see a backlog building and any messages lost to the bounds: agent.spool_messages is what
// waits now, agent.spool_dropped counts drops since the spool was created (across restarts).

import type { Sample } from '../../protocol/schema.js';

export interface SpoolFigures {
  readonly size: number;
  readonly droppedTotal: number;
}

export function withSpoolFields(samples: Sample[], spool: SpoolFigures): Sample[] {
  const fields = { spool_messages: spool.size, spool_dropped: spool.droppedTotal };
  const own = samples.find((s) => s.m === 'agent');
  if (own) {
    own.fields = { ...own.fields, ...fields };
    return samples;
  }
  return [...samples, { m: 'agent', fields }];
}
