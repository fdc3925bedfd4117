// The agent's store-and-forward outbox: every data message is appended to a segment file in
// <data_dir>/spool/ before it may leave, and leaves the spool only when the broker has
// acknowledged it. A broker outage, a network outage or an agent restart (even SIGKILL)
// loses nothing until a bound is hit; then the oldest messages are dropped and counted.
//
// Plain append-only files rather than SQLite: an agent on a kiosk should not carry a native
// module and its memory for what is a queue, and a queue needs no query language. The
// sequence number is taken here, with the append, so the spool's last record and the
// counters file can never disagree in a way that leaves a gap or reuses a number.
//
//   spool/<first seq>.seg   records (see spool-record.ts), oldest segment first
//   spool/state.json        { head, dropped }: everything at or below head is gone (sent or
//                           dropped); written at most once a second, so after a crash a few
//                           acknowledged messages may be sent again (the correlator drops
//                           redeliveries by sequence number).

import { closeSync, fdatasyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Counters } from './counters.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import { decodeRecord, encodeRecord, scanRecords } from './spool-record.js';
import type { SpoolSettings } from './spool-settings.js';

interface Segment {
  name: string;
  fd: number;
  bytes: number;
  live: number;
}

interface IndexEntry {
  seq: number;
  at: number;
  segment: Segment;
  offset: number;
  size: number;
}

export interface SpoolOptions extends Pick<SpoolSettings, 'maxBytes' | 'maxAgeMs'> {
  /** A new segment is started past this size. */
  segmentBytes?: number;
  clock?: () => number;
}

export class Spool implements Outbox {
  private readonly dir: string;
  private readonly segments: Segment[] = [];
  private index: IndexEntry[] = [];
  private start = 0;
  private readonly acked = new Set<number>();
  /** Handed to the MQTT client: it delivers these even if the spool has to let them go. */
  private readonly inFlight = new Set<number>();
  private readonly cache = new Map<number, OutboxEntry>();
  private head = 0;
  private lastSeq = 0;
  private liveBytes = 0;
  private droppedSinceStart = 0;
  private droppedBefore = 0;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly clock: () => number;
  private readonly segmentBytes: number;

  constructor(dataDir: string, private readonly counters: Counters, private readonly opts: SpoolOptions) {
    this.dir = join(dataDir, 'spool');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.clock = opts.clock ?? Date.now;
    this.segmentBytes = opts.segmentBytes ?? Math.max(64 * 1024, Math.min(4 * 1024 * 1024, Math.floor(opts.maxBytes / 8)));
    this.load();
    // A restart continues after the last spooled message, even if the counters file lags.
    counters.advanceTo(this.lastSeq);
    this.lastSeq = Math.max(this.lastSeq, counters.lastSeq);
  }

  private load(): void {
    try {
      const s = JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8')) as { head?: unknown; dropped?: unknown };
      if (Number.isSafeInteger(s.head)) this.head = s.head as number;
      if (Number.isSafeInteger(s.dropped)) this.droppedBefore = s.dropped as number;
    } catch {
      // No state yet (or unreadable): everything in the segments is still to be sent.
    }
    const names = readdirSync(this.dir).filter((n) => /^\d{16}\.seg$/.test(n)).sort();
    for (const name of names) {
      const path = join(this.dir, name);
      const { records, validEnd } = scanRecords(readFileSync(path));
      const fd = openSync(path, 'r+');
      ftruncateSync(fd, validEnd); // cuts a torn tail so appends start on a record boundary
      const segment: Segment = { name, fd, bytes: validEnd, live: 0 };
      for (const { record, offset, size } of records) {
        this.lastSeq = Math.max(this.lastSeq, record.seq);
        if (record.seq <= this.head || (this.index.length > 0 && record.seq <= (this.index[this.index.length - 1] as IndexEntry).seq)) continue;
        this.index.push({ seq: record.seq, at: record.at, segment, offset, size });
        segment.live++;
        this.liveBytes += size;
      }
      this.segments.push(segment);
    }
    // Segments with nothing left to send go, except the newest, which takes the next appends.
    for (const s of this.segments.slice(0, -1)) if (s.live === 0) this.removeSegment(s);
  }

  /** Takes the next sequence number, builds the message with it and spools it. */
  append(make: (seq: number) => Omit<OutboxEntry, 'seq'>): number {
    const seq = this.lastSeq + 1;
    const { topic, payload } = make(seq);
    this.write({ seq, topic, payload });
    this.counters.advanceTo(seq);
    return seq;
  }

  /** Outbox interface: spools a message whose sequence number was taken elsewhere. */
  push(entry: OutboxEntry): void {
    this.write(entry);
  }

