// Synthetic transactions against the test HIS: log in (session cookie on the redirect, token in
// the JSON), search a test patient with the token, open the registration page. Slow, failing and
// hanging steps are named; the test account's password, the token and the session cookie never
// appear in results or log lines, even when the server echoes them back in an error page.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, silentLogger } from '../../../common/log.js';
import { loadAgentConfig } from '../../../agent/config/load.js';
import { CheckRunner, runOnce, schedule } from '../../../agent/checks/runner.js';
import { transactionCheck } from '../../../agent/checks/transaction.js';
import type { CheckResult } from '../../../protocol/schema.js';
import { tmpDir } from '../../helpers/tmp.js';
import { startHis, type His } from './his-server.js';

const ctx = { agentId: 'probe-01', dataDir: '/nonexistent', log: silentLogger };

function flow(his: His, extra: Record<string, unknown> = {}) {
  return {
    name: 'his-registration-flow',
    type: 'transaction',
    base_url: his.url,
    timeout: '5s',
    vars: { user: 'test-nurse-01', patient: 'TEST-000123' },
    secrets: { password: his.password },
    steps: [
      { name: 'login', method: 'POST', url: '/api/login', json: { user: '{{user}}', password: '{{password}}' }, expect: { json: [{ path: '$.user', equals: '{{user}}' }] }, extract: { token: { json: '$.token' } } },
      { name: 'search-patient', url: '/api/patients?id={{patient}}', headers: { Authorization: 'Bearer {{token}}' }, expect: { json: [{ path: '$.results[0].id', equals: '{{patient}}' }] }, extract: { visit: { json: '$.results[0].visit' } }, warn_after: '1s' },
      { name: 'open-registration', url: '/registration?visit={{visit}}', expect: { body_contains: '门诊挂号' }, extract: { csrf: { regex: 'name="csrf" value="([^"]+)"' } }, timeout: '800ms' },
    ],
    ...extra,
  };
}

async function run(spec: ReturnType<typeof flow>) {
  return runOnce(schedule(transactionCheck.create(spec as never, ctx), spec));
}

let his: His;
t.beforeEach(async () => {
  his = await startHis();
});
t.afterEach(() => his.close());

function assertNoSecrets(t: { notOk: (v: unknown, msg: string) => unknown }, text: string) {
  t.notOk(text.includes(his.password), 'the password does not appear');
  for (const v of his.issued) t.notOk(text.includes(v), `issued token/session ${v.slice(0, 6)}… does not appear`);
}

t.test('the whole flow: values and cookies carried between steps, one field per step', async (t) => {
  const r = await run(flow(his));
  t.equal(r.outcome.status, 'ok', r.outcome.summary);
  t.match(r.outcome.summary, /^3 steps ok in \d+ ms$/);
  const f = r.outcome.fields as Record<string, number>;
  t.same(Object.keys(f).sort(), ['step_login_ms', 'step_open_registration_ms', 'step_search_patient_ms', 'steps', 'total_ms']);
  t.equal(f.steps, 3);
  t.ok(f.total_ms! >= f.step_login_ms! + f.step_search_patient_ms!);
  t.equal(r.outcome.target, his.url);
  t.same(his.requests.map((q) => `${q.method} ${q.path}`), ['POST /api/login', 'GET /api/welcome', 'GET /api/patients', 'GET /registration'], 'the login redirect was followed with GET');
  t.same(his.violations, []);
  t.equal(his.issued.length, 2, 'one session and one token were handed out');
});

t.test('a slow step is a warning naming the step', async (t) => {
  his.mode.searchDelayMs = 1_200;
  const r = await run(flow(his));
  t.equal(r.outcome.status, 'warning');
  t.match(r.outcome.summary, /^step 2 search-patient slow: 1\.\d s \(warn after 1\.0 s\)$/);
  t.ok((r.outcome.fields?.step_search_patient_ms as number) >= 1_200);
});

t.test('a failing step is critical and named; the echoed credentials go nowhere', async (t) => {
  his.mode.failSearch = true;
  const lines: string[] = [];
  const published: CheckResult[] = [];
  const spec = flow(his);
  const runner = new CheckRunner([schedule(transactionCheck.create(spec as never, ctx), spec)], {
    agentId: 'probe-01',
    log: createLogger({ level: 'debug', write: (l) => lines.push(l) }),
    publish: (results) => published.push(...results),
  });
  const result = await runner.runAndReport((runner as unknown as { checks: Parameters<CheckRunner['runAndReport']>[0][] }).checks[0]!);
  await runner.stop();
  t.equal(result.status, 'critical');
  t.match(result.summary, /^step 2 search-patient: HTTP 500 after \d+ ms$/);
  t.equal(result.fields?.failed_step, 2);
  t.equal(result.fields?.status_code, 500);
  t.ok((result.fields?.step_search_patient_ms as number) > 0, 'the failing step answered: its time is a field');
  t.ok(lines.some((l) => l.includes('step 2 search-patient')), 'the failure was logged');
  assertNoSecrets(t, JSON.stringify(published) + lines.join('\n'));
});

