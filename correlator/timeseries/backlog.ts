// Points waiting for InfluxDB, in order: the batch in flight, then disk segments, then memory.
// Memory is bounded; spilling moves its oldest points to disk (while InfluxDB answers, only
// past half the bound, so slow writes are absorbed in memory; while it does not, every full
// batch at once, so memory keeps room for bursts). Whatever cannot be kept is handed to
// `onDrop` with a reason, to be counted and logged.

import { MemoryQueue, Spool, type Segment } from './buffer.js';
import type { Point } from './points.js';

export interface Batch {
  points: Point[];
  /** Points already written (a disk segment is written in slices of the batch size). */
  offset: number;
  /** Set when the batch is a disk segment: removed once written. */
  segment?: Segment;
}

export interface BacklogOptions {
  memoryPoints: number;
  batchSize: number;
  spoolDir: string;
  spoolBytes: number;
  onDrop: (reason: 'buffer-full' | 'spool-full' | 'corrupt' | 'shutdown', n: number, detail?: string) => void;
  /** Called whenever the counts change. */
  onChange: () => void;
}

export class Backlog {
  /** Whether InfluxDB answered the last request; decides how early points spill. */
  healthy = false;
  private readonly memory: MemoryQueue;
  private readonly spool: Spool;
  private inflight: Batch | undefined;
  private spilling: Promise<void> | undefined;
  /** Points on their way from memory to disk (in neither while the file is written). */
  private spillingPoints = 0;

  constructor(private readonly o: BacklogOptions) {
    this.memory = new MemoryQueue(Math.min(o.batchSize, 10_000));
    this.spool = new Spool(o.spoolDir, o.spoolBytes);
  }

  /** Points not yet in InfluxDB: in memory, in flight and on disk. */
  get size(): number {
    return this.memory.size + this.spillingPoints + this.spool.points + this.inflightLeft();
  }

  get inMemory(): number {
    return this.memory.size + this.spillingPoints + Math.max(0, this.inflightLeft());
  }

  get onDisk(): number {
    return this.spool.points + Math.min(0, this.inflightLeft());
  }

  /** Nothing on disk and less than a batch in memory. */
  get caughtUp(): boolean {
    return this.spool.size === 0 && this.memory.size < this.o.batchSize;
  }

  get memorySize(): number {
    return this.memory.size;
  }

  /** Points of the batch in flight not yet written; negative for a segment (counted on disk). */
  private inflightLeft(): number {
    const b = this.inflight;
    if (!b) return 0;
    return b.segment ? -b.offset : b.points.length - b.offset;
  }

  push(point: Point): void {
    if (this.memory.size >= this.o.memoryPoints) this.o.onDrop('buffer-full', this.memory.drop(1));
    this.memory.push(point);
    if (this.spool.enabled && this.memory.size >= this.spillTrigger()) this.spill();
    this.o.onChange();
  }

  private spillTrigger(): number {
    const half = Math.max(1, Math.floor(this.o.memoryPoints / 2));
    return this.healthy ? half : Math.min(this.o.batchSize, half);
  }

  private spill(): void {
    if (this.spilling) return;
    this.spilling = this.spillLoop().finally(() => {
      this.spilling = undefined;
    });
  }

  /** Moves the oldest points in memory to disk, one segment per round (at most 20 batches). */
  private async spillLoop(): Promise<void> {
    while (this.memory.size > 0 && this.memory.size >= this.spillTrigger()) {
      const keep = this.healthy ? Math.floor(this.o.memoryPoints / 4) : 0;
      const points = this.memory.take(Math.min(this.memory.size - keep, 20 * this.o.batchSize));
      this.spillingPoints = points.length;
      const lost = await this.spool.append(points, this.inflight?.segment).catch((err: Error) => {
        this.o.onDrop('spool-full', points.length, `cannot write to ${this.o.spoolDir}: ${err.message}`);
        return 0;
      });
      this.spillingPoints = 0;
      if (lost > 0) this.o.onDrop('spool-full', lost);
      this.o.onChange();
    }
  }

  /** The oldest waiting points: the batch in flight, then disk, then memory when `due`. */
  async next(due: boolean): Promise<Batch | undefined> {
    if (this.inflight) return this.inflight;
    // Points being spilled are older than what is left in memory: let them land first.
    if (this.spilling) await this.spilling;
    const segment = this.spool.oldest();
    if (segment) {
      try {
        this.inflight = { points: await this.spool.read(segment), offset: 0, segment };
      } catch (err) {
        this.o.onDrop('corrupt', segment.points, `${segment.file}: ${(err as Error).message}`);
        await this.spool.remove(segment);
        return this.next(due);
      }
      return this.inflight;
    }
    if (this.memory.size === 0 || !(due || this.memory.size >= this.o.batchSize)) return undefined;
    this.inflight = { points: this.memory.take(this.o.batchSize), offset: 0 };
    return this.inflight;
  }

  /** The batch is written (or given up): forget it. */
  done(batch: Batch): void {
    if (batch.segment) void this.spool.remove(batch.segment).then(() => this.o.onChange());
    this.inflight = undefined;
    this.o.onChange();
  }

  /**
   * At shutdown: what is still in memory goes to disk for the next start, the batch in flight
   * in front of everything else; without a disk buffer it is dropped ("shutdown"). Returns
   * the points on disk.
   */
  async park(): Promise<number> {
    await this.spilling;
    const inflight = this.inflight?.segment ? [] : (this.inflight?.points.slice(this.inflight.offset) ?? []);
    this.inflight = undefined;
    const rest = this.memory.take(this.memory.size);
    if (!this.spool.enabled) this.o.onDrop('shutdown', inflight.length + rest.length);
    else {
      if (inflight.length > 0) this.o.onDrop('spool-full', await this.spool.append(inflight, undefined, true));
      if (rest.length > 0) this.o.onDrop('spool-full', await this.spool.append(rest));
    }
    this.o.onChange();
    return this.spool.points;
  }
}
