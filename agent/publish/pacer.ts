// A token bucket for the backlog: after a reconnect the spool is sent at a set rate of
// messages per second, so a thousand agents coming back after a broker restart do not hand
// it a million messages in the same second. Live traffic (one message per interval) never
// reaches the limit. Time is an argument, so the arithmetic is tested without waiting.

export class Pacer {
  private tokens: number;
  private last: number | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly burst = Math.max(1, Math.ceil(perSecond / 10)),
  ) {
    this.tokens = burst;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token. */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  private refill(now: number): void {
    if (this.last !== undefined && now > this.last) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = this.last === undefined ? now : Math.max(this.last, now);
  }
}
