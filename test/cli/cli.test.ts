import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

t.test('every command has --help with examples', async (t) => {
  for (const cmd of [['up'], ['agent'], ['correlator'], ['rules', 'check'], ['incidents', 'list'], ['schema']]) {
    const r = runCli([...cmd, '--help']);
    t.equal(r.status, 0, `${cmd.join(' ')} --help exits 0`);
    t.match(r.stdout, /Examples:\n  \$ wardwatch /, `${cmd.join(' ')} --help shows examples`);
  }
});

t.test('a bad config exits non-zero with file:line, key path and what was expected, no stack trace', async (t) => {
  const dir = tmpDir(t);
  const path = join(dir, 'agent.yaml');
  writeFileSync(path, 'agent:\n  site: main\n  role: kiosk\nbroker:\n  url: "http://x"\ninterval: 15 seconds\n');
  const r = runCli(['agent', '--config', path, '--check']);
  t.equal(r.status, 2);
  t.equal(
    r.stderr,
    [
      `error: invalid agent config ${path}`,
      `  ${path}:3:9: agent.role: expected one of server, terminal, probe, got "kiosk"`,
      `  ${path}:5:8: broker.url: expected a URL like "mqtt://127.0.0.1:1883" or "mqtts://broker:8883", got "http://x"`,
      `  ${path}:6:11: interval: expected a duration like "15s", "5m" or "1h", got "15 seconds"`,
      '',
    ].join('\n'),
  );
  t.notMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');

  const missing = runCli(['correlator', '--config', join(dir, 'nope.yaml')]);
  t.equal(missing.status, 2);
  t.match(missing.stderr, /nope\.yaml:1:1: cannot read: file not found/);
});

t.test('a good config passes --check', async (t) => {
  const dir = tmpDir(t);
  const path = join(dir, 'agent.yaml');
  writeFileSync(path, 'agent: { id: ws-0001, site: main, role: terminal, labels: { building: outpatient, floor: "2" } }\nbroker: { url: "mqtts://broker.hospital.local:8883" }\n');
  const r = runCli(['agent', '--config', path, '--check']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /OK \(agent ws-0001, site main, role terminal, every 60s, 0 check\(s\)\)/, 'terminals default to a 60 s interval');
  const bad = join(dir, 'bad-cron.yaml');
  writeFileSync(bad, 'agent: { id: ws-0001, site: main, role: server }\nbroker: { url: "mqtt://127.0.0.1:1" }\nchecks:\n  - { name: nightly-backup, type: backup, schedule: "0 99 * * *", path: /var/backups, max_age: 26h }\n');
  const cron = runCli(['agent', '--config', bad, '--check']);
  t.equal(cron.status, 2, '--check builds the checks: a bad cron expression is refused before the agent starts');
  t.match(cron.stderr, /check nightly-backup: schedule "0 99 \* \* \*" is not a cron expression/);
});

t.test('rules check: exit status and file:line messages', async (t) => {
  const ok = runCli(['rules', 'check']);
  t.equal(ok.status, 0);
  t.match(ok.stdout, /OK\s+\d+ rules in \d+ file\(s\)/);
  const example = runCli(['rules', 'check', 'rules', '--topology', 'rules/examples/hospital.topology.yaml']);
  t.equal(example.status, 0, `the shipped example topology holds with the shipped rules: ${example.stderr}`);
  const dir = tmpDir(t);
  mkdirSync(join(dir, 'r'));
  writeFileSync(join(dir, 'r', 'bad.rules.yaml'), 'rules:\n  - id: Bad Id\n    kind: threshold\n');
  const bad = runCli(['rules', 'check', 'r'], { cwd: dir });
  t.equal(bad.status, 1);
  t.match(bad.stderr, /^r\/bad\.rules\.yaml:2:9: rules\[0\]\.id: expected an id of lowercase letters, digits and "-", got "Bad Id"$/m);
  t.match(bad.stderr, /^r\/bad\.rules\.yaml:2:5: rules\[0\]: missing required keys "title", "priority", "metric", "op", "value"$/m);
  const json = runCli(['rules', 'check', 'r', '--json'], { cwd: dir });
  t.equal(json.status, 1);
  const parsed = JSON.parse(json.stdout) as { ok: boolean; errors: Array<{ line: number }> };
  t.equal(parsed.ok, false);
  t.ok(parsed.errors.length >= 2);
});

t.test('incidents list without a store says what to do', async (t) => {
  const dir = tmpDir(t);
  const r = runCli(['incidents', 'list'], { cwd: dir });
  t.equal(r.status, 2);
  t.match(r.stderr, /error: no store at .*wardwatch-data\/wardwatch\.db\n  start one with `wardwatch up`, or pass --store <path>/);
});
