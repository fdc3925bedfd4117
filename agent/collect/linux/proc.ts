// Parsers for the /proc files the Linux collectors read. Pure functions over text, tested
// against recorded files, so the hot path needs no shell and no child process.

export interface CpuTimes {
  busy: number;
  iowait: number;
  total: number;
}

/** First line of /proc/stat: "cpu  user nice system idle iowait irq softirq steal guest guest_nice". */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) return undefined;
  const n = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (n.length < 4 || n.some((x) => !Number.isFinite(x))) return undefined;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = n;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, iowait, total };
}

/** /proc/meminfo values in bytes, by key ("MemTotal", "MemAvailable", …). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) out.set(m[1] as string, Number(m[2]) * (line.includes('kB') ? 1024 : 1));
  }
  return out;
}

export interface NetCounters {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDrops: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDrops: number;
}

/** /proc/net/dev: two header lines, then "iface: rx(8 columns) tx(8 columns)". */
export function parseNetDev(text: string): Map<string, NetCounters> {
  const out = new Map<string, NetCounters>();
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const iface = line.slice(0, colon).trim();
    const n = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (n.length < 16 || n.some((x) => !Number.isFinite(x))) continue;
    out.set(iface, {
      rxBytes: n[0] as number,
      rxPackets: n[1] as number,
      rxErrors: n[2] as number,
      rxDrops: n[3] as number,
      txBytes: n[8] as number,
      txPackets: n[9] as number,
      txErrors: n[10] as number,
      txDrops: n[11] as number,
    });
  }
  return out;
}

export interface Mount {
  device: string;
  mount: string;
  fstype: string;
}

/** /proc/mounts: "device mountpoint fstype options 0 0", with octal escapes (\040 for space). */
export function parseMounts(text: string): Mount[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const parts = line.split(' ');
    if (parts.length < 3) continue;
    out.push({ device: unescape(parts[0] as string), mount: unescape(parts[1] as string), fstype: parts[2] as string });
  }
  return out;
}

/** Filesystems that hold no user data: never worth an alert about free space. */
export const PSEUDO_FS = new Set([
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs',
  'efivarfs', 'fusectl', 'hugetlbfs', 'mqueue', 'nsfs', 'overlay', 'proc', 'pstore', 'ramfs',
  'rpc_pipefs', 'securityfs', 'selinuxfs', 'squashfs', 'sysfs', 'tracefs', 'fuse.lxcfs', 'fuse.portal',
  'fuse.gvfsd-fuse', 'nfsd', 'iso9660', 'udf',
]);
