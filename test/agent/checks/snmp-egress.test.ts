// The customer's egress rule needs two inputs: the utilisation of the main egress line and the
// reachability of the insurance platform. Here both come from real checks (snmpd's loopback
// interface labelled as the main egress line and saturated with real traffic; a TCP check on
// a closed port standing for the insurance front-end processor) and the correlator's rules see
// them. Combining the two conditions is the rule engine's part. The shipped probe example
// declares exactly these inputs and passes `wardwatch agent --check`.

import t from 'tap';
import { connect, createServer } from 'node:net';
import { silentLogger } from '../../../common/log.js';
import { snmpCheck, type SnmpCheckSpec } from '../../../agent/checks/snmp.js';
import { tcpCheck } from '../../../agent/checks/tcp.js';
import { isListener } from '../../../agent/checks/listener.js';
import { CheckRunner, schedule } from '../../../agent/checks/runner.js';
import { loadAgentConfig } from '../../../agent/config/load.js';
import type { CheckResult } from '../../../protocol/schema.js';
import { Engine } from '../../../correlator/engine/engine.js';
import { rulesFrom } from '../../helpers/rules.js';
import { startSnmpd } from '../../helpers/snmpd.js';
import { freePort } from '../../helpers/ports.js';
import { sleep } from '../../helpers/tmp.js';
import { ROOT, runCli } from '../../helpers/cli.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseYaml, formatError } from '../../../common/yaml-file.js';
import { agentConfigSchema, type AgentConfigFile } from '../../../agent/config/schema.js';
import { checkType } from '../../../agent/checks/registry.js';

const ctx = { agentId: 'probe-dc-a', dataDir: '/nonexistent', log: silentLogger };

const RULES = `rules:
  - id: egress-saturated
    kind: threshold
    title: "egress line {line} above 95% on {node}"
    priority: P2
    metric: check.out_percent
    where: { role: egress, line: main }
    op: ">"
    value: 95
    for: 3
  - id: insurance-unreachable
    kind: threshold
    title: "insurance platform unreachable ({check})"
    priority: P2
    metric: check.status_level
    where: { external: insurance }
    op: ">="
    value: 2
    for: 1
`;

/** Sends `bytes` through loopback in one burst. */
async function burst(bytes: number): Promise<void> {
  const port = await freePort();
  await new Promise<void>((resolve) => {
    let got = 0;
    const server = createServer((sock) =>
      sock.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= bytes) {
          sock.destroy();
          server.close();
          resolve();
        }
      }),
    );
    server.listen(port, '127.0.0.1', () => connect(port, '127.0.0.1', function (this: import('node:net').Socket) {
      this.end(Buffer.alloc(bytes));
    }));
  });
}

t.test('saturated main egress line and unreachable insurance platform: both rule inputs fire', async (t) => {
  const d = await startSnmpd(t);
  const spec: SnmpCheckSpec = { name: 'border-router', type: 'snmp', host: '127.0.0.1', port: d.port, node: 'border-router-1', community: d.community, host_resources: false, interfaces: [{ name: 'lo', labels: { role: 'egress', line: 'main' } }] };
  const router = snmpCheck.create(spec, ctx);
  const lines: CheckResult[] = [];
  if (isListener(router)) await router.listen((r) => lines.push(...r));
  const insuranceSpec = { name: 'insurance-fep', type: 'tcp', host: '127.0.0.1', port: await freePort(), labels: { external: 'insurance' } };
  const runner = new CheckRunner([schedule(router, spec), schedule(tcpCheck.create(insuranceSpec as never, ctx), insuranceSpec)], { agentId: 'probe-dc-a', log: silentLogger, publish: () => undefined });
  const [routerRun, insuranceRun] = (runner as unknown as { checks: Parameters<CheckRunner['runAndReport']>[0][] }).checks as [Parameters<CheckRunner['runAndReport']>[0], Parameters<CheckRunner['runAndReport']>[0]];

  const engine = new Engine(rulesFrom(RULES));
  let seq = 0;
  const feed = (events: CheckResult[]) => engine.handle({ type: 'message', at: ++seq * 1000, message: { v: 1, kind: 'events', agent: 'probe-dc-a', site: 'main', seq, ts: seq * 1000, events } });

  await runner.runAndReport(routerRun); // first poll: counters only
  const firing: string[] = [];
  for (let sample = 1; sample <= 3; sample++) {
    await burst(5_000_000); // 40 Mbit in a 3.5 s window: more than the 10 Mbit/s line can carry
    await sleep(3_500);
    const own = await runner.runAndReport(routerRun);
    const line = lines.at(-1) as CheckResult;
    t.equal(line.labels?.line, 'main');
    t.ok((line.fields?.out_percent as number) > 95, `sample ${sample}: out ${line.fields?.out_percent}%`);
    const changes = feed([own, line, await runner.runAndReport(insuranceRun)]);
    firing.push(...changes.filter((c) => c.type === 'alert.firing').map((c) => (c as { alert: { rule: string } }).alert.rule));
    if (sample < 3) t.notOk(firing.includes('egress-saturated'), `not before the third sample (${sample})`);
  }
  t.same(firing.sort(), ['egress-saturated', 'insurance-unreachable']);
  const alerts = engine.openIncidents().flatMap((i) => i.alerts.filter((a) => a.state === 'firing').map((a) => [a.rule, a.node, a.title]));
  t.same(alerts.sort(), [
    ['egress-saturated', 'border-router-1', 'egress line main above 95% on border-router-1'],
    // The check's failure and what it checked ride along as evidence.
    ['insurance-unreachable', 'probe-dc-a', `insurance platform unreachable (insurance-fep) (refused: tcp://127.0.0.1:${insuranceSpec.port})`],
  ]);
  await runner.stop();
});

