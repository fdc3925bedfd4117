// Clock drift against an NTP server, with a small SNTP client (RFC 4330) over UDP. Orders,
// lab results and audit trails carry this host's timestamps, Kerberos logons fail beyond five
// minutes of skew, and correlating an incident across hosts needs clocks that agree.

import { createSocket } from 'node:dgram';
import type { FromSchema } from 'json-schema-to-ts';
import { durationMs } from '../../common/duration.js';
import { commonCheckProperties, ms, type CheckOutcome, type CheckType } from './check.js';
import { classOfCode } from './error-class.js';

const duration = { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w))+$', 'x-expected': 'a duration like "500ms"' } as const;

export const ntpCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'server'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'ntp', description: 'Offset of this host\'s clock from an NTP server (SNTP over UDP).' },
    server: { type: 'string', minLength: 1, description: 'NTP server: the hospital\'s own time source or domain controller.' },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 123 },
    warn_offset: { ...duration, default: '1s', description: 'A clock further off than this is a warning.' },
    critical_offset: { ...duration, default: '10s', description: 'Further off than this is critical.' },
  },
} as const;

export type NtpCheckSpec = FromSchema<typeof ntpCheckSchema, { keepDefaultedPropertiesOptional: true }>;

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX = 2_208_988_800;
const TWO32 = 2 ** 32;

/** Writes a time (ms since the Unix epoch) as a 64-bit NTP timestamp. */
export function writeNtpTime(buf: Buffer, offset: number, unixMs: number): void {
  const secs = Math.floor(unixMs / 1000);
  const frac = Math.floor(((unixMs - secs * 1000) / 1000) * TWO32);
  buf.writeUInt32BE((secs + NTP_UNIX) % TWO32, offset);
  buf.writeUInt32BE(frac, offset + 4);
}

/** Reads a 64-bit NTP timestamp as ms since the Unix epoch, in the 136-year era nearest `nearMs`. */
export function readNtpTime(buf: Buffer, offset: number, nearMs: number): number {
  const secs = buf.readUInt32BE(offset);
  const frac = buf.readUInt32BE(offset + 4);
  const nearSecs = (Math.floor(nearMs / 1000) + NTP_UNIX) % TWO32;
  let diff = secs - nearSecs;
  if (diff > TWO32 / 2) diff -= TWO32;
  if (diff < -TWO32 / 2) diff += TWO32;
  return (Math.floor(nearMs / 1000) + diff) * 1000 + (frac / TWO32) * 1000;
}

/** A client request: LI 0, version 4, mode 3 (client), our transmit time in the transmit field. */
export function sntpRequest(unixMs: number): Buffer {
  const buf = Buffer.alloc(48);
  buf[0] = (0 << 6) | (4 << 3) | 3;
  writeNtpTime(buf, 40, unixMs);
  return buf;
}

export type SntpReply =
  | { ok: true; offsetMs: number; delayMs: number; stratum: number }
  | { ok: false; reason: string; ignore?: boolean };

/**
 * Checks a reply against the request it answers and computes offset and round-trip delay:
 * offset = ((T2 - T1) + (T3 - T4)) / 2, delay = (T4 - T1) - (T3 - T2).
 */
export function readSntpReply(reply: Buffer, request: Buffer, t1: number, t4: number): SntpReply {
  if (reply.length < 48) return { ok: false, reason: 'short reply', ignore: true };
  const li = reply[0]! >> 6;
  const mode = reply[0]! & 7;
  const stratum = reply[1]!;
  if (mode !== 4 && mode !== 5) return { ok: false, reason: `not a server reply (mode ${mode})`, ignore: true };
  if (!reply.subarray(24, 32).equals(request.subarray(40, 48))) return { ok: false, reason: 'reply does not answer our request', ignore: true };
  if (stratum === 0) return { ok: false, reason: `server refused (kiss code ${reply.subarray(12, 16).toString('latin1').replace(/[^\x20-\x7e]/g, '')})` };
  if (li === 3) return { ok: false, reason: 'server clock is not synchronised' };
  const t2 = readNtpTime(reply, 32, t1);
  const t3 = readNtpTime(reply, 40, t1);
  if (reply.readUInt32BE(40) === 0 && reply.readUInt32BE(44) === 0) return { ok: false, reason: 'server sent no transmit time' };
  return { ok: true, offsetMs: (t2 - t1 + (t3 - t4)) / 2, delayMs: t4 - t1 - (t3 - t2), stratum };
}

/** One SNTP exchange, resent every 2 s until an answer or the signal. */
export function sntpQuery(host: string, port: number, signal: AbortSignal): Promise<SntpReply> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    let request: Buffer = Buffer.alloc(48);
    let t1 = 0;
    let sentAt = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.close();
      fn();
    };
    const onAbort = () => finish(() => reject(new Error('timed out')));
    signal.addEventListener('abort', onAbort, { once: true });
    // Wall clock once, then a monotonic delta: a time check must not be fooled by its own clock moving.
    const send = () => {
      t1 = Date.now();
      sentAt = performance.now();
      request = sntpRequest(t1);
      socket.send(request, port, host);
      timer = setTimeout(send, 2_000);
    };
    socket.on('message', (msg) => {
      const r = readSntpReply(msg, request, t1, t1 + (performance.now() - sentAt));
      if (!r.ok && r.ignore) return; // stray or forged packet: keep waiting for ours
      finish(() => resolve(r));
    });
    socket.on('error', (err) => finish(() => resolve({ ok: false, reason: (err as NodeJS.ErrnoException).code ?? err.message })));
    socket.connect(port, host, () => send());
  });
}

export const ntpCheck: CheckType<NtpCheckSpec> = {
  schema: ntpCheckSchema,
  create(spec) {
    const port = spec.port ?? 123;
    const warnMs = durationMs(spec.warn_offset ?? '1s');
    const critMs = durationMs(spec.critical_offset ?? '10s');
    const target = `ntp://${spec.server}:${port}`;
    return {
      name: spec.name,
      type: 'ntp',
      async run(signal): Promise<CheckOutcome> {
        const r = await sntpQuery(spec.server, port, signal);
        // An errno from the socket is the network's fault; any other reason is the server's answer.
        if (!r.ok) return { status: 'critical', summary: `no time from ${spec.server}: ${r.reason}`, target, errorClass: classOfCode(r.reason) ?? 'protocol' };
        const off = Math.round(r.offsetMs * 100) / 100;
        const fields = { offset_ms: off, rtt_ms: Math.round(r.delayMs * 100) / 100, stratum: r.stratum };
        const abs = Math.abs(off);
        const status = abs > critMs ? 'critical' : abs > warnMs ? 'warning' : 'ok';
        const dir = off > 0 ? 'behind' : 'ahead of';
        return { status, summary: `clock ${ms(abs)} ${dir} ${spec.server} (stratum ${r.stratum})`, target, fields };
      },
    };
  },
};
