// Interface counters to rates, pure. SNMP counters only ever count up and wrap to zero at 2^32
// (Counter32: ifInOctets, which a 1 Gbit/s link wraps in 34 s at full speed) or 2^64
// (Counter64: ifHCInOctets). Between two polls a smaller reading is a wrap; but when the
// device (its SNMP agent) restarted, sysUpTime went backwards and the counters started over:
// that is not a wrap, and no rate can be computed across it.

export const TIMETICKS_WRAP = 2 ** 32; // sysUpTime is TimeTicks: hundredths of a second, 32 bits (497 days)

/** Difference of two readings of a counter that wraps at 2^bits, assuming at most one wrap. */
export function counterDelta(prev: bigint, cur: bigint, bits: 32 | 64): bigint {
  return cur >= prev ? cur - prev : cur + (1n << BigInt(bits)) - prev;
}

/**
 * Did the device's SNMP agent restart between two polls? sysUpTime going backwards says so,
 * unless it is TimeTicks itself wrapping after 497 days, which lands where the elapsed time
 * says it should.
 */
export function agentRestarted(prevTicks: number, curTicks: number, elapsedMs: number): boolean {
  if (curTicks >= prevTicks) return false;
  const expected = prevTicks + elapsedMs / 10 - TIMETICKS_WRAP;
  const slack = Math.max(elapsedMs / 40, 500);
  return !(expected > -slack && Math.abs(expected - curTicks) <= slack);
}

/** Line speed in bits/s: ifHighSpeed (Mbit/s) when ifSpeed is saturated or absent; none when unknown. */
export function lineSpeedBps(ifSpeed: number | undefined, ifHighSpeedMbps: number | undefined): number | undefined {
  const high = ifHighSpeedMbps && ifHighSpeedMbps > 0 ? ifHighSpeedMbps * 1e6 : undefined;
  if (high !== undefined && (ifSpeed === undefined || ifSpeed >= 4294967295 || high > ifSpeed)) return high;
  return ifSpeed && ifSpeed > 0 ? ifSpeed : high;
}

export interface CounterReading {
  /** Local time of the poll, ms. */
  at: number;
  /** Width of the octet counters: 64 (ifHC*) or 32 (ifIn/OutOctets). */
  bits: 32 | 64;
  inOctets: bigint;
  outOctets: bigint;
  /** Counter32 error and discard counters, when the device has them. */
  inErrors?: bigint;
  outErrors?: bigint;
  inDiscards?: bigint;
  outDiscards?: bigint;
}

export interface InterfaceRates {
  inBps: number;
  outBps: number;
  /** Utilisation of the line speed, 0–100; absent when the speed is unknown. */
  inPercent?: number;
  outPercent?: number;
  inErrorsPerS?: number;
  outErrorsPerS?: number;
  inDiscardsPerS?: number;
  outDiscardsPerS?: number;
}

export type RatesResult = { ok: true; rates: InterfaceRates } | { ok: false; why: string };

const perSecond = (prev: bigint | undefined, cur: bigint | undefined, seconds: number): number | undefined =>
  prev === undefined || cur === undefined ? undefined : Number(counterDelta(prev, cur, 32)) / seconds;

/** Rates between two readings of one interface. */
export function interfaceRates(prev: CounterReading | undefined, cur: CounterReading, speedBps: number | undefined, restarted: boolean): RatesResult {
  if (!prev) return { ok: false, why: 'first sample, rates from the next poll' };
  if (restarted) return { ok: false, why: 'device restarted, counters start over' };
  if (prev.bits !== cur.bits) return { ok: false, why: 'counter width changed, rates from the next poll' };
  const seconds = (cur.at - prev.at) / 1000;
  if (seconds <= 0) return { ok: false, why: 'no time between polls' };
  const inBps = (Number(counterDelta(prev.inOctets, cur.inOctets, cur.bits)) * 8) / seconds;
  const outBps = (Number(counterDelta(prev.outOctets, cur.outOctets, cur.bits)) * 8) / seconds;
  // A counter that was reset (clear counters) looks like a wrap and gives an impossible rate.
  if (speedBps && Math.max(inBps, outBps) > 2 * speedBps) return { ok: false, why: 'counters jumped (reset?), rates from the next poll' };
  const percent = (bps: number) => (speedBps ? Math.min(100, (100 * bps) / speedBps) : undefined);
  const rates: InterfaceRates = { inBps, outBps };
  const put = <K extends keyof InterfaceRates>(k: K, v: InterfaceRates[K] | undefined) => {
    if (v !== undefined) rates[k] = v;
  };
  put('inPercent', percent(inBps));
  put('outPercent', percent(outBps));
  put('inErrorsPerS', perSecond(prev.inErrors, cur.inErrors, seconds));
  put('outErrorsPerS', perSecond(prev.outErrors, cur.outErrors, seconds));
  put('inDiscardsPerS', perSecond(prev.inDiscards, cur.inDiscards, seconds));
  put('outDiscardsPerS', perSecond(prev.outDiscards, cur.outDiscards, seconds));
  return { ok: true, rates };
}

/** Counter64 values arrive as big-endian byte strings; Counter32 as numbers. */
export function counterValue(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return BigInt(Math.floor(v));
  if (typeof v === 'bigint') return v;
  if (Buffer.isBuffer(v)) return v.length === 0 ? 0n : BigInt(`0x${v.toString('hex')}`);
  return undefined;
}
