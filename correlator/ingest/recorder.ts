// Records the correlator's live input as JSON lines ({ topic, payload, at }) so that
// `wardwatch replay` can feed exactly the same messages, with their arrival times, through
// the same engine later: for a post-mortem, or to test a rule change against last week.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface RecordedInput {
  topic: string;
  /** The payload as text; `payload_b64` instead when it is not valid UTF-8. */
  payload?: string;
  payload_b64?: string;
  at: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function recordLine(topic: string, payload: Uint8Array, at: number): string {
  try {
    return JSON.stringify({ topic, payload: decoder.decode(payload), at });
  } catch {
    return JSON.stringify({ topic, payload_b64: Buffer.from(payload).toString('base64'), at });
  }
}

export function payloadOf(r: RecordedInput): Uint8Array {
  if (r.payload_b64 !== undefined) return Buffer.from(r.payload_b64, 'base64');
  return Buffer.from(typeof r.payload === 'string' ? r.payload : JSON.stringify(r.payload ?? null), 'utf8');
}

export class Recorder {
  private readonly fd: number;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a', 0o600);
  }

  record(topic: string, payload: Uint8Array, at: number): void {
    writeSync(this.fd, recordLine(topic, payload, at) + '\n');
  }

  /** Silences set or ended through the API, as replay lines. */
  control(line: object): void {
    writeSync(this.fd, JSON.stringify(line) + '\n');
  }

  close(): void {
    closeSync(this.fd);
  }
}
