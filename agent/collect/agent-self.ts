// What the agent itself costs the host, so the footprint promise can be watched in production
// and not only in a benchmark.

import type { Sample } from '../../protocol/schema.js';
import { round, type Collector } from './collector.js';

export function agentSelfCollector(lastCollectMs: () => number | undefined): Collector {
  let prev = { at: performance.now(), cpu: process.cpuUsage() };
  return {
    name: 'agent',
    async collect(): Promise<Sample[]> {
      const at = performance.now();
      const cpu = process.cpuUsage();
      const usedUs = cpu.user - prev.cpu.user + (cpu.system - prev.cpu.system);
      const elapsedMs = at - prev.at;
      prev = { at, cpu };
      const fields: Record<string, number> = {
        rss_bytes: process.memoryUsage.rss(),
        cpu_percent: round(elapsedMs > 0 ? (usedUs / 1000 / elapsedMs) * 100 : 0, 4),
      };
      const collect = lastCollectMs();
      if (collect !== undefined) fields.collect_ms = round(collect, 3);
      return [{ m: 'agent', fields }];
    },
  };
}
