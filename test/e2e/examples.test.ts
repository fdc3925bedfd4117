// The shipped examples fit together, the way a new user tries them: agents started from
// install/examples/ (changed only where this machine differs: broker, data directory, secrets,
// ports), the shipped rules and the example topology in a correlator process, a real Mosquitto.
// Each agent lands where the topology says: with the core switch failing, each agent's Last
// Will is a symptom of that one incident, along its path (the floor-3 terminal through acc-opd-3).

import t from 'tap';
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { defaultAgentId } from '../../agent/config/load.js';
import { loadTopology } from '../../correlator/topology/load.js';
import type { Incident } from '../../correlator/correlate/incident.js';
import { ROOT, startCli, type CliProcess } from '../helpers/cli.js';
import { adaptExample, EXAMPLE_TOPOLOGY, EXAMPLES, PROBE_SECRETS } from '../helpers/examples.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { eventually, tmpDir } from '../helpers/tmp.js';

const TOPOLOGY = EXAMPLE_TOPOLOGY;
const TOKEN = 'examples-operator-token-0123456789abcdef';
const adapt = adaptExample;

function probeNodes(): string[] {
  const doc = parseDocument(readFileSync(join(EXAMPLES, 'probe.yaml'), 'utf8')).toJS() as { checks: Array<{ node?: string; targets?: Array<{ node?: string }>; nodes?: Record<string, string> }> };
  return doc.checks.flatMap((c) => [c.node, ...(c.targets ?? []).map((x) => x.node), ...Object.values(c.nodes ?? {})]).filter((n): n is string => n !== undefined);
}

t.test('every node the example probe and agents name is in the example topology', async (t) => {
  const topo = loadTopology(TOPOLOGY);
  if (!topo.ok) return t.fail('the example topology loads');
  const missing = [...probeNodes(), 'probe-dc-a', 'his-app-01'].filter((n) => !topo.topology.node(n));
  t.same(missing, [], 'nodes named in install/examples that the topology does not declare');
});

t.test('agents from the shipped examples land where the example topology places them', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  const apiPort = await freePort();
  writeFileSync(
    join(dir, 'correlator.yaml'),
    [
      `broker: { url: "${broker.url}" }`,
      'store: { sqlite: wardwatch.db }',
      `rules: ${join(ROOT, 'rules')}`,
      `topology: ${TOPOLOGY}`,
      'tick: 200ms',
      'correlation: { settle: 1s, resolve_hold: 0s }',
      `api: { listen: "127.0.0.1:${apiPort}", tokens: [{ name: examples, role: operator, token: ${TOKEN} }] }`,
      '',
    ].join('\n'),
  );
  const correlator = startCli(t, ['correlator', '--config', join(dir, 'correlator.yaml')], { cwd: dir });
  await correlator.waitFor(/connected to broker/, 20_000);

  const metricsPort = await freePort();
  const trapPort = await freePort();
  const configs = {
    terminal: adapt('terminal.yaml', dir, broker.url),
    server: adapt('agent.yaml', dir, broker.url, (doc) => {
      doc.setIn(['metrics', 'listen'], `127.0.0.1:${metricsPort}`);
      const textfile = join(dir, 'textfile');
      mkdirSync(textfile);
      doc.setIn(['collect', 'textfile_dir'], textfile);
    }),
    probe: adapt('probe.yaml', dir, broker.url, (doc) => {
      const checks = doc.get('checks') as { items: Array<{ get(k: string): unknown; set(k: string, v: unknown): void }> };
      const traps = checks.items.find((c) => c.get('type') === 'snmp_trap');
      traps?.set('listen', '127.0.0.1');
      traps?.set('port', trapPort);
    }),
  };
  const agents: Record<keyof typeof configs, CliProcess> = {
    terminal: startCli(t, ['agent', '--config', configs.terminal], { cwd: dir }),
    server: startCli(t, ['agent', '--config', configs.server], { cwd: dir }),
    probe: startCli(t, ['agent', '--config', configs.probe], { cwd: dir, env: PROBE_SECRETS }),
  };
  for (const a of Object.values(agents)) await a.waitFor(/connected to broker/, 20_000);

  const terminalId = defaultAgentId();
  const ids = [terminalId, 'his-app-01', 'probe-dc-a'];
  const query = <T>(sql: string): T[] => {
    const db = new Database(join(dir, 'wardwatch.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };
  await eventually(() => query<{ id: string }>('SELECT id FROM agents WHERE online = 1').length === 3, 20_000, 'the three agents online in the store');

  // The core switch fails (an alert from other monitoring), then every agent's connection drops.
  const post = await fetch(`http://127.0.0.1:${apiPort}/api/v1/ingest/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: '4', status: 'firing', alerts: [{ status: 'firing', fingerprint: 'core-sw-1-down', labels: { alertname: 'SwitchDown', node: 'core-sw-1', severity: 'critical' }, annotations: { summary: 'core-sw-1 unreachable' } }] }),
  });
  t.equal(post.status, 200, await post.text());
  const incidents = () => query<{ data: string }>('SELECT data FROM incidents ORDER BY id').map((r) => JSON.parse(r.data) as Incident);
  await eventually(() => incidents().some((i) => i.root === 'core-sw-1' && i.state === 'open'), 10_000, 'the core switch incident');
  for (const a of Object.values(agents)) await a.kill('SIGKILL');

  const incident = await eventually(() => {
    const root = incidents().find((i) => i.root === 'core-sw-1');
    return root && ids.every((id) => root.alerts.some((a) => a.node === id)) ? root : undefined;
  }, 15_000, 'every agent\'s Last Will in the core switch incident');
  t.same(
    ids.map((id) => incident.alerts.filter((a) => a.node === id).map((a) => `${a.rule} ${a.role}`)),
    [['terminal-offline symptom'], ['server-offline symptom'], ['probe-offline symptom']],
    'each agent is a symptom of the core switch, not a root of its own',
  );
  const path = (node: string) => incident.evidence.find((e) => e.event === 'joined' && e.alert === incident.alerts.find((a) => a.node === node)?.id)?.detail ?? '';
  t.match(path(terminalId), /depends on acc-opd-3 → core-sw-1/, 'the floor-3 outpatient terminal is behind acc-opd-3 (its match block)');
  t.match(path('his-app-01'), /→ core-sw-1|depends on core-sw-1/, 'the HIS application server as the file declares it');
  t.match(path('probe-dc-a'), /depends on core-sw-1/, 'the probe as the file declares it');
  t.same(incidents().filter((i) => i.root !== 'core-sw-1').map((i) => `${i.root}: ${i.title}`), [], 'no incident of its own for any agent');
  await correlator.kill('SIGTERM');
});