t.test('the probe example declares these inputs and passes --check', async (t) => {
  const env = { WARDWATCH_BROKER_PASSWORD: 'x', WARDWATCH_SNMP_AUTH: 'auth-secret-1', WARDWATCH_SNMP_PRIV: 'priv-secret-1', WARDWATCH_SNMP_COMMUNITY: 'c', WARDWATCH_TRAP_COMMUNITY: 't', WARDWATCH_DB_PROBE_PASSWORD: 'p' };
  const path = join(ROOT, 'install', 'examples', 'probe.yaml');
  const r = runCli(['agent', '--config', path, '--check'], { env });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /OK \(agent probe-dc-a, site main, role probe/);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  t.teardown(() => {
    for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
  });
  const loaded = loadAgentConfig(path);
  t.ok(loaded.ok);
  if (!loaded.ok) return;
  const checks = loaded.config.checks as unknown as Array<{ type: string; labels?: Record<string, string>; interfaces?: Array<{ labels?: Record<string, string> }>; targets?: Array<{ labels?: Record<string, string> }> }>;
  t.ok(checks.some((c) => c.type === 'snmp' && c.interfaces?.some((i) => i.labels?.role === 'egress' && i.labels?.line === 'main')), 'an snmp check labels the main egress line');
  const insurance = checks.filter((c) => c.labels?.external === 'insurance' || c.targets?.some((x) => x.labels?.external === 'insurance')).map((c) => c.type);
  t.same([...new Set(insurance)].sort(), ['http', 'icmp', 'tcp'], 'tcp, http and icmp checks watch the insurance platform');
});

t.test('the probe sections of agent/checks/README.md: every check example is valid and buildable, the rules compile', async (t) => {
  const readme = readFileSync(join(ROOT, 'agent', 'checks', 'README.md'), 'utf8');
  const probes = readme.slice(readme.indexOf('<!-- probes -->'));
  const blocks = [...probes.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const checks = blocks.filter((b) => b.startsWith('checks:'));
  t.ok(checks.length >= 7, `${checks.length} check examples`);
  const types = new Set<string>();
  for (const [i, block] of checks.entries()) {
    const r = parseYaml<AgentConfigFile>(`agent: { site: main, role: probe }\nbroker: { url: "mqtt://127.0.0.1:1883" }\n${block}`, agentConfigSchema, { displayName: `probe example ${i + 1}` });
    t.ok(r.ok, r.ok ? `example ${i + 1}` : r.errors.map(formatError).join('\n'));
    for (const spec of r.ok ? (r.value.checks ?? []) : []) {
      types.add(spec.type);
      const check = checkType(spec.type)?.create(spec as never, ctx);
      t.equal(check?.name, spec.name);
    }
  }
  t.same([...types].filter((x) => ['dicom', 'hl7', 'database', 'icmp', 'snmp', 'snmp_trap'].includes(x)).sort(), ['database', 'dicom', 'hl7', 'icmp', 'snmp', 'snmp_trap'], 'every probe type has an example');
  const rules = blocks.filter((b) => /^\s+- id: /.test(b));
  t.equal(rules.length, 1);
  t.doesNotThrow(() => rulesFrom(`rules:\n${rules[0]}`), 'the egress rules in the docs compile');
});