  private write(entry: OutboxEntry): void {
    const now = this.clock();
    this.lastSeq = Math.max(this.lastSeq, entry.seq);
    const record = encodeRecord({ seq: entry.seq, at: now, topic: entry.topic, payload: entry.payload });
    this.expire(now);
    while (this.count > 0 && this.liveBytes + record.length > this.opts.maxBytes) this.dropOldest();
    if (record.length > this.opts.maxBytes) {
      this.droppedSinceStart++; // one message bigger than the whole spool: counted, never sent
      this.scheduleSave();
      return;
    }
    let segment = this.segments[this.segments.length - 1];
    if (!segment || segment.bytes + record.length > this.segmentBytes) segment = this.newSegment(entry.seq);
    writeSync(segment.fd, record, 0, record.length, segment.bytes);
    fdatasyncSync(segment.fd);
    this.index.push({ seq: entry.seq, at: now, segment, offset: segment.bytes, size: record.length });
    segment.bytes += record.length;
    segment.live++;
    this.liveBytes += record.length;
    this.cache.set(entry.seq, entry);
    this.trimCache();
  }

  private newSegment(firstSeq: number): Segment {
    const name = `${String(firstSeq).padStart(16, '0')}.seg`;
    const fd = openSync(join(this.dir, name), 'w+', 0o600);
    const segment = { name, fd, bytes: 0, live: 0 };
    this.segments.push(segment);
    return segment;
  }

  private removeSegment(s: Segment): void {
    closeSync(s.fd);
    try {
      unlinkSync(join(this.dir, s.name));
    } catch {
      // already gone
    }
    this.segments.splice(this.segments.indexOf(s), 1);
  }

  private get count(): number {
    return this.index.length - this.start;
  }

  private first(): IndexEntry | undefined {
    return this.index[this.start];
  }

  /** Removes the oldest entry (sent or dropped) and its segment once that holds nothing else. */
  private shift(): IndexEntry | undefined {
    const e = this.index[this.start];
    if (!e) return undefined;
    this.start++;
    if (this.start > 1024 && this.start * 2 > this.index.length) {
      this.index = this.index.slice(this.start);
      this.start = 0;
    }
    this.head = Math.max(this.head, e.seq);
    this.acked.delete(e.seq);
    this.cache.delete(e.seq);
    this.liveBytes -= e.size;
    e.segment.live--;
    if (e.segment.live === 0 && e.segment !== this.segments[this.segments.length - 1]) this.removeSegment(e.segment);
    this.scheduleSave();
    return e;
  }

  /** The oldest entry is never an acknowledged one: ack() removes those at once. */
  private dropOldest(): void {
    const e = this.shift();
    if (e && !this.inFlight.delete(e.seq)) this.droppedSinceStart++;
  }

  sending(seq: number): void {
    this.inFlight.add(seq);
  }

  /** Drops messages older than max_age, oldest first. */
  expire(now = this.clock()): void {
    for (let e = this.first(); e && now - e.at > this.opts.maxAgeMs; e = this.first()) {
      this.dropOldest();
    }
  }

  peek(n: number): OutboxEntry[] {
    this.expire();
    const out: OutboxEntry[] = [];
    for (let i = this.start; i < this.index.length && out.length < n; i++) {
      const e = this.index[i] as IndexEntry;
      if (this.acked.has(e.seq)) continue;
      const entry = this.cache.get(e.seq) ?? this.read(e);
      if (entry) out.push(entry);
    }
    return out;
  }

  private read(e: IndexEntry): OutboxEntry | undefined {
    const buf = Buffer.allocUnsafe(e.size);
    readSync(e.segment.fd, buf, 0, e.size, e.offset);
    const record = decodeRecord(buf);
    if (!record) return undefined;
    const entry = { seq: record.seq, topic: record.topic, payload: record.payload };
    this.cache.set(e.seq, entry);
    this.trimCache();
    return entry;
  }

  private trimCache(): void {
    // Enough for an in-flight window and then some; the rest is read back from the file.
    for (const seq of this.cache.keys()) {
      if (this.cache.size <= 256) break;
      this.cache.delete(seq);
    }
  }

  ack(seq: number): void {
    this.inFlight.delete(seq);
    if (seq <= this.head) return;
    this.acked.add(seq);
    this.cache.delete(seq);
    for (let e = this.first(); e && this.acked.has(e.seq); e = this.first()) this.shift();
  }

  /** Messages waiting for the broker. */
  get size(): number {
    return this.count - this.acked.size;
  }

  /** Bytes of the messages waiting. */
  get bytes(): number {
    return this.liveBytes;
  }

  /** Messages dropped by the bounds since the agent started. */
  get dropped(): number {
    return this.droppedSinceStart;
  }

  /** Messages dropped since the spool was created, across restarts. */
  get droppedTotal(): number {
    return this.droppedBefore + this.droppedSinceStart;
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saveState();
    }, 1_000);
    this.saveTimer.unref();
  }

  private saveState(): void {
    const path = join(this.dir, 'state.json');
    writeFileSync(`${path}.tmp`, JSON.stringify({ head: this.head, dropped: this.droppedTotal }), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  close(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.saveState();
    for (const s of this.segments) closeSync(s.fd);
    this.segments.length = 0;
  }
}
