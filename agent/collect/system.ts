// Uptime and the number of processes. Counting the numeric entries of /proc costs well under
// a millisecond; systeminformation's processes() forks a shell per process and can take half a
// second of CPU on a busy HIS server, so it is never used here.

import { readdir } from 'node:fs/promises';
import { platform, uptime } from 'node:os';
import type { Sample } from '../../protocol/schema.js';
import type { Collector } from './collector.js';

export function systemCollector(opts: { procRoot?: string; os?: NodeJS.Platform } = {}): Collector {
  const os = opts.os ?? platform();
  const proc = opts.procRoot ?? '/proc';
  return {
    name: 'system',
    async collect(): Promise<Sample[]> {
      const fields: Record<string, number> = { uptime_seconds: Math.floor(uptime()) };
      if (os === 'linux') {
        let n = 0;
        for (const entry of await readdir(proc)) if (entry.charCodeAt(0) >= 48 && entry.charCodeAt(0) <= 57) n++;
        fields.processes = n;
      }
      return [{ m: 'system', fields }];
    },
  };
}
