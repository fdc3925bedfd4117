// Flap detection after Icinga: keep the last 21 states (problem or not) of an alert's series,
// weigh each of the 20 state changes from 0.8 (oldest) to 1.2 (newest), and call the series
// flapping above 30% weighted change, stable again below 25%. While flapping, an alert does
// not resolve, so a kiosk going on and off the network is one incident, marked flapping.

export const FLAP_HIGH_PERCENT = 30;
export const FLAP_LOW_PERCENT = 25;
const SIZE = 21;

export class FlapHistory {
  /** Bit i = state i samples ago (1 = problem). */
  private bits = 0;
  private n = 0;
  flapping = false;

  /** Records one state; says when flapping starts or stops. */
  record(problem: boolean): 'started' | 'stopped' | undefined {
    this.bits = ((this.bits << 1) | (problem ? 1 : 0)) & ((1 << SIZE) - 1);
    this.n = Math.min(SIZE, this.n + 1);
    const p = this.percent();
    if (!this.flapping && p > FLAP_HIGH_PERCENT) {
      this.flapping = true;
      return 'started';
    }
    if (this.flapping && p < FLAP_LOW_PERCENT) {
      this.flapping = false;
      return 'stopped';
    }
    return undefined;
  }

  /** Weighted share of state changes over the last 20 transitions, 0–100. */
  percent(): number {
    let weighted = 0;
    for (let i = 0; i < this.n - 1; i++) {
      // transition between state i+1 (older) and state i (newer); i = 0 is the newest
      const changed = ((this.bits >> i) & 1) !== ((this.bits >> (i + 1)) & 1);
      if (changed) weighted += 0.8 + 0.4 * ((SIZE - 2 - i) / (SIZE - 2));
    }
    return (weighted / (SIZE - 1)) * 100;
  }

  /** No problem in the whole history: the series state can be forgotten. */
  get quiet(): boolean {
    return this.n >= SIZE && this.bits === 0 && !this.flapping;
  }
}
