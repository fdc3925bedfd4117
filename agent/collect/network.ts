// Per-interface traffic, errors and drops as rates over the last interval: /proc/net/dev on
// Linux, systeminformation elsewhere (on Windows it asks PowerShell, once per collection).

import { readFile } from 'node:fs/promises';
import { platform } from 'node:os';
import type { Sample } from '../../protocol/schema.js';
import { ratePerSecond, round, type Collector } from './collector.js';
import { parseNetDev, type NetCounters } from './linux/proc.js';

export function interfaceExcluded(iface: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? iface.startsWith(p.slice(0, -1)) : iface === p));
}

export function networkSamples(prev: Map<string, NetCounters>, cur: Map<string, NetCounters>, elapsedMs: number, exclude: readonly string[]): Sample[] {
  const out: Sample[] = [];
  for (const [iface, c] of cur) {
    const p = prev.get(iface);
    if (!p || interfaceExcluded(iface, exclude)) continue;
    const rate = (a: number, b: number) => round(ratePerSecond(a, b, elapsedMs), 3);
    out.push({
      m: 'net',
      tags: { iface: iface.slice(0, 128) },
      fields: {
        rx_bytes_per_second: rate(p.rxBytes, c.rxBytes),
        tx_bytes_per_second: rate(p.txBytes, c.txBytes),
        rx_errors_per_second: rate(p.rxErrors, c.rxErrors),
        tx_errors_per_second: rate(p.txErrors, c.txErrors),
        rx_drops_per_second: rate(p.rxDrops, c.rxDrops),
        tx_drops_per_second: rate(p.txDrops, c.txDrops),
      },
    });
  }
  return out;
}

export function networkCollector(opts: { exclude?: readonly string[]; procRoot?: string; os?: NodeJS.Platform } = {}): Collector {
  const os = opts.os ?? platform();
  const exclude = opts.exclude ?? ['lo'];
  let prev: { at: number; counters: Map<string, NetCounters> } | undefined;

  async function read(): Promise<Map<string, NetCounters>> {
    if (os === 'linux') return parseNetDev(await readFile(`${opts.procRoot ?? '/proc'}/net/dev`, 'utf8'));
    const si = await import('systeminformation');
    const out = new Map<string, NetCounters>();
    for (const s of await si.networkStats('*')) {
      out.set(s.iface, {
        rxBytes: s.rx_bytes, rxPackets: 0, rxErrors: s.rx_errors, rxDrops: s.rx_dropped,
        txBytes: s.tx_bytes, txPackets: 0, txErrors: s.tx_errors, txDrops: s.tx_dropped,
      });
    }
    return out;
  }

  return {
    name: 'net',
    async prime(now: number): Promise<void> {
      prev = { at: now, counters: await read() };
    },
    async collect(now: number): Promise<Sample[]> {
      const counters = await read();
      const samples = prev ? networkSamples(prev.counters, counters, now - prev.at, exclude) : [];
      prev = { at: now, counters };
      return samples;
    },
  };
}
