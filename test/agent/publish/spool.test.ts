// The spool on its own: order, acknowledgements, both bounds, restarts, a torn tail, and a
// process SIGKILLed while appending (a real child process, killed for real).

import t from 'tap';
import { spawn } from 'node:child_process';
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Counters } from '../../../agent/publish/counters.js';
import { Spool } from '../../../agent/publish/spool.js';
import { crc32, crc32Table, decodeRecord, encodeRecord, scanRecords } from '../../../agent/publish/spool-record.js';
import { parseSize, resolveSpoolSettings } from '../../../agent/publish/spool-settings.js';
import { ROOT } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';

const entry = (seq: number) => ({ topic: 'wardwatch/v1/main/kiosk-01/metrics', payload: Buffer.from(JSON.stringify({ seq, pad: 'x'.repeat(100) })) });
const seqs = (spool: Spool, n = 1_000_000) => spool.peek(n).map((e) => e.seq);

t.test('records round-trip and damage is detected', async (t) => {
  t.equal(crc32(Buffer.from('123456789')), 0xcbf43926, 'CRC-32 check value');
  t.equal(crc32Table(Buffer.from('123456789')), 0xcbf43926, 'the fallback for older Node 20 agrees');
  const rec = { seq: 42, at: 1_763_773_215_000, topic: 'wardwatch/v1/main/a/metrics', payload: Buffer.from('{"v":1}') };
  const buf = encodeRecord(rec);
  t.same(decodeRecord(buf), rec);
  const bad = Buffer.from(buf);
  bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 1, bad.length - 1);
  t.equal(decodeRecord(bad), undefined, 'a flipped bit fails the CRC');
  const two = Buffer.concat([buf, encodeRecord({ ...rec, seq: 43 })]);
  t.same(scanRecords(two.subarray(0, two.length - 3)).records.map((r) => r.record.seq), [42], 'a torn second record is not read');
  t.equal(scanRecords(two.subarray(0, two.length - 3)).validEnd, buf.length);
});

t.test('settings: sizes as people write them', async (t) => {
  t.equal(parseSize('100MiB'), 100 * 1024 * 1024);
  t.equal(parseSize('1.5 GB'), 1.5e9);
  t.equal(parseSize(70000), 70000);
  t.throws(() => parseSize('lots'));
  t.same(resolveSpoolSettings({}), { maxBytes: 100 * 1024 * 1024, maxAgeMs: 86_400_000, replayRate: 100, inflight: 16 });
});

t.test('append takes consecutive sequence numbers; ack removes; order is kept', async (t) => {
  const dir = tmpDir(t);
  const counters = new Counters(dir);
  const spool = new Spool(dir, counters, { maxBytes: 1 << 20, maxAgeMs: 3_600_000 });
  const got = [1, 2, 3, 4, 5].map(() => spool.append(entry));
  t.same(got, [1, 2, 3, 4, 5]);
  t.equal(counters.lastSeq, 5, 'the counters follow the spool');
  t.same(seqs(spool, 3), [1, 2, 3]);
  spool.ack(2); // acknowledgements may come out of order
  t.same(seqs(spool), [1, 3, 4, 5]);
  t.equal(spool.size, 4);
  spool.ack(1);
  t.same(seqs(spool), [3, 4, 5]);
  t.equal(JSON.parse(spool.peek(1)[0]!.payload.toString()).seq, 3, 'payload built with its own sequence number');
  spool.close();
});

t.test('restart: unsent messages survive, numbering continues after the last spooled one', async (t) => {
  const dir = tmpDir(t);
  let spool = new Spool(dir, new Counters(dir), { maxBytes: 1 << 20, maxAgeMs: 3_600_000, segmentBytes: 1024 });
  for (let i = 0; i < 30; i++) spool.append(entry);
  for (let s = 1; s <= 10; s++) spool.ack(s);
  spool.close();
  const segmentsBefore = readdirSync(join(dir, 'spool')).filter((n) => n.endsWith('.seg')).length;
  t.ok(segmentsBefore > 1 && segmentsBefore < 30, `several small segments, fully sent ones removed (${segmentsBefore})`);
  const counters = new Counters(dir);
  spool = new Spool(dir, counters, { maxBytes: 1 << 20, maxAgeMs: 3_600_000, segmentBytes: 1024 });
  t.same(seqs(spool), Array.from({ length: 20 }, (_, i) => i + 11), 'messages 11..30 still to send');
  t.equal(spool.append(entry), 31);
  t.equal(counters.session, 2);
  spool.close();
});

t.test('size bound: oldest dropped first and counted, across restarts', async (t) => {
  const dir = tmpDir(t);
  const size = encodeRecord({ seq: 1, at: 0, ...entry(1) }).length;
  let spool = new Spool(dir, new Counters(dir), { maxBytes: size * 10 + 10, maxAgeMs: 3_600_000, segmentBytes: size * 3 });
  for (let i = 0; i < 25; i++) spool.append(entry);
  t.equal(spool.size, 10);
  t.equal(spool.dropped, 15);
  t.same(seqs(spool), Array.from({ length: 10 }, (_, i) => i + 16), 'the newest ten remain');
  const onDisk = readdirSync(join(dir, 'spool')).filter((n) => n.endsWith('.seg')).reduce((sum, n) => sum + statSync(join(dir, 'spool', n)).size, 0);
  t.ok(onDisk <= size * 13, `disk use stays within the bound plus one segment (${onDisk} bytes)`);
  spool.close();
  spool = new Spool(dir, new Counters(dir), { maxBytes: size * 10 + 10, maxAgeMs: 3_600_000, segmentBytes: size * 3 });
  t.equal(spool.dropped, 0, 'dropped since this start');
  t.equal(spool.droppedTotal, 15, 'dropped since the spool was created');
  spool.close();
});

