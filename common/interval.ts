// A drift-free interval loop. Each agent runs at a fixed offset inside the interval, derived
// from its id, so thousands of agents spread their publishes over the whole interval instead
// of all hitting the broker in the same second, and one agent keeps its slot across restarts.
// A run that overruns the interval skips the slots it missed rather than piling up.

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): { unref?(): void };
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** A stable offset in [0, intervalMs) from a string (FNV-1a). */
export function offsetFor(id: string, intervalMs: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % Math.max(1, Math.floor(intervalMs));
}

/** The first slot strictly after `now`: offset + k × interval. */
export function nextSlot(now: number, intervalMs: number, offsetMs: number): number {
  const k = Math.floor((now - offsetMs) / intervalMs) + 1;
  return offsetMs + k * intervalMs;
}

export interface IntervalLoop {
  stop(): void;
}

export function startInterval(
  opts: { intervalMs: number; offsetMs: number; run: (slot: number) => Promise<void>; timers?: Timers },
): IntervalLoop {
  const timers = opts.timers ?? realTimers;
  let handle: unknown;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    const slot = nextSlot(timers.now(), opts.intervalMs, opts.offsetMs);
    handle = timers.setTimeout(() => {
      void opts.run(slot).finally(schedule);
    }, Math.max(0, slot - timers.now()));
  };
  schedule();
  return {
    stop() {
      stopped = true;
      timers.clearTimeout(handle);
    },
  };
}
