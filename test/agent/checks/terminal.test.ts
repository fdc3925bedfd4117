// A terminal's default checks (bench/terminal-checks.yaml: tcp and http to the HIS) run
// in-process: no child process per run, which is what keeps them from spiking a workstation's
// CPU. Child processes are seen through async_hooks (every spawn creates a PROCESSWRAP); the
// service check, which does spawn systemctl, shows the detector works.

import t from 'tap';
import { createHook } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { silentLogger } from '../../../common/log.js';
import { checkType } from '../../../agent/checks/registry.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import type { CheckCommon } from '../../../agent/checks/check.js';
import { ROOT } from '../../helpers/cli.js';
import { startHis } from './his-server.js';

const ctx = { agentId: 'ws-outpatient-3-017', dataDir: '/nonexistent', log: silentLogger };

function countSpawns(): { count(): number; stop(): void } {
  let spawns = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'PROCESSWRAP') spawns++;
    },
  }).enable();
  return { count: () => spawns, stop: () => hook.disable() };
}

t.test('the terminal preset spawns nothing per run', async (t) => {
  const his = await startHis();
  t.teardown(() => his.close());
  const yaml = readFileSync(join(ROOT, 'bench', 'terminal-checks.yaml'), 'utf8').replaceAll('{{his_url}}', his.url).replaceAll('{{his_port}}', his.url.split(':')[2] as string);
  const specs = parse(yaml) as CheckCommon[];
  t.same(specs.map((s) => s.type).sort(), ['http', 'tcp', 'tcp']);
  const checks = specs.map((spec) => schedule(checkType(spec.type)!.create(spec as never, ctx), spec));
  const spawns = countSpawns();
  t.teardown(() => spawns.stop());
  for (let i = 0; i < 5; i++) {
    for (const c of checks) t.equal((await runOnce(c)).outcome.status, 'ok', `${c.check.name} run ${i + 1}`);
  }
  t.equal(spawns.count(), 0, 'no child process in 15 runs');

  const service = { name: 'svc', type: 'service', service: 'cron' };
  await runOnce(schedule(checkType('service')!.create(service as never, ctx), service));
  t.equal(spawns.count(), 1, 'the detector sees the one systemctl a service check starts');
});
