// Memory from /proc/meminfo on Linux (MemAvailable is what "free" shows as available) and
// from node:os elsewhere.

import { readFile } from 'node:fs/promises';
import { freemem, platform, totalmem } from 'node:os';
import type { Sample } from '../../protocol/schema.js';
import { round, type Collector } from './collector.js';
import { parseMeminfo } from './linux/proc.js';

export function memoryCollector(opts: { procRoot?: string; os?: NodeJS.Platform } = {}): Collector {
  const os = opts.os ?? platform();
  const path = `${opts.procRoot ?? '/proc'}/meminfo`;
  return {
    name: 'mem',
    async collect(): Promise<Sample[]> {
      let total = totalmem();
      let available = freemem();
      let swapPercent: number | undefined;
      if (os === 'linux') {
        const info = parseMeminfo(await readFile(path, 'utf8'));
        total = info.get('MemTotal') ?? total;
        available = info.get('MemAvailable') ?? (info.get('MemFree') ?? 0) + (info.get('Cached') ?? 0);
        const swapTotal = info.get('SwapTotal') ?? 0;
        swapPercent = swapTotal > 0 ? (100 * (swapTotal - (info.get('SwapFree') ?? 0))) / swapTotal : 0;
      }
      const used = Math.max(0, total - available);
      const fields: Record<string, number> = {
        used_percent: round(total > 0 ? (100 * used) / total : 0),
        used_bytes: used,
        available_bytes: available,
        total_bytes: total,
      };
      if (swapPercent !== undefined) fields.swap_used_percent = round(swapPercent);
      return [{ m: 'mem', fields }];
    },
  };
}
