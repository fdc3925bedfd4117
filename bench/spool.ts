// node dist/bench/spool.js: what the agent's on-disk spool costs on this machine. Appends are
// written with one write() and an fdatasync each (what a live agent does once per interval);
// the backlog is then read back and acknowledged in windows of 16 (what a reconnect does), and
// the spool is reopened to time the scan a restart does over a full backlog.

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Counters } from '../agent/publish/counters.js';
import { Spool } from '../agent/publish/spool.js';

const N = Number(process.argv[2] ?? 5_000);
const SIZE = 2_500; // bytes: a server snapshot with a dozen filesystems and interfaces
const dir = mkdtempSync(join(tmpdir(), 'wardwatch-bench-spool-'));
const payload = Buffer.alloc(SIZE, 0x61);
const opts = { maxBytes: 1 << 30, maxAgeMs: 86_400_000 };

try {
  let spool = new Spool(dir, new Counters(dir), opts);
  let t0 = performance.now();
  for (let i = 0; i < N; i++) spool.append(() => ({ topic: 'wardwatch/v1/main/bench/metrics', payload }));
  const appendMs = performance.now() - t0;
  spool.close();

  t0 = performance.now();
  spool = new Spool(dir, new Counters(dir), opts);
  const reopenMs = performance.now() - t0;

  t0 = performance.now();
  let sent = 0;
  while (spool.size > 0) {
    const window = spool.peek(16);
    for (const e of window) spool.ack(e.seq);
    sent += window.length;
  }
  const drainMs = performance.now() - t0;
  spool.close();

  console.log(`spool benchmark: ${N} messages of ${SIZE} bytes in ${dir} (tmpfs or disk as the OS has it)`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
  console.log(`append + fdatasync   ${(appendMs / N).toFixed(3)} ms per message   ${Math.round((N / appendMs) * 1000)} msg/s`);
  console.log(`reopen (scan, CRC)   ${reopenMs.toFixed(1)} ms for ${N} messages (${((N * SIZE) / 2 ** 20).toFixed(1)} MiB)`);
  console.log(`read back + ack      ${(drainMs / sent).toFixed(4)} ms per message   ${Math.round((sent / drainMs) * 1000)} msg/s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
