import t from 'tap';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandValues, runRuleTests } from '../../correlator/rule-tools/test-runner.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

t.test('promtool-style value notation', async (t) => {
  const cases: Array<[string, Array<number | undefined>]> = [
    ['1 2 3', [1, 2, 3]],
    ['95x3', [95, 95, 95, 95]],
    ['1+2x3', [1, 3, 5, 7]],
    ['10-1x2', [10, 9, 8]],
    ['_ 5 _x1', [undefined, 5, undefined, undefined]],
    ['0.5x1', [0.5, 0.5]],
  ];
  for (const [text, want] of cases) t.same(expandValues(text), want, text);
  t.throws(() => expandValues('9y3'), /"9y3" is not a value/);
});

t.test('every shipped rule file has tests, and they pass', async (t) => {
  const tests = readdirSync(join(ROOT, 'rules', 'tests')).filter((f) => f.endsWith('.test.yaml'));
  const tested = new Set<string>();
  for (const f of tests) {
    const r = runRuleTests(join(ROOT, 'rules', 'tests', f), ROOT);
    t.ok(r.ok, f);
    if (!r.ok) continue;
    for (const o of r.outcomes) t.same(o.failures, [], `${f}: ${o.name}`);
  }
  for (const f of tests) tested.add(f.replace('.test.yaml', '.rules.yaml'));
  const shipped = readdirSync(join(ROOT, 'rules')).filter((f) => f.endsWith('.rules.yaml'));
  t.same(shipped.filter((f) => !tested.has(f)), [], 'no shipped rule file without a test file');
});

t.test('a failing expectation prints what was expected and what happened', async (t) => {
  const dir = tmpDir(t);
  writeFileSync(join(dir, 'cpu.rules.yaml'), 'rules:\n  - { id: cpu, kind: threshold, title: "CPU {node}", priority: P3, metric: cpu.usage_percent, op: ">", value: 90, for: 2 }\n');
  writeFileSync(
    join(dir, 'cpu.test.yaml'),
    `rule_files: [cpu.rules.yaml]
tests:
  - name: fires after two samples
    agents: [{ id: app-01 }]
    series: [{ agent: app-01, metric: cpu.usage_percent, values: "95 95 95" }]
    expect:
      - { at: 10s, alerts: [{ rule: cpu, node: app-01 }] }
      - { at: 30s, incidents: [{ root: app-01, priority: P1 }] }
`,
  );
  const r = runCli(['rules', 'test', join(dir, 'cpu.test.yaml')]);
  t.equal(r.status, 1);
  t.match(r.stdout, /FAIL  .*cpu\.test\.yaml: fires after two samples\n {6}at 10s: alerts differ\n {8}- expected, not firing: cpu on app-01\n {6}at 30s: incident differs\n {8}- expected: root app-01, P1\n {8}\+ got: {6}root app-01, P3 \(P3: rule cpu sets P3; no business service affected \(effect: degraded, not down\)\)\n0 passed, 1 failed/);
});
