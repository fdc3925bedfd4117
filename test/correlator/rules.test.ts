import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatError } from '../../common/yaml-file.js';
import { loadRules } from '../../correlator/rule-tools/load.js';
import { compileSelector } from '../../correlator/topology/selector.js';
import { SHIPPED_RULES } from '../../correlator/config/load.js';
import { tmpDir } from '../helpers/tmp.js';

function check(t: { teardown(fn: () => void): void }, files: Record<string, string>): string[] {
  const dir = tmpDir(t);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const r = loadRules(dir, dir);
  return r.ok ? [] : r.errors.map(formatError);
}

t.test('every shipped rule file is valid', async (t) => {
  const r = loadRules(SHIPPED_RULES);
  t.ok(r.ok, r.ok ? '' : r.errors.map(formatError).join('\n'));
  if (r.ok) t.ok(r.ruleSet.rules.length >= 5);
});

t.test('semantic problems point at file:line with an actionable message', async (t) => {
  const errors = check(t, {
    'a.rules.yaml': `rules:
  - id: cpu
    kind: threshold
    title: CPU on {node}
    priority: P3
    metric: cpu.usage_pct
    op: ">"
    value: 90
`,
    'sub/b.rules.yaml': `rules:
  - id: cpu
    kind: threshold
    title: "{hostname} disk"
    priority: P2
    metric: fs.used_percent
    where: { mount: { matches: "(" } }
    op: ">"
    value: 90
    clear: 95
`,
    'ignored.yaml': 'not: a rule file',
  });
  t.same(errors, [
    'a.rules.yaml:6:13: rules[0].metric: measurement "cpu" has no field "usage_pct"; did you mean "cpu.usage_percent"?',
    'sub/b.rules.yaml:2:9: rules[0].id: duplicate rule id "cpu"; first defined at a.rules.yaml:2',
    'sub/b.rules.yaml:4:12: rules[0].title: unknown placeholder {hostname}; use {node}, {value}, {metric}, {threshold} or a label such as {mount}',
    'sub/b.rules.yaml:7:21: rules[0].where.mount: not a valid regular expression: Invalid regular expression: /(/: Unterminated group',
    'sub/b.rules.yaml:10:12: rules[0].clear: clear 95 is on the firing side of "> 90"; it must be at or below 90',
  ]);
});

t.test('a missing rules directory is an error, not a crash', async (t) => {
  const r = loadRules('/nonexistent/rules', '/');
  t.same(r.ok ? [] : r.errors.map(formatError), ['nonexistent/rules:1:1: rules directory not found']);
});

t.test('selectors', async (t) => {
  const cases: Array<[object, Record<string, string>, boolean]> = [
    [{}, { role: 'server' }, true],
    [{ role: 'server' }, { role: 'server' }, true],
    [{ role: 'server' }, { role: 'terminal' }, false],
    [{ role: ['server', 'probe'] }, { role: 'probe' }, true],
    [{ mount: { matches: '/var/.*' } }, { mount: '/var/lib' }, true],
    [{ mount: { matches: '/var' } }, { mount: '/var/lib' }, false],
    [{ building: { not: 'lab' } }, { building: 'outpatient' }, true],
    [{ building: { not: ['lab', 'ward'] } }, { building: 'ward' }, false],
    [{ building: 'outpatient' }, {}, false],
  ];
  for (const [sel, labels, want] of cases) t.equal(compileSelector(sel as never)(labels), want, `${JSON.stringify(sel)} on ${JSON.stringify(labels)}`);
});
