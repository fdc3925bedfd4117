// Generated hostile input for the wire (fast-check): bytes that are not JSON, JSON that is not
// a message, valid messages with one thing wrong (types, unknown keys, versions, identities,
// sizes, nesting), and valid messages with replayed, out-of-order or skewed numbers.

import fc from 'fast-check';
import { topicFor } from '../../protocol/topics.js';
import { birth, cpu, metrics } from './messages.js';

export interface Input {
  topic: string;
  payload: Buffer;
  label: string;
}

const AGENTS = ['ws-001', 'ws-002', 'his-app-01'];
const T0 = 1_763_773_200_000;

const agent = fc.constantFrom(...AGENTS);
const topicOf = (a: string, kind: 'metrics' | 'state' | 'events' = 'metrics') => topicFor(kind, 'main', a);

/** Sets a value at a random place in a message (top level or first sample). */
function mutate(msg: Record<string, unknown>, key: string, value: unknown, inSample: boolean): Record<string, unknown> {
  const copy = structuredClone(msg);
  const samples = copy.samples as Array<Record<string, unknown>> | undefined;
  if (inSample && samples?.[0]) samples[0][key] = value;
  else copy[key] = value;
  return copy;
}

function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

const heavy = (arb: fc.Arbitrary<Input>) => ({ arbitrary: arb, weight: 1 });
const light = (arb: fc.Arbitrary<Input>) => ({ arbitrary: arb, weight: 6 });

export const hostileInput: fc.Arbitrary<Input> = fc.oneof(
  // raw bytes and text
  light(fc.record({ a: agent, bytes: fc.uint8Array({ maxLength: 4096 }) }).map(({ a, bytes }) => ({ topic: topicOf(a), payload: Buffer.from(bytes), label: 'bytes' }))),
  light(fc.record({ a: agent, s: fc.string({ maxLength: 512, unit: 'binary' }) }).map(({ a, s }) => ({ topic: topicOf(a), payload: Buffer.from(s), label: 'text' }))),
  // any JSON value
  light(fc.record({ a: agent, v: fc.jsonValue({ maxDepth: 6 }) }).map(({ a, v }) => ({ topic: topicOf(a), payload: json(v), label: 'json' }))),
  // a valid message with one key set to anything (wrong types, unknown keys, bad versions)
  light(
    fc
      .record({ a: agent, seq: fc.nat(1000), key: fc.oneof(fc.constantFrom('v', 'kind', 'agent', 'site', 'seq', 'ts', 'samples', 'interval_s', 'm', 'fields', 'tags'), fc.string({ maxLength: 12 })), value: fc.jsonValue({ maxDepth: 4 }), inSample: fc.boolean() })
      .map(({ a, seq, key, value, inSample }) => ({ topic: topicOf(a), payload: json(mutate(metrics(a, seq, T0, [cpu(1)]) as never, key, value, inSample)), label: `mutated:${key}` })),
  ),
  // identity: payload of one agent on another's topic
  light(fc.record({ a: agent, b: agent, seq: fc.nat(1000) }).map(({ a, b, seq }) => ({ topic: topicOf(a), payload: json(metrics(b, seq, T0, [cpu(50)])), label: 'identity' }))),
  // unknown protocol versions
  light(fc.record({ a: agent, v: fc.oneof(fc.integer(), fc.string(), fc.constant(null)) }).map(({ a, v }) => ({ topic: topicOf(a), payload: json({ ...metrics(a, 1, T0, []), v }), label: 'version' }))),
  // huge arrays and deep nesting
  heavy(fc.record({ a: agent, n: fc.integer({ min: 2001, max: 4000 }) }).map(({ a, n }) => ({ topic: topicOf(a), payload: json(metrics(a, 1, T0, Array.from({ length: n }, () => cpu(1)))), label: 'huge-array' }))),
  heavy(
    fc.record({ a: agent, depth: fc.integer({ min: 1000, max: 100_000 }), kind: fc.constantFrom('array' as const, 'object' as const) }).map(({ a, depth, kind }) => ({
      topic: topicOf(a),
      payload: Buffer.from(`{"v":1,"kind":"metrics","agent":"${a}","site":"main","seq":1,"ts":${T0},"samples":${nested(depth, kind)}}`),
      label: 'deep',
    })),
  ),
  // oversized
  heavy(fc.record({ a: agent, extra: fc.integer({ min: 1, max: 100_000 }) }).map(({ a, extra }) => ({ topic: topicOf(a), payload: Buffer.alloc(512 * 1024 + extra, 0x20), label: 'oversized' }))),
  // bad topics
  light(fc.record({ t: fc.string({ maxLength: 80 }), a: agent }).map(({ t, a }) => ({ topic: t, payload: json(metrics(a, 1, T0, [])), label: 'topic' }))),
  // valid, with replayed, out-of-order or skewed numbers (and births now and then)
  light(
    fc
      .record({ a: agent, seq: fc.nat(60), skew: fc.constantFrom(0, 0, 0, -3_600_000, 86_400_000 * 365, -T0), value: fc.double({ min: 0, max: 100, noNaN: true }), birth: fc.boolean() })
      .map(({ a, seq, skew, value, birth: isBirth }) =>
        isBirth && seq % 7 === 0
          ? { topic: topicOf(a, 'state'), payload: json(birth(a, 1 + (seq % 3), T0 + skew, { seq })), label: 'valid-birth' }
          : { topic: topicOf(a), payload: json(metrics(a, seq, T0 + skew + seq * 1000, [cpu(value)])), label: 'valid' },
      ),
  ),
);
