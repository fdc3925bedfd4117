// Where points wait for InfluxDB: a bounded queue in memory and, behind it, segments on disk.
// Order is kept by one invariant: everything on disk is older than everything in memory
// (spilling always takes the oldest points in memory and appends them as the newest segment),
// so writing disk first, then memory, writes points in the order they arrived.

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Point } from './points.js';

/** A FIFO of points in chunks, so taking a batch or dropping the oldest is cheap. */
export class MemoryQueue {
  private chunks: Point[][] = [];
  private head = 0; // index into chunks[0]
  private count = 0;

  constructor(private readonly chunkSize: number) {}

  get size(): number {
    return this.count;
  }

  push(p: Point): void {
    const last = this.chunks[this.chunks.length - 1];
    if (last && last.length < this.chunkSize) last.push(p);
    else this.chunks.push([p]);
    this.count++;
  }

  /** Removes and returns up to n of the oldest points. */
  take(n: number): Point[] {
    const out: Point[] = [];
    while (out.length < n && this.chunks.length > 0) {
      const first = this.chunks[0] as Point[];
      const want = n - out.length;
      const slice = first.slice(this.head, this.head + want);
      out.push(...slice);
      this.head += slice.length;
      if (this.head >= first.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.count -= out.length;
    return out;
  }

  /** Drops the n oldest points; returns how many were dropped. */
  drop(n: number): number {
    return this.take(n).length;
  }
}

export interface Segment {
  file: string;
  points: number;
  bytes: number;
}

/**
 * Segments of points on disk, one file each (JSON lines), named by an increasing number so
 * the order survives a restart. A file is written under a temporary name and renamed, so a
 * crash never leaves half a segment behind.
 */
export class Spool {
  private readonly segments: Segment[] = [];
  // Numbers start in the middle of the 12-digit range so a segment can also go in front.
  private next = 500_000_000_000;
  private first = 500_000_000_000;
  private bytes = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    if (maxBytes <= 0) return;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const names = readdirSync(dir).filter((n) => /^\d{12}\.jsonl$/.test(n)).sort();
    for (const n of readdirSync(dir)) if (n.endsWith('.tmp')) rmSync(join(dir, n), { force: true });
    for (const name of names) {
      const file = join(dir, name);
      const text = readFileSync(file, 'utf8');
      const points = text === '' ? 0 : text.split('\n').filter((l) => l !== '').length;
      this.segments.push({ file, points, bytes: statSync(file).size });
      this.bytes += statSync(file).size;
      const n = Number(name.slice(0, 12));
      this.next = Math.max(this.next, n + 1);
      this.first = Math.min(this.first, n);
    }
  }

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  get points(): number {
    return this.segments.reduce((n, s) => n + s.points, 0);
  }

  get size(): number {
    return this.segments.length;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  oldest(): Segment | undefined {
    return this.segments[0];
  }

  /**
   * Appends points as the newest segment. When the bound would be exceeded the oldest
   * segments are deleted first (except `pinned`, the one being written right now); returns
   * how many points that dropped. `atFront` puts the points before every other segment (a
   * batch that was in flight when the writer stopped is older than anything spilled since).
   */
  async append(points: Point[], pinned?: Segment, atFront = false): Promise<number> {
    const text = points.map((p) => JSON.stringify(p)).join('\n') + '\n';
    const size = Buffer.byteLength(text);
    if (size > this.maxBytes) return points.length;
    let dropped = 0;
    while (this.bytes + size > this.maxBytes) {
      const victim = this.segments.find((s) => s !== pinned);
      if (!victim) break;
      dropped += victim.points;
      await this.remove(victim);
    }
    if (this.bytes + size > this.maxBytes) return dropped + points.length;
    const n = atFront ? --this.first : this.next++;
    const file = join(this.dir, `${String(n).padStart(12, '0')}.jsonl`);
    await writeFile(`${file}.tmp`, text, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    const segment = { file, points: points.length, bytes: size };
    if (atFront) this.segments.unshift(segment);
    else this.segments.push(segment);
    this.bytes += size;
    return dropped;
  }

  /** @throws when the file is unreadable or not JSON lines (the caller drops it and counts). */
  async read(segment: Segment): Promise<Point[]> {
    const text = await readFile(segment.file, 'utf8');
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Point);
  }

  /** Removes a segment (written, or dropped). */
  async remove(segment: Segment): Promise<void> {
    const i = this.segments.indexOf(segment);
    if (i < 0) return;
    this.segments.splice(i, 1);
    this.bytes -= segment.bytes;
    await rm(segment.file, { force: true });
  }
}
