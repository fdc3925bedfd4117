// Every config example in agent/checks/README.md (the sections above the probes) is a valid
// agent config, and every check in it can be built: the documentation cannot drift from the
// schemas or from what the check factories accept.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../../common/log.js';
import { formatError, parseYaml } from '../../../common/yaml-file.js';
import { agentConfigSchema, type AgentConfigFile } from '../../../agent/config/schema.js';
import { checkType } from '../../../agent/checks/registry.js';
import { ROOT } from '../../helpers/cli.js';

const readme = readFileSync(join(ROOT, 'agent', 'checks', 'README.md'), 'utf8');
const mine = readme.slice(0, readme.indexOf('<!-- probes -->'));
const blocks = [...mine.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);

t.test('the README documents every check type above the probes marker', async (t) => {
  t.ok(readme.includes('<!-- probes -->'), 'the marker for the probes sections is there');
  for (const type of ['tcp', 'process', 'service', 'tls', 'cert_file', 'http', 'transaction', 'backup', 'fs_forecast', 'ntp', 'log_errors']) {
    t.match(mine, new RegExp(`^##+ ${type}$`, 'm'), `a section for ${type}`);
    t.ok(blocks.some((b) => new RegExp(`type: ${type}\\b`).test(b)), `an example of ${type}`);
  }
});

t.test('every example is a valid agent config whose checks can be built', async (t) => {
  t.ok(blocks.length >= 12);
  for (const [i, block] of blocks.entries()) {
    const text = block.startsWith('checks:') ? `agent: { site: main, role: server }\nbroker: { url: "mqtt://127.0.0.1:1883" }\n${block}` : block;
    const r = parseYaml<AgentConfigFile>(text, agentConfigSchema, { displayName: `README example ${i + 1}` });
    t.ok(r.ok, r.ok ? `example ${i + 1}` : r.errors.map(formatError).join('\n'));
    if (!r.ok) continue;
    for (const spec of r.value.checks ?? []) {
      const type = checkType(spec.type);
      t.ok(type, `${spec.name}: type ${spec.type} is registered`);
      const check = type?.create(spec as never, { agentId: 'readme', dataDir: '/nonexistent', log: silentLogger });
      t.equal(check?.name, spec.name);
      await check?.close?.();
    }
  }
});
