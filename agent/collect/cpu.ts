// CPU use from /proc/stat on Linux (it also gives iowait) and from os.cpus() elsewhere: both
// are in-process reads, no shell. The first reading is taken when the collector is created,
// so the first snapshot already has a usage figure.

import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform } from 'node:os';
import type { Sample } from '../../protocol/schema.js';
import { round, type Collector } from './collector.js';
import { parseProcStat, type CpuTimes } from './linux/proc.js';

function portableTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    busy += t.user + t.nice + t.sys + t.irq;
    total += t.user + t.nice + t.sys + t.irq + t.idle;
  }
  return { busy, iowait: 0, total };
}

export function cpuCollector(opts: { procRoot?: string; os?: NodeJS.Platform } = {}): Collector {
  const os = opts.os ?? platform();
  const statPath = `${opts.procRoot ?? '/proc'}/stat`;
  const read = (): CpuTimes | undefined => (os === 'linux' ? parseProcStat(readFileSync(statPath, 'utf8')) : portableTimes());
  let prev = read();
  const cores = cpus().length;
  return {
    name: 'cpu',
    async collect(): Promise<Sample[]> {
      const cur = read();
      const fields: Record<string, number> = { cores };
      if (prev && cur && cur.total > prev.total) {
        const dt = cur.total - prev.total;
        fields.usage_percent = round((100 * (cur.busy - prev.busy)) / dt);
        if (os === 'linux') fields.iowait_percent = round((100 * (cur.iowait - prev.iowait)) / dt);
      }
      prev = cur;
      if (os !== 'win32') {
        const [l1 = 0, l5 = 0, l15 = 0] = loadavg();
        fields.load1 = round(l1);
        fields.load5 = round(l5);
        fields.load15 = round(l15);
      }
      return [{ m: 'cpu', fields }];
    },
  };
}
