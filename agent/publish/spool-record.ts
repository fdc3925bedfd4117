// The on-disk record format of the spool, kept apart so it can be tested byte by byte.
//
//   u32 body length | u32 CRC-32 of the body | body
//   body = f64 seq | f64 appended at (ms since epoch) | u16 topic length | topic (UTF-8) | payload
//
// A record is written with one write() call, so a process killed mid-append leaves either the
// whole record or nothing; a torn tail after a power loss fails its length or CRC check and is
// cut off when the spool is opened again.

import * as zlib from 'node:zlib';

const HEADER = 8;
const FIXED = 18;

export interface SpoolRecord {
  seq: number;
  at: number;
  topic: string;
  payload: Buffer;
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

// zlib.crc32 is native from Node 20.15; the table version covers older Node 20 releases.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE), as zip and PNG use it. */
export function crc32(buf: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(buf) >>> 0 : crc32Table(buf);
}

export function crc32Table(buf: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = (CRC_TABLE[(c ^ (buf[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export function encodeRecord(r: SpoolRecord): Buffer {
  const topic = Buffer.from(r.topic, 'utf8');
  const bodyLen = FIXED + topic.length + r.payload.length;
  const buf = Buffer.allocUnsafe(HEADER + bodyLen);
  buf.writeUInt32LE(bodyLen, 0);
  buf.writeDoubleLE(r.seq, HEADER);
  buf.writeDoubleLE(r.at, HEADER + 8);
  buf.writeUInt16LE(topic.length, HEADER + 16);
  topic.copy(buf, HEADER + FIXED);
  r.payload.copy(buf, HEADER + FIXED + topic.length);
  buf.writeUInt32LE(crc32(buf.subarray(HEADER)), 4);
  return buf;
}

export type Scanned = { record: SpoolRecord; offset: number; size: number };

/**
 * Reads records from a segment's bytes until the end or the first damaged record; `validEnd`
 * is where the intact part ends (the file is cut there before new records are appended).
 */
export function scanRecords(buf: Buffer): { records: Scanned[]; validEnd: number } {
  const records: Scanned[] = [];
  let offset = 0;
  while (offset + HEADER <= buf.length) {
    const bodyLen = buf.readUInt32LE(offset);
    const end = offset + HEADER + bodyLen;
    if (bodyLen < FIXED || end > buf.length) break;
    const body = buf.subarray(offset + HEADER, end);
    if (crc32(body) !== buf.readUInt32LE(offset + 4)) break;
    const record = decodeBody(body);
    if (!record) break;
    records.push({ record, offset, size: end - offset });
    offset = end;
  }
  return { records, validEnd: offset };
}

/** Decodes one whole record read back from disk; undefined when it does not check out. */
export function decodeRecord(buf: Buffer): SpoolRecord | undefined {
  if (buf.length < HEADER + FIXED || buf.readUInt32LE(0) !== buf.length - HEADER) return undefined;
  const body = buf.subarray(HEADER);
  return crc32(body) === buf.readUInt32LE(4) ? decodeBody(body) : undefined;
}

function decodeBody(body: Buffer): SpoolRecord | undefined {
  const seq = body.readDoubleLE(0);
  const at = body.readDoubleLE(8);
  const topicLen = body.readUInt16LE(16);
  if (!Number.isSafeInteger(seq) || seq < 0 || FIXED + topicLen > body.length) return undefined;
  return {
    seq,
    at,
    topic: body.toString('utf8', FIXED, FIXED + topicLen),
    payload: Buffer.from(body.subarray(FIXED + topicLen)),
  };
}