t.test('a step that does not answer is named, before the check\'s own timeout', async (t) => {
  his.mode.hangRegistration = true;
  const r = await run(flow(his));
  t.equal(r.outcome.status, 'critical');
  t.equal(r.outcome.summary, 'step 3 open-registration: no answer within 800 ms');
  t.equal(r.outcome.errorClass, 'timeout');
  t.equal(r.outcome.fields?.failed_step, 3);
  const budget = await run(flow(his, { timeout: '1500ms' }));
  t.match(budget.outcome.summary, /^step 3 open-registration: no answer within \d+ ms$/, 'the check timeout is split so the hung step is still named');
});

t.test('a wrong password, an unmet expectation, a failed extraction: named, and no secret in the text', async (t) => {
  const wrong = flow(his, { secrets: { password: 'not-the-password-9' } });
  const r = await run(wrong);
  t.match(r.outcome.summary, /^step 1 login: HTTP 401 after \d+ ms$/);
  t.notOk(JSON.stringify(r).includes('not-the-password-9'));
  const other = flow(his, { vars: { user: 'test-nurse-01', patient: 'TEST-999' } });
  t.match((await run(other)).outcome.summary, /^step 2 search-patient: HTTP 200 in \d+ ms, but \$\.results\[0\]\.id is missing$/);
  const spec = flow(his);
  (spec.steps as Array<Record<string, unknown>>)[2] = { ...spec.steps[2]!, extract: { csrf: { regex: 'name="token" value="([^"]+)"' } } };
  t.match((await run(spec)).outcome.summary, /^step 3 open-registration: could not extract csrf \(regex \/name="token" value="\(\[\^"\]\+\)"\/\)$/);
  assertNoSecrets(t, JSON.stringify(await run(flow(his, { steps: [{ name: 'login', method: 'POST', url: `${his.url.replace('//', `//nurse:${his.password}@`)}/api/login`, json: {} }] }))));
});

t.test('mistakes in the steps stop the agent at start, naming the check and step', async (t) => {
  const bad = (patch: Record<string, unknown>) => () => transactionCheck.create({ ...flow(his), ...patch } as never, ctx);
  t.throws(bad({ steps: [{ name: 'search', url: '/p?t={{tokn}}' }] }), /check his-registration-flow: steps\[0\] \(search\) uses \{\{tokn\}\}, which is not in vars or secrets and no earlier step extracts/);
  t.throws(bad({ steps: [{ name: 'a', url: '/x' }, { name: 'a', url: '/y' }] }), /step name "a" is used twice/);
  t.throws(bad({ steps: [{ name: 'a', url: '/x', expect: { body_regex: '(' } }] }), /steps\[0\] \(a\): expect\.body_regex: invalid regular expression/);
  t.throws(bad({ base_url: undefined, steps: [{ name: 'a', url: '/x' }] }), /url must be absolute/);
});

t.test('from a config file: secrets from ${file:…} and ${env:…}, validated by the agent schema', async (t) => {
  const dir = tmpDir(t);
  writeFileSync(join(dir, 'his-password'), `${his.password}\n`);
  writeFileSync(
    join(dir, 'agent.yaml'),
    `agent: { id: probe-01, site: main, role: probe }
broker: { url: "mqtt://127.0.0.1:1883" }
checks:
  - name: his-registration-flow
    type: transaction
    base_url: ${his.url}
    vars: { user: test-nurse-01, patient: TEST-000123 }
    secrets: { password: "\${file:his-password}", api_key: "\${env:WARDWATCH_TEST_HIS_KEY}" }
    steps:
      - { name: login, method: POST, url: /api/login, json: { user: "{{user}}", password: "{{password}}" }, extract: { token: { json: $.token } } }
      - { name: search-patient, url: "/api/patients?id={{patient}}", headers: { Authorization: "Bearer {{token}}", X-Api-Key: "{{api_key}}" } }
`,
  );
  process.env.WARDWATCH_TEST_HIS_KEY = 'key-7781';
  t.teardown(() => delete process.env.WARDWATCH_TEST_HIS_KEY);
  const loaded = loadAgentConfig(join(dir, 'agent.yaml'));
  t.ok(loaded.ok, loaded.ok ? '' : JSON.stringify(loaded.errors));
  if (!loaded.ok) return;
  const spec = loaded.config.checks[0]!;
  const r = await runOnce(schedule(transactionCheck.create(spec as never, ctx), spec));
  t.equal(r.outcome.status, 'ok', r.outcome.summary);
});
