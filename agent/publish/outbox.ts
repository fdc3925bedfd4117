// Messages waiting for the broker, oldest first. Entries leave the outbox only when the broker
// has acknowledged them (QoS 1 PUBACK); when the bound is reached the oldest are dropped and
// counted, and the count is reported once the agent is connected again.

export interface OutboxEntry {
  seq: number;
  topic: string;
  payload: Buffer;
}

export interface Outbox {
  push(entry: OutboxEntry): void;
  /** Up to n entries from the oldest, not removed. */
  peek(n: number): OutboxEntry[];
  /** Removes an acknowledged entry. */
  ack(seq: number): void;
  /** The entry was handed to the MQTT client, which delivers it unless the process dies. */
  sending?(seq: number): void;
  readonly size: number;
  /** Entries dropped because of the bound since the agent started. */
  readonly dropped: number;
  close(): void;
}

export class MemoryOutbox implements Outbox {
  private entries: OutboxEntry[] = [];
  private droppedCount = 0;

  constructor(private readonly maxEntries = 10_000) {}

  push(entry: OutboxEntry): void {
    this.entries.push(entry);
    while (this.entries.length > this.maxEntries) {
      this.entries.shift();
      this.droppedCount++;
    }
  }

  peek(n: number): OutboxEntry[] {
    return this.entries.slice(0, n);
  }

  ack(seq: number): void {
    const i = this.entries.findIndex((e) => e.seq === seq);
    if (i >= 0) this.entries.splice(i, 1);
  }

  get size(): number {
    return this.entries.length;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  close(): void {}
}
