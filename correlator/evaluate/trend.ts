// Least-squares line through a series' recent samples: its slope (the rate of change) and
// when it reaches a limit (the forecast). Samples are kept per series for the rule's window,
// thinned so a long window never holds more than a few hundred points.

export interface Point {
  t: number;
  v: number;
}

const MAX_POINTS = 360;

export class TrendWindow {
  readonly points: Point[] = [];

  constructor(private readonly windowMs: number) {}

  add(t: number, v: number): void {
    const last = this.points[this.points.length - 1];
    if (last && t <= last.t) return; // out of order or duplicate time: ignore
    // Thin: keep at most MAX_POINTS over the window, evenly spaced in time.
    if (last && this.points.length > 1 && t - last.t < this.windowMs / MAX_POINTS) this.points.pop();
    this.points.push({ t, v });
    while (this.points.length > 0 && (this.points[0] as Point).t < t - this.windowMs) this.points.shift();
  }

  /** Slope per millisecond and the fitted value at the newest time; undefined below 2 points. */
  fit(): { slope: number; at: number; value: number } | undefined {
    const n = this.points.length;
    if (n < 2) return undefined;
    const t0 = (this.points[0] as Point).t;
    let st = 0;
    let sv = 0;
    let stt = 0;
    let stv = 0;
    for (const p of this.points) {
      const t = p.t - t0;
      st += t;
      sv += p.v;
      stt += t * t;
      stv += t * p.v;
    }
    const denom = n * stt - st * st;
    if (denom === 0) return undefined;
    const slope = (n * stv - st * sv) / denom;
    const intercept = (sv - slope * st) / n;
    const last = (this.points[n - 1] as Point).t;
    return { slope, at: last, value: intercept + slope * (last - t0) };
  }

  /** Milliseconds until the fitted line reaches `limit` from the newest point; undefined if never. */
  timeTo(limit: number): number | undefined {
    const f = this.fit();
    if (!f || f.slope === 0) return undefined;
    const ms = (limit - f.value) / f.slope;
    return ms >= 0 ? ms : undefined;
  }
}
