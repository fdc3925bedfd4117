// HL7 v2 for the probe, pure: the test message, MLLP framing and the reading of the ACK.
// MLLP wraps each message as 0x0B <message> 0x1C 0x0D; segments end with a carriage return.
// The probe reads only the acknowledgement (MSH and MSA) of what comes back; anything else in
// the answer is discarded unread and never logged or published.

export const START = 0x0b;
const END_1 = 0x1c;
const END_2 = 0x0d;
export const MAX_FRAME_BYTES = 1 << 20;

export interface Hl7Probe {
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
  /** MSH-9, e.g. "QRY^A19". */
  messageType: string;
  /** MSH-11: T (training/test) or D (debugging); never P, so no probe enters production processing. */
  processingId: 'T' | 'D';
  /** MSH-12. */
  version: string;
  /** Segments after MSH; {control_id} and {timestamp} are filled in. */
  segments: readonly string[];
}

/** A QRY^A19 asks for one patient record; this one asks for an id no patient has. */
export const DEFAULT_SEGMENTS = ['QRD|{timestamp}|R|I|{control_id}|||1^RD|WARDWATCH-PROBE^^^^^^PROBE|DEM'];

/** HL7 DTM in UTC: YYYYMMDDHHMMSS+0000. */
export function hl7Timestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}+0000`;
}

let counter = 0;

/** A message control id unique to this run: "WW", time in base 36, a counter, random digits (≤ 20 chars, MSH-10's limit). */
export function newControlId(now: number, random: () => number = Math.random): string {
  counter = (counter + 1) % 1296;
  const rand = Math.floor(random() * 1296).toString(36).padStart(2, '0');
  return `WW${now.toString(36)}${counter.toString(36).padStart(2, '0')}${rand}`.toUpperCase();
}

export function buildMessage(p: Hl7Probe, controlId: string, now: number): string {
  const ts = hl7Timestamp(now);
  const msh = ['MSH', '^~\\&', p.sendingApplication, p.sendingFacility, p.receivingApplication, p.receivingFacility, ts, '', p.messageType, controlId, p.processingId, p.version].join('|');
  const rest = p.segments.map((s) => s.replaceAll('{control_id}', controlId).replaceAll('{timestamp}', ts));
  return [msh, ...rest].join('\r') + '\r';
}

export function frame(message: string): Buffer {
  return Buffer.concat([Buffer.from([START]), Buffer.from(message, 'utf8'), Buffer.from([END_1, END_2])]);
}

export type FrameResult = { kind: 'more' } | { kind: 'frame'; payload: Buffer } | { kind: 'garbage'; why: string };

/** Collects bytes from the peer until one whole MLLP frame is there. */
export class MllpReader {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer): FrameResult {
    this.buf = Buffer.concat([this.buf, chunk]);
    // Tolerate line breaks some engines send between frames; anything else before 0x0B is not MLLP.
    let start = 0;
    while (start < this.buf.length && (this.buf[start] === 0x0a || this.buf[start] === 0x0d)) start++;
    if (start < this.buf.length && this.buf[start] !== START) {
      return { kind: 'garbage', why: `answer is not MLLP-framed (byte 0x${(this.buf[start] as number).toString(16).padStart(2, '0')} where 0x0b was expected)` };
    }
    for (let i = start + 1; i + 1 < this.buf.length; i++) {
      if (this.buf[i] === END_1 && this.buf[i + 1] === END_2) return { kind: 'frame', payload: this.buf.subarray(start + 1, i) };
    }
    if (this.buf.length > MAX_FRAME_BYTES) return { kind: 'garbage', why: `answer exceeds ${MAX_FRAME_BYTES} bytes without an end of frame` };
    return { kind: 'more' };
  }
}

export interface Ack {
  /** MSA-1: AA, AE, AR (original mode) or CA, CE, CR (enhanced mode). */
  code: string;
  /** MSA-2: the control id of the message acknowledged. */
  controlId: string;
  /** MSA-3: the peer's text about an error, if any. */
  text: string;
}

/** Reads MSH and MSA of an answer; a string says why it is not an acknowledgement. */
export function parseAck(payload: Buffer): Ack | string {
  // latin1 never fails to decode; the parts read here are ASCII in every HL7 character set.
  const segments = payload.toString('latin1').split(/\r\n|\r|\n/).filter((s) => s.length > 0);
  const msh = segments[0];
  if (!msh?.startsWith('MSH') || msh.length < 8) return 'answer is not an HL7 message (no MSH segment first)';
  const sep = msh[3] as string;
  const msa = segments.find((s) => s.startsWith(`MSA${sep}`));
  if (!msa) return 'answer has no MSA segment (not an acknowledgement)';
  const f = msa.split(sep);
  return { code: (f[1] ?? '').trim().toUpperCase(), controlId: (f[2] ?? '').trim(), text: printable(f[3] ?? '') };
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').trim().slice(0, 120);
}

export type AckVerdict = { status: 'ok' | 'warning' | 'critical'; why: string };

/** What an acknowledgement means for the interface. `onError` is the status of AE/CE. */
export function judgeAck(ack: Ack, sentId: string, onError: 'warning' | 'critical'): AckVerdict {
  if (ack.controlId !== sentId) return { status: 'critical', why: `ACK ${ack.code} is for another message (MSA-2 "${printable(ack.controlId).slice(0, 40)}", sent "${sentId}")` };
  const text = ack.text ? `: ${ack.text}` : '';
  switch (ack.code) {
    case 'AA':
    case 'CA':
      return { status: 'ok', why: `ACK ${ack.code}` };
    case 'AE':
    case 'CE':
      return { status: onError, why: `ACK ${ack.code} (error)${text}` };
    case 'AR':
    case 'CR':
      return { status: 'critical', why: `ACK ${ack.code} (rejected)${text}` };
    default:
      return { status: 'critical', why: `unknown acknowledgement code "${printable(ack.code).slice(0, 8)}"` };
  }
}
