// What install/ ships must work as shipped: example configs validate against their schemas,
// the published JSON Schemas are the ones the code uses, and the systemd units pass
// systemd-analyze's checks.

import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatError, parseYaml } from '../../common/yaml-file.js';
import { agentConfigSchema } from '../../agent/config/schema.js';
import { correlatorConfigSchema } from '../../correlator/config/schema.js';
import { ROOT, runCli } from '../helpers/cli.js';

t.test('example configs are valid', async (t) => {
  for (const [file, schema] of [['agent.yaml', agentConfigSchema], ['correlator.yaml', correlatorConfigSchema]] as const) {
    const r = parseYaml(readFileSync(join(ROOT, 'install', 'examples', file), 'utf8'), schema, { displayName: file });
    t.ok(r.ok, r.ok ? file : r.errors.map(formatError).join('\n'));
  }
});

t.test('published JSON Schemas match the code (run `npm run schemas` after changing a schema)', async (t) => {
  const files: Array<[string, string]> = [
    ['rules', 'rules/schema.json'],
    ['agent', 'install/schemas/agent.json'],
    ['correlator', 'install/schemas/correlator.json'],
    ['topology', 'install/schemas/topology.json'],
    ['rule-test', 'install/schemas/rule-test.json'],
    ['metrics', 'protocol/schemas/metrics.json'],
    ['state', 'protocol/schemas/state.json'],
    ['events', 'protocol/schemas/events.json'],
  ];
  for (const [name, path] of files) {
    const r = runCli(['schema', name]);
    t.equal(r.status, 0);
    t.equal(readFileSync(join(ROOT, path), 'utf8'), r.stdout, path);
  }
});

t.test('systemd units verify and score well on exposure', async (t) => {
  for (const unit of ['wardwatch-agent.service', 'wardwatch-correlator.service']) {
    const path = join(ROOT, 'install', 'systemd', unit);
    t.ok(existsSync(path));
    const verify = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    t.equal(verify.status, 0, `${unit}: ${verify.stderr}`);
    const security = execFileSync('systemd-analyze', ['security', '--offline=true', path], { encoding: 'utf8' });
    const level = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(security)?.[1]);
    t.ok(level > 0 && level <= 2.0, `${unit} exposure ${level} is "OK" (≤ 2.0)`);
  }
});
