// The agent's two persistent counters: `seq` numbers data messages (metrics, events) so the
// correlator can drop redeliveries, and `session` counts process starts so a Last Will from an
// old run never marks a newer run offline. Both survive restarts in <data_dir>/counters.json,
// written through a temporary file and a rename so a crash leaves the old or the new value,
// never half a file.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CounterState {
  seq: number;
  session: number;
}

export class Counters {
  private state: CounterState;
  private readonly path: string;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.path = join(dataDir, 'counters.json');
    this.state = Counters.read(this.path);
    this.state.session++;
    this.save();
  }

  static read(path: string): CounterState {
    try {
      const data = JSON.parse(readFileSync(path, 'utf8')) as Partial<CounterState>;
      const ok = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
      return { seq: ok(data.seq) ? data.seq : 0, session: ok(data.session) ? data.session : 0 };
    } catch {
      return { seq: 0, session: 0 };
    }
  }

  get session(): number {
    return this.state.session;
  }

  /** The last sequence number handed out (0 before the first message). */
  get lastSeq(): number {
    return this.state.seq;
  }

  /** Hands out the next sequence number and records it before the message can leave. */
  nextSeq(): number {
    this.state.seq++;
    this.save();
    return this.state.seq;
  }

  /** Moves the sequence number up to one already used elsewhere (the spool's last record). */
  advanceTo(seq: number): void {
    if (seq <= this.state.seq) return;
    this.state.seq = seq;
    this.save();
  }

  private save(): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
