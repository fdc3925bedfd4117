// HL7 v2 over MLLP: sends one test message (MSH-11 = T) to an interface engine and checks its
// acknowledgement: the code in MSA-1, that MSA-2 names our control id, and the round trip.
// "Is the interface engine taking messages?" is a different question from "is its port open":
// a stuck channel accepts connections and never acknowledges.

import { connect, type Socket } from 'node:net';
import type { FromSchema } from 'json-schema-to-ts';
import { budgetMs } from './budget.js';
import type { ErrorClass } from '../../protocol/schema.js';
import { commonCheckProperties, ms, type CheckOutcome, type CheckType } from './check.js';
import { errorClassOf } from './error-class.js';
import { buildMessage, DEFAULT_SEGMENTS, frame, judgeAck, MllpReader, newControlId, parseAck, type Hl7Probe } from './hl7-message.js';

const hl7Field = { type: 'string', pattern: '^[^|^~\\\\&\\r\\n]{0,180}$', 'x-expected': 'text without | ^ ~ \\ & or line breaks' } as const;

export const hl7CheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'host', 'port'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'hl7', description: 'HL7 v2 over MLLP: send a test message (MSH-11 = T) and check the acknowledgement.' },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535, description: 'MLLP port of the interface engine (2575 is the registered HL7 port).' },
    sending_application: { ...hl7Field, default: 'WARDWATCH', description: 'MSH-3.' },
    sending_facility: { ...hl7Field, default: 'PROBE', description: 'MSH-4.' },
    receiving_application: { ...hl7Field, default: '', description: 'MSH-5.' },
    receiving_facility: { ...hl7Field, default: '', description: 'MSH-6.' },
    message_type: { type: 'string', pattern: '^[A-Z0-9]{3}(\\^[A-Z0-9]{2,3}){0,2}$', 'x-expected': 'an HL7 message type like "QRY^A19"', default: 'QRY^A19', description: 'MSH-9. Agree a harmless type with the interface engine\'s owner: the message always goes out with MSH-11 = T (test), but an engine that ignores MSH-11 would act on an ADT^A01 by admitting a patient.' },
    processing_id: { enum: ['T', 'D'], default: 'T', description: 'MSH-11: T (training/test) or D (debugging). P (production) is not allowed.' },
    version: { type: 'string', pattern: '^2\\.[1-9](\\.[0-9])?$', 'x-expected': 'an HL7 v2 version like "2.4"', default: '2.4', description: 'MSH-12.' },
    segments: {
      type: 'array',
      maxItems: 10,
      items: { type: 'string', pattern: '^[A-Z][A-Z0-9]{2}\\|[^\\r\\n]{0,500}$', 'x-expected': 'one segment like "QRD|{timestamp}|R|I|{control_id}"' },
      description: 'Segments after MSH; {control_id} and {timestamp} are filled in. Default: a QRD asking for the patient id WARDWATCH-PROBE, which no patient has.',
    },
    on_error: { enum: ['warning', 'critical'], default: 'warning', description: 'Status when the engine answers AE/CE (application error); AR/CR (rejected) is always critical.' },
  },
} as const;

export type Hl7CheckSpec = FromSchema<typeof hl7CheckSchema, { keepDefaultedPropertiesOptional: true }>;

type Exchange =
  | { ok: true; connectMs: number; ackMs: number; payload: Buffer }
  | { ok: false; connectMs?: number; why: string; errorClass: ErrorClass };

/** Connects, sends one framed message and waits for one framed answer, within budgetMs. */
export function exchange(host: string, port: number, message: Buffer, budget: number, signal: AbortSignal): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = performance.now();
    let connectMs: number | undefined;
    let sentAt = 0;
    const reader = new MllpReader();
    const socket: Socket = connect({ host, port });
    const finish = (r: Exchange) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('data');
      socket.destroy();
      resolve(r);
    };
    const onAbort = () => finish({ ok: false, connectMs, why: 'aborted', errorClass: 'timeout' });
    const timer = setTimeout(() => {
      finish(connectMs === undefined ? { ok: false, why: `cannot connect within ${ms(budget)}`, errorClass: 'timeout' } : { ok: false, connectMs, why: `connected in ${ms(connectMs)}; no ACK within ${ms(budget)}`, errorClass: 'timeout' });
    }, budget);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      connectMs = performance.now() - started;
      sentAt = performance.now();
      socket.write(message);
    });
    socket.on('data', (chunk: Buffer) => {
      const r = reader.push(chunk);
      if (r.kind === 'frame') finish({ ok: true, connectMs: connectMs ?? 0, ackMs: performance.now() - sentAt, payload: r.payload });
      else if (r.kind === 'garbage') finish({ ok: false, connectMs, why: r.why, errorClass: 'protocol' });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, connectMs, why: connectMs === undefined ? `cannot connect: ${err.code ?? err.message}` : `connection failed: ${err.code ?? err.message}`, errorClass: errorClassOf(err) }));
    socket.once('close', () => finish({ ok: false, connectMs, why: 'connection closed before an ACK', errorClass: 'reset' }));
  });
}

const round = (n: number) => Math.round(n * 100) / 100;

export const hl7Check: CheckType<Hl7CheckSpec> = {
  schema: hl7CheckSchema,
  create(spec) {
    const target = `mllp://${spec.host}:${spec.port}`;
    const probe: Hl7Probe = {
      sendingApplication: spec.sending_application ?? 'WARDWATCH',
      sendingFacility: spec.sending_facility ?? 'PROBE',
      receivingApplication: spec.receiving_application ?? '',
      receivingFacility: spec.receiving_facility ?? '',
      messageType: spec.message_type ?? 'QRY^A19',
      processingId: spec.processing_id ?? 'T',
      version: spec.version ?? '2.4',
      segments: spec.segments ?? DEFAULT_SEGMENTS,
    };
    const budget = budgetMs(spec);
    return {
      name: spec.name,
      type: 'hl7',
      async run(signal): Promise<CheckOutcome> {
        const now = Date.now();
        const controlId = newControlId(now);
        const r = await exchange(spec.host, spec.port, frame(buildMessage(probe, controlId, now)), budget, signal);
        const connect: Record<string, number> = r.connectMs === undefined ? {} : { connect_ms: round(r.connectMs) };
        if (!r.ok) return { status: 'critical', summary: r.why, target, errorClass: r.errorClass, fields: { ...connect, control_id: controlId } };
        const ack = parseAck(r.payload);
        if (typeof ack === 'string') return { status: 'critical', summary: ack, target, errorClass: 'protocol', fields: { ...connect, ack_ms: round(r.ackMs), control_id: controlId } };
        const verdict = judgeAck(ack, controlId, spec.on_error ?? 'warning');
        return {
          status: verdict.status,
          summary: `${verdict.why} in ${ms(r.ackMs)}`,
          target,
          ...(verdict.status !== 'ok' ? { errorClass: 'protocol' as const } : {}),
          fields: { ...connect, ack_ms: round(r.ackMs), ack_code: ack.code.slice(0, 8), control_id: controlId },
        };
      },
    };
  },
};
