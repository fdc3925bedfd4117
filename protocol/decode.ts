// The one place where bytes from the network become typed messages. Everything deeper in the
// correlator trusts what comes out of here. Rejections carry a stable code (for the
// `wardwatch_messages_invalid_total{reason}` metric) and a short detail for the log.

import { Ajv, type ValidateFunction } from 'ajv';
import { eventsSchema, metricsSchema, stateSchema, type Message } from './schema.js';
import { parseTopic, type MessageKind, type TopicParts } from './topics.js';

export const REJECT_CODES = ['too-large', 'bad-topic', 'bad-json', 'bad-version', 'schema', 'identity'] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

export type Decoded =
  | { ok: true; topic: TopicParts; message: Message }
  | { ok: false; code: RejectCode; detail: string; topic?: TopicParts };

/** Large enough for 2,000 samples; anything bigger is a broken or hostile sender. */
export const DEFAULT_MAX_BYTES = 512 * 1024;

const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: false, allowUnionTypes: true });
ajv.addVocabulary(['x-expected']);
const validators: Record<MessageKind, ValidateFunction> = {
  metrics: ajv.compile(metricsSchema),
  state: ajv.compile(stateSchema),
  events: ajv.compile(eventsSchema),
};

export function decode(topic: string, payload: Uint8Array, maxBytes = DEFAULT_MAX_BYTES): Decoded {
  const parts = parseTopic(topic);
  if (!parts) return { ok: false, code: 'bad-topic', detail: `not a wardwatch/v1 topic: ${topic.slice(0, 120)}` };
  if (payload.byteLength > maxBytes) {
    return { ok: false, code: 'too-large', detail: `${payload.byteLength} bytes > ${maxBytes}`, topic: parts };
  }
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (err) {
    return { ok: false, code: 'bad-json', detail: (err as Error).message.slice(0, 120), topic: parts };
  }
  if (data && typeof data === 'object' && 'v' in data && (data as { v: unknown }).v !== 1) {
    return { ok: false, code: 'bad-version', detail: `protocol version ${JSON.stringify((data as { v: unknown }).v)}`, topic: parts };
  }
  const validate = validators[parts.kind];
  if (!validate(data)) {
    const e = validate.errors?.[0];
    const where = e?.instancePath || '/';
    return { ok: false, code: 'schema', detail: `${where} ${e?.message ?? 'invalid'}`.slice(0, 200), topic: parts };
  }
  const message = data as Message;
  if (message.kind !== parts.kind || message.agent !== parts.agentId || message.site !== parts.site) {
    return {
      ok: false,
      code: 'identity',
      detail: `payload says ${message.site}/${message.agent}/${message.kind}, topic says ${parts.site}/${parts.agentId}/${parts.kind}`,
      topic: parts,
    };
  }
  return { ok: true, topic: parts, message };
}

export { encode } from './encode.js';
