// Space on every mounted filesystem: /proc/mounts + statfs(2) on Linux, drive letters +
// statfs on Windows (libuv implements it with GetDiskFreeSpaceEx), systeminformation on the
// rest. statfs on a hung NFS server never returns and would pin a libuv worker thread each
// interval; a mount whose previous statfs is still pending is skipped until it answers.

import { existsSync } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import { platform } from 'node:os';
import type { Sample } from '../../protocol/schema.js';
import { round, type Collector } from './collector.js';
import { parseMounts, PSEUDO_FS, type Mount } from './linux/proc.js';

export interface FilesystemOptions {
  excludeFsTypes?: readonly string[];
  excludeMounts?: readonly string[];
  includeTmpfs?: boolean;
  procRoot?: string;
  os?: NodeJS.Platform;
  timeoutMs?: number;
}

export function mountExcluded(mount: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('/*') ? mount.startsWith(p.slice(0, -1)) || mount === p.slice(0, -2) : mount === p));
}

/** Mounts worth watching: real filesystems, one mount per device, "/" always. */
export function selectMounts(mounts: Mount[], opts: FilesystemOptions): Mount[] {
  const skipTypes = new Set([...PSEUDO_FS, ...(opts.excludeFsTypes ?? [])]);
  if (!opts.includeTmpfs) skipTypes.add('tmpfs');
  const seenDevices = new Set<string>();
  const out: Mount[] = [];
  for (const m of mounts) {
    if (m.mount !== '/' && skipTypes.has(m.fstype)) continue;
    if (mountExcluded(m.mount, opts.excludeMounts ?? [])) continue;
    if (m.device.startsWith('/') && seenDevices.has(m.device)) continue; // bind mounts
    seenDevices.add(m.device);
    out.push(m);
  }
  return out;
}

export function filesystemSample(m: Mount, s: { bsize: number; blocks: number; bfree: number; bavail: number; files: number; ffree: number }): Sample | undefined {
  if (s.blocks <= 0) return undefined;
  const total = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const free = s.bavail * s.bsize;
  // As df computes it: the share of what unprivileged users can use.
  const usable = used + free;
  const fields: Record<string, number> = {
    used_percent: round(usable > 0 ? (100 * used) / usable : 0),
    used_bytes: used,
    free_bytes: free,
    total_bytes: total,
    inodes_used_percent: round(s.files > 0 ? (100 * (s.files - s.ffree)) / s.files : 0),
  };
  return { m: 'fs', tags: { mount: m.mount.slice(0, 128), fstype: m.fstype.slice(0, 128) }, fields };
}

export function filesystemCollector(opts: FilesystemOptions = {}): Collector {
  const os = opts.os ?? platform();
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const pending = new Set<string>();

  async function statOne(m: Mount): Promise<Sample | undefined> {
    if (pending.has(m.mount)) return undefined;
    pending.add(m.mount);
    const call = statfs(m.mount).finally(() => pending.delete(m.mount));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((res) => {
      timer = setTimeout(() => res(undefined), timeoutMs);
      timer.unref();
    });
    try {
      const s = await Promise.race([call, timeout]);
      return s ? filesystemSample(m, s) : undefined;
    } catch {
      return undefined; // unmounted between reading the table and statfs; gone next time
    } finally {
      clearTimeout(timer);
    }
  }

  async function mounts(): Promise<Mount[]> {
    if (os === 'linux') return selectMounts(parseMounts(await readFile(`${opts.procRoot ?? '/proc'}/mounts`, 'utf8')), opts);
    if (os === 'win32') {
      const drives: Mount[] = [];
      for (let c = 67; c <= 90; c++) {
        const root = `${String.fromCharCode(c)}:\\`;
        if (existsSync(root)) drives.push({ device: root, mount: root.slice(0, 2), fstype: 'ntfs' });
      }
      return drives.filter((d) => !mountExcluded(d.mount, opts.excludeMounts ?? []));
    }
    return [];
  }

  return {
    name: 'fs',
    async collect(): Promise<Sample[]> {
      if (os !== 'linux' && os !== 'win32') return portableFilesystems(opts);
      const list = await mounts();
      const samples = await Promise.all(list.map((m) => statOne(os === 'win32' ? { ...m, mount: m.device } : m)));
      return samples
        .filter((s): s is Sample => s !== undefined)
        .map((s) => (os === 'win32' && s.tags ? { ...s, tags: { ...s.tags, mount: String(s.tags.mount).slice(0, 2) } } : s));
    },
  };
}

async function portableFilesystems(opts: FilesystemOptions): Promise<Sample[]> {
  const si = await import('systeminformation');
  const out: Sample[] = [];
  for (const fs of await si.fsSize()) {
    if (mountExcluded(fs.mount, opts.excludeMounts ?? []) || fs.size <= 0) continue;
    out.push({
      m: 'fs',
      tags: { mount: fs.mount.slice(0, 128), fstype: fs.type.slice(0, 128) },
      fields: { used_percent: round(fs.use ?? 0), used_bytes: fs.used, free_bytes: fs.available, total_bytes: fs.size },
    });
  }
  return out;
}
