import t from 'tap';
import { decode, encode } from '../../protocol/decode.js';
import { parseTopic, topicFor } from '../../protocol/topics.js';
import { birth, cpu, metrics, will } from '../helpers/messages.js';

const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

t.test('topics', async (t) => {
  t.equal(topicFor('metrics', 'main', 'his-app-01'), 'wardwatch/v1/main/his-app-01/metrics');
  t.same(parseTopic('wardwatch/v1/main/his-app-01/state'), { site: 'main', agentId: 'his-app-01', kind: 'state' });
  for (const bad of ['wardwatch/v2/main/a/metrics', 'wardwatch/v1/main/a/b/metrics', 'wardwatch/v1/Main/a/metrics', 'wardwatch/v1/main/a/cmd', 'x']) {
    t.equal(parseTopic(bad), undefined, bad);
  }
});

t.test('valid messages of each kind decode', async (t) => {
  const cases = [
    ['metrics', metrics('ws-001', 7, 1_763_773_200_000, [cpu(12.5), { m: 'fs', tags: { mount: '/' }, fields: { used_percent: 40 } }])],
    ['state', birth('ws-001', 3, 1_763_773_200_000, { role: 'terminal', labels: { building: 'outpatient' } })],
    ['state', will('ws-001', 3, 1_763_773_200_000)],
    ['events', { v: 1, kind: 'events', agent: 'ws-001', site: 'main', seq: 8, ts: 1_763_773_200_000, events: [{ check: 'his-login', type: 'http', status: 'critical', summary: 'HTTP 503', duration_ms: 5200, fields: { status_code: 503 } }] }],
  ] as const;
  for (const [kind, msg] of cases) {
    const d = decode(topicFor(kind, 'main', 'ws-001'), encode(msg as never));
    t.ok(d.ok, `${kind} ${d.ok ? '' : d.detail}`);
    if (d.ok) t.same(d.message, msg);
  }
});

t.test('bad input is rejected with a stable code, never thrown', async (t) => {
  const topic = topicFor('metrics', 'main', 'ws-001');
  const good = metrics('ws-001', 1, 1, [cpu(1)]);
  const cases: Array<[string, string, Uint8Array, string]> = [
    ['not JSON', topic, buf('{"v":1,'), 'bad-json'],
    ['binary garbage', topic, Buffer.from([0xff, 0xfe, 0x00, 0x01]), 'bad-json'],
    ['wrong protocol version', topic, buf({ ...good, v: 2 }), 'bad-version'],
    ['missing seq', topic, buf({ ...good, seq: undefined }), 'schema'],
    ['string where a number belongs', topic, buf({ ...good, samples: [{ m: 'cpu', fields: { usage_percent: '12' } }] }), 'schema'],
    ['unknown top-level key', topic, buf({ ...good, extra: 1 }), 'schema'],
    ['negative sequence', topic, buf({ ...good, seq: -1 }), 'schema'],
    ['too many samples', topic, buf({ ...good, samples: Array.from({ length: 2001 }, () => cpu(1)) }), 'schema'],
    ['agent id differs from the topic', topic, buf({ ...good, agent: 'ws-002' }), 'identity'],
    ['site differs from the topic', topic, buf({ ...good, site: 'east' }), 'identity'],
    ['kind differs from the topic', topicFor('events', 'main', 'ws-001'), buf(good), 'schema'],
    ['topic outside the tree', 'other/topic', buf(good), 'bad-topic'],
    ['oversized payload', topic, Buffer.alloc(600 * 1024, 0x20), 'too-large'],
    ['deep nesting', topic, buf('['.repeat(100_000) + ']'.repeat(100_000)), 'schema'],
    ['JSON null', topic, buf('null'), 'schema'],
  ];
  for (const [name, tp, payload, code] of cases) {
    const d = decode(tp, payload);
    t.equal(d.ok ? 'ok' : d.code, code, name);
  }
});

t.test('every example in protocol/README.md is a valid message', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { ROOT } = await import('../helpers/cli.js');
  const text = readFileSync(`${ROOT}/protocol/README.md`, 'utf8');
  const examples = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] as string) as { kind: 'metrics'; agent: string; site: string });
  t.ok(examples.length >= 4, `${examples.length} examples`);
  for (const ex of examples) {
    const d = decode(topicFor(ex.kind, ex.site, ex.agent), buf(ex));
    t.ok(d.ok, `${ex.kind} example: ${d.ok ? 'valid' : d.detail}`);
  }
});
