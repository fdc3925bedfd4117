// Rolling figures per check over a time window: error rate, mean and 95th percentile latency,
// so a ticket can say "registration: mean 5.2 s, 3% errors" from what the agent measured.

export interface RollingFigures {
  runs: number;
  error_rate_percent: number;
  latency_mean_ms: number;
  latency_p95_ms: number;
}

export class RollingWindow {
  private readonly entries: Array<{ at: number; ok: boolean; ms: number }> = [];

  constructor(private readonly windowMs: number) {}

  add(at: number, ok: boolean, durationMs: number): RollingFigures {
    this.entries.push({ at, ok, ms: durationMs });
    while (this.entries.length > 0 && (this.entries[0] as { at: number }).at <= at - this.windowMs) this.entries.shift();
    if (this.entries.length > 10_000) this.entries.splice(0, this.entries.length - 10_000);
    return this.figures();
  }

  figures(): RollingFigures {
    const n = this.entries.length;
    if (n === 0) return { runs: 0, error_rate_percent: 0, latency_mean_ms: 0, latency_p95_ms: 0 };
    const errors = this.entries.filter((e) => !e.ok).length;
    const sorted = this.entries.map((e) => e.ms).sort((a, b) => a - b);
    const mean = sorted.reduce((s, v) => s + v, 0) / n;
    const p95 = sorted[Math.min(n - 1, Math.ceil(0.95 * n) - 1)] as number;
    const r = (v: number) => Math.round(v * 100) / 100;
    return { runs: n, error_rate_percent: r((100 * errors) / n), latency_mean_ms: r(mean), latency_p95_ms: r(p95) };
  }
}
