// `wardwatch rules check` catches what would otherwise fail silently at 3 a.m.: a rule on a
// metric no agent sends (it never fires) and a runbook that is not there (the ticket has no plan).

import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatError } from '../../common/yaml-file.js';
import { checkRulesAgainstTopology } from '../../correlator/rule-tools/check.js';
import { runCli, ROOT } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const threshold = (id: string, metric: string, extra = '') => `  - id: ${id}
    kind: threshold
    title: "${id} on {node}"
    priority: P3
    metric: ${metric}
    op: ">"
    value: 1
${extra}`;

function rulesDir(t: { teardown(fn: () => void): void }, files: Record<string, string>): string {
  const dir = tmpDir(t);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function problems(dir: string): string[] {
  const r = checkRulesAgainstTopology(dir, undefined, dir);
  return r.ok ? [] : r.errors.map(formatError);
}

t.test('check metrics are the fields check types emit, with a suggestion for a typo', async (t) => {
  const dir = rulesDir(t, {
    'checks.rules.yaml': `rules:
${threshold('egress-typo', 'check.in_percnt')}${threshold('status-typo', 'check.status_levle')}${threshold('made-up', 'check.zebra')}${threshold('egress', 'check.out_percent')}${threshold('login-step', 'check.step_login_ms')}${threshold('backup-age', 'check.age_hours')}${threshold('script', 'textfile.backup_last_success')}${threshold('both-ways', '[check.in_percent, check.out_percent]')}${threshold('mixed', '[check.in_percent, net.rx_bytes_per_second]')}${threshold('equal-list', '[check.in_percent, check.out_percent]').replace('op: ">"', 'op: "=="')}`,
  });
  t.same(problems(dir), [
    'checks.rules.yaml:6:13: rules[0].metric: measurement "check" has no field "in_percnt"; did you mean "check.in_percent"?',
    'checks.rules.yaml:13:13: rules[1].metric: measurement "check" has no field "status_levle"; did you mean "check.status_level"?',
    'checks.rules.yaml:20:13: rules[2].metric: measurement "check" has no field "zebra"',
    'checks.rules.yaml:62:13: rules[8].metric: a list of metrics must be of one measurement (they are read from one sample); got check, net',
    'checks.rules.yaml:70:9: rules[9].op: a list of metrics needs an ordering comparison (>, >=, <, <=), not "=="',
  ]);
});

t.test('every runbook a rule names is a file in the rules directory', async (t) => {
  const rule = (id: string, runbook: string) => threshold(id, 'cpu.usage_percent', `    runbook: ${runbook}\n`);
  const dir = rulesDir(t, {
    'runbooks/host-cpu.md': '# CPU\n> Summary: find the process\n',
    'hosts.rules.yaml': `rules:
${rule('present', 'runbooks/host-cpu.md')}${rule('missing', 'runbooks/host-cpu-high.md')}${rule('outside', '../secrets.md')}${rule('a-folder', 'runbooks')}${rule('link', 'https://wiki.hospital.local/runbooks/cpu')}`,
    'sub/more.rules.yaml': `rules:
${rule('from-a-subfolder', 'runbooks/host-cpu.md')}`,
  });
  writeFileSync(join(dir, '..', 'secrets.md'), 'not a runbook');
  t.same(problems(dir), [
    'hosts.rules.yaml:17:14: rules[1].runbook: runbook file "runbooks/host-cpu-high.md" not found in the rules directory; the runbooks there: runbooks/host-cpu.md',
    'hosts.rules.yaml:25:14: rules[2].runbook: runbook "../secrets.md" is outside the rules directory',
    'hosts.rules.yaml:33:14: rules[3].runbook: runbook "runbooks" is not a file',
  ]);
});

t.test('the shipped rules, their runbooks and the example topology pass rules check', async (t) => {
  const r = checkRulesAgainstTopology(join(ROOT, 'rules'), join(ROOT, 'rules', 'examples', 'hospital.topology.yaml'), ROOT);
  t.ok(r.ok, r.ok ? 'ok' : r.errors.map(formatError).join('\n'));
});

t.test('the command prints each problem and exits 1', async (t) => {
  const dir = rulesDir(t, { 'r/net.rules.yaml': `rules:\n${threshold('egress', 'check.in_percnt', '    runbook: runbooks/egress.md\n')}` });
  const r = runCli(['rules', 'check', 'r'], { cwd: dir });
  t.equal(r.status, 1);
  t.match(r.stderr, /^r\/net\.rules\.yaml:6:13: rules\[0\]\.metric: measurement "check" has no field "in_percnt"; did you mean "check\.in_percent"\?$/m);
});

t.test('correlator --check also finds a missing runbook', async (t) => {
  const dir = rulesDir(t, { 'r/hosts.rules.yaml': `rules:\n${threshold('cpu', 'cpu.usage_percent', '    runbook: runbooks/cpu.md\n')}` });
  writeFileSync(join(dir, 'correlator.yaml'), 'broker: { url: "mqtt://127.0.0.1:1" }\nstore: { sqlite: w.db }\nrules: r\n');
  const r = runCli(['correlator', '--config', 'correlator.yaml', '--check'], { cwd: dir });
  t.not(r.status, 0);
  t.match(r.stderr, /rules\[0\]\.runbook: runbook file "runbooks\/cpu\.md" not found in the rules directory/);
});

t.test('rules check says which files it left out, takes .rules.yml and one file, and refuses a directory with no rules', async (t) => {
  const dir = tmpDir(t, 'rules-files-');
  const cpu = `rules:\n${threshold('cpu-hot', 'cpu.usage_percent')}`;
  writeFileSync(join(dir, 'lis.yaml'), cpu);
  writeFileSync(join(dir, 'host.rules.yml'), cpu);
  const both = runCli(['rules', 'check', dir]);
  t.equal(both.status, 0, both.stderr);
  t.match(both.stdout, /ignored {2}\S*lis\.yaml: not a rule file by name \(rule files end in \.rules\.yaml or \.rules\.yml\)/);
  t.match(both.stdout, /OK {2}1 rules in 1 file\(s\)/, 'the .rules.yml file is read');

  const one = runCli(['rules', 'check', join(dir, 'lis.yaml')]);
  t.equal(one.status, 0, 'one file named on the command line is checked whatever its name');
  t.match(one.stdout, /OK {2}1 rules in 1 file\(s\)/);

  const empty = tmpDir(t, 'rules-none-');
  writeFileSync(join(empty, 'lis.yaml'), cpu);
  const none = runCli(['rules', 'check', empty]);
  t.equal(none.status, 1, 'no rules is an error, not "OK 0 rules"');
  t.match(none.stderr, /no rule files here \(rule files end in \.rules\.yaml or \.rules\.yml\); ignored: \S*lis\.yaml/);
  t.notMatch(none.stderr, /at .*\.js:\d+/, 'no stack trace');
});
