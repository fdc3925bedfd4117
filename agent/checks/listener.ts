// Listeners: check parts that report on their own instead of once per run. Two kinds:
//   - receivers, such as the SNMP trap receiver, which publish a result whenever a device
//     sends something;
//   - checks with one result per item (a ping per target, a row per switch interface): the
//     runner publishes the check's own result (can the probe ping at all? does the switch
//     answer SNMP?) and the items go out through the listener's emit.
// A listener is found on the Check object itself (duck-typed `listen`/`unlisten`), so a check
// type stays one factory and the agent wires every listener with one call. Results take the
// same events path as the runner's.

import type { Logger } from '../../common/log.js';
import type { CheckResult } from '../../protocol/schema.js';
import type { Check } from './check.js';

/** Publishes results as one events message (split when above the protocol's 500 per message). */
export type Emit = (results: CheckResult[]) => void;

export interface Listener {
  /** Starts reporting through emit. Must not throw for a target's fault: report it instead. */
  listen(emit: Emit): Promise<void>;
  unlisten(): Promise<void>;
}

/** A check that also reports between or beside its runs. */
export type ListeningCheck = Check & Listener;

export function isListener(x: unknown): x is Listener {
  return typeof (x as Listener | undefined)?.listen === 'function' && typeof (x as Listener).unlisten === 'function';
}

export interface RunningListeners {
  readonly count: number;
  stop(): Promise<void>;
}

const MAX_EVENTS_PER_MESSAGE = 500;

/** Splits large batches so no message breaks the protocol's limit. */
export function chunked(publish: Emit): Emit {
  return (results) => {
    for (let i = 0; i < results.length; i += MAX_EVENTS_PER_MESSAGE) publish(results.slice(i, i + MAX_EVENTS_PER_MESSAGE));
  };
}

/**
 * Starts every listener among `candidates` (usually the agent's checks). One that fails to
 * start is logged and skipped: its check reports the problem on each run, the rest carry on.
 */
export async function startListeners(candidates: readonly unknown[], publish: Emit, log: Logger): Promise<RunningListeners> {
  const listeners = candidates.filter(isListener);
  const emit = chunked((results) => {
    if (results.length > 0) publish(results);
  });
  const started: Listener[] = [];
  for (const l of listeners) {
    try {
      await l.listen(emit);
      started.push(l);
    } catch (err) {
      log.warn('listener failed to start', { check: (l as { name?: string }).name, error: (err as Error).message });
    }
  }
  return {
    count: started.length,
    async stop() {
      await Promise.all(started.map((l) => l.unlisten().catch(() => undefined)));
    },
  };
}