t.test('age bound: messages older than max_age are dropped unsent', async (t) => {
  const dir = tmpDir(t);
  let now = 1_000_000;
  const spool = new Spool(dir, new Counters(dir), { maxBytes: 1 << 20, maxAgeMs: 60_000, clock: () => now });
  for (let i = 0; i < 6; i++) {
    spool.append(entry);
    now += 20_000;
  }
  // appended at 0, 20, 40, 60, 80, 100 s; now 120 s: the first three are over a minute old
  t.same(seqs(spool), [4, 5, 6]);
  t.equal(spool.dropped, 3);
  spool.close();
});

t.test('a torn tail (power loss mid-write) is cut off and appends continue cleanly', async (t) => {
  const dir = tmpDir(t);
  let spool = new Spool(dir, new Counters(dir), { maxBytes: 1 << 20, maxAgeMs: 3_600_000 });
  for (let i = 0; i < 5; i++) spool.append(entry);
  spool.close();
  const seg = readdirSync(join(dir, 'spool')).find((n) => n.endsWith('.seg'))!;
  appendFileSync(join(dir, 'spool', seg), encodeRecord({ seq: 6, at: Date.now(), ...entry(6) }).subarray(0, 40));
  spool = new Spool(dir, new Counters(dir), { maxBytes: 1 << 20, maxAgeMs: 3_600_000 });
  t.same(seqs(spool), [1, 2, 3, 4, 5]);
  t.equal(spool.append(entry), 6);
  spool.close();
  spool = new Spool(dir, new Counters(dir), { maxBytes: 1 << 20, maxAgeMs: 3_600_000 });
  t.same(seqs(spool), [1, 2, 3, 4, 5, 6], 'the record after the cut reads back');
  spool.close();
});

t.test('SIGKILL while appending: no gap, no reuse', async (t) => {
  const dir = tmpDir(t);
  // A child appends as fast as it can and prints each number once append() has returned.
  const script = `
    const { Counters } = await import(${JSON.stringify(join(ROOT, 'dist/agent/publish/counters.js'))});
    const { Spool } = await import(${JSON.stringify(join(ROOT, 'dist/agent/publish/spool.js'))});
    const spool = new Spool(process.argv[1], new Counters(process.argv[1]), { maxBytes: 1 << 24, maxAgeMs: 3600000, segmentBytes: 8192 });
    for (;;) { const seq = spool.append((s) => ({ topic: 't', payload: Buffer.from('{"seq":' + s + '}') })); process.stdout.write(seq + '\\n'); if (seq % 50 === 0) await new Promise((r) => setImmediate(r)); }`;
  let lastPrinted = 0;
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // Killed at a different point each round, while it is appending flat out.
    const target = 30 + round * 97;
    await new Promise<void>((resolve) => {
      const check = () => (out.split('\n').length > target ? resolve() : setTimeout(check, 2));
      check();
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const printed = out.split('\n').filter(Boolean).map(Number);
    t.ok(printed.length > 0, `round ${round}: the child appended ${printed.length} messages before SIGKILL`);
    t.equal(printed[0], lastPrinted + 1, `round ${round}: numbering continued after the last message of the previous run`);
    lastPrinted = printed[printed.length - 1]!;
    const counters = new Counters(dir);
    const spool = new Spool(dir, counters, { maxBytes: 1 << 24, maxAgeMs: 3_600_000, segmentBytes: 8192 });
    const all = seqs(spool);
    t.ok(all.length >= lastPrinted, 'every acknowledged append is on disk');
    t.same(all, Array.from({ length: all.length }, (_, i) => i + 1), 'consecutive from 1: no gap, no reuse');
    for (const e of spool.peek(1_000_000)) if (JSON.parse(e.payload.toString()).seq !== e.seq) t.fail(`record ${e.seq} carries another number`);
    lastPrinted = all.length; // a message written just before the kill counts as sent
    spool.close();
  }
});

t.test('a message already handed to the MQTT client is not counted as dropped when the bound lets it go', async (t) => {
  const dir = tmpDir(t);
  const size = encodeRecord({ seq: 1, at: 0, ...entry(1) }).length;
  const spool = new Spool(dir, new Counters(dir), { maxBytes: size * 4 + 10, maxAgeMs: 3_600_000 });
  for (let i = 0; i < 4; i++) spool.append(entry);
  spool.sending(1);
  spool.sending(2);
  spool.append(entry); // evicts 1 (in flight)
  spool.append(entry); // evicts 2 (in flight)
  spool.append(entry); // evicts 3 (never sent): a real drop
  t.equal(spool.dropped, 1);
  spool.ack(1);
  spool.ack(2);
  t.same(seqs(spool), [4, 5, 6, 7]);
  spool.close();
});
