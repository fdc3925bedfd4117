import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMeminfo, parseMounts, parseNetDev, parseProcStat } from '../../../agent/collect/linux/proc.js';
import { filesystemSample, selectMounts } from '../../../agent/collect/filesystem.js';
import { networkSamples } from '../../../agent/collect/network.js';
import { cpuCollector } from '../../../agent/collect/cpu.js';
import { memoryCollector } from '../../../agent/collect/memory.js';
import { systemCollector } from '../../../agent/collect/system.js';

const fixtures = join(fileURLToPath(import.meta.url), '..', 'fixtures');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

t.test('/proc/stat first line gives busy, iowait and total ticks', async (t) => {
  const times = parseProcStat(fixture('stat.txt'));
  t.same(times, { busy: 40042 + 4089 + 176 + 25, iowait: 473, total: 40042 + 4089 + 187845 + 473 + 176 + 25 });
  t.equal(parseProcStat('intr 1 2 3'), undefined, 'a file without a cpu line is not parsed');
});

t.test('/proc/meminfo values are bytes', async (t) => {
  const info = parseMeminfo('MemTotal:       24683656 kB\nMemAvailable:   20000000 kB\nHugePages_Total:       0\n');
  t.equal(info.get('MemTotal'), 24683656 * 1024);
  t.equal(info.get('MemAvailable'), 20000000 * 1024);
  t.equal(info.get('HugePages_Total'), 0, 'counts without a unit stay counts');
  t.ok(parseMeminfo(fixture('meminfo.txt')).get('MemTotal'), 'the recorded file parses');
});

t.test('/proc/net/dev counters per interface', async (t) => {
  const net = parseNetDev(fixture('net-dev.txt'));
  t.same([...net.keys()].sort(), ['eth0', 'ifb0', 'ifb1', 'lo']);
  t.equal(net.get('eth0')?.rxBytes, 215234956);
  t.equal(net.get('eth0')?.txBytes, 783036);
});

t.test('network rates come from two readings; lo and wrapped counters are handled', async (t) => {
  const prev = parseNetDev(fixture('net-dev.txt'));
  const cur = new Map(prev);
  const eth0 = prev.get('eth0');
  if (!eth0) throw new Error('fixture lacks eth0');
  cur.set('eth0', { ...eth0, rxBytes: eth0.rxBytes + 15_000, txBytes: eth0.txBytes - 10, rxErrors: eth0.rxErrors + 3 });
  const samples = networkSamples(prev, cur, 15_000, ['lo', 'ifb*']);
  t.same(samples.map((s) => s.tags?.iface), ['eth0'], 'lo and ifb* are excluded');
  t.equal(samples[0]?.fields.rx_bytes_per_second, 1000);
  t.equal(samples[0]?.fields.tx_bytes_per_second, 0, 'a counter that went backwards reads as 0, not negative');
  t.equal(samples[0]?.fields.rx_errors_per_second, 0.2);
});

t.test('mount selection skips pseudo filesystems, tmpfs, overlays and bind mounts', async (t) => {
  const mounts = selectMounts(parseMounts(fixture('mounts.txt')), {});
  t.same(mounts.map((m) => m.mount), ['/', '/var/lib/pacs images', '/mnt/nfs']);
  const withTmpfs = selectMounts(parseMounts(fixture('mounts.txt')), { includeTmpfs: true, excludeMounts: ['/mnt/*'] });
  t.ok(withTmpfs.some((m) => m.fstype === 'tmpfs'), 'tmpfs when asked for');
  t.notOk(withTmpfs.some((m) => m.mount === '/mnt/nfs'), 'excluded mount patterns apply');
});

t.test('filesystem use is computed as df does', async (t) => {
  const s = filesystemSample({ device: '/dev/vda', mount: '/', fstype: 'ext4' }, { bsize: 4096, blocks: 1000, bfree: 300, bavail: 250, files: 100, ffree: 25 });
  t.equal(s?.fields.used_bytes, 700 * 4096);
  t.equal(s?.fields.free_bytes, 250 * 4096);
  t.equal(s?.fields.used_percent, 73.68, '700 / (700 + 250)');
  t.equal(s?.fields.inodes_used_percent, 75);
  t.equal(filesystemSample({ device: 'x', mount: '/x', fstype: 'ext4' }, { bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0 }), undefined);
});

t.test('collectors read the live machine without child processes', async (t) => {
  const cp = await import('node:child_process');
  // Every way of starting a process (exec, execFile, spawn) goes through this internal method.
  const proto = cp.ChildProcess.prototype as unknown as { spawn: (...args: unknown[]) => unknown };
  let spawned = 0;
  const original = proto.spawn;
  proto.spawn = function (this: unknown, ...args: unknown[]) {
    spawned++;
    return original.apply(this, args);
  };
  t.teardown(() => {
    proto.spawn = original;
  });
  const cpu = cpuCollector();
  await new Promise((r) => setTimeout(r, 200));
  const [c] = await cpu.collect(Date.now());
  t.ok(c && c.fields.usage_percent !== undefined && c.fields.usage_percent >= 0 && c.fields.usage_percent <= 100, 'cpu usage is a percentage');
  const [m] = await memoryCollector().collect(Date.now());
  t.ok(m && (m.fields.total_bytes ?? 0) > 0 && (m.fields.used_percent ?? -1) >= 0);
  const [s] = await systemCollector().collect(Date.now());
  t.ok(s && (s.fields.processes ?? 0) > 1 && (s.fields.uptime_seconds ?? 0) > 0);
  t.equal(spawned, 0, 'no child process was started');
});
