// A real Prometheus Alertmanager (Debian's) posting to the correlator's API: alerts sent to its
// API come to the correlator as webhook notifications (version "4", bearer token from a
// credentials file), open an incident, and resolve it when Alertmanager says resolved.

import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from '../helpers/ports.js';
import { eventually } from '../helpers/tmp.js';
import { startApiHarness, TOKENS } from '../helpers/api.js';

const BINARY = ['/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager'].find((p) => existsSync(p)) ?? 'prometheus-alertmanager';

t.test('Alertmanager → correlator: firing opens, resolved resolves', async (t) => {
  const api = await startApiHarness(t);
  const port = await freePort();
  writeFileSync(join(api.dir, 'am.token'), TOKENS.zhang);
  writeFileSync(
    join(api.dir, 'alertmanager.yml'),
    `route:
  receiver: wardwatch
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 500ms
  repeat_interval: 1h
receivers:
  - name: wardwatch
    webhook_configs:
      - url: ${api.url}/api/v1/ingest/alertmanager
        send_resolved: true
        http_config:
          authorization: { credentials_file: ${join(api.dir, 'am.token')} }
`,
  );
  let log = '';
  const am = spawn(BINARY, [`--config.file=${join(api.dir, 'alertmanager.yml')}`, `--storage.path=${join(api.dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: ['ignore', 'pipe', 'pipe'] });
  am.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  am.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  t.teardown(() => void am.kill('SIGKILL'));
  await waitForPort(port, 15_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${log}`);
  });
  const post = (endsAt?: string) =>
    fetch(`http://127.0.0.1:${port}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'PACSArchiveDown', instance: 'pacs-archive:9100', severity: 'critical', service: 'pacs' }, annotations: { summary: 'PACS 归档存储不可达' }, ...(endsAt ? { endsAt } : {}) }]),
    });
  t.equal((await post()).status, 200);
  const incident = await eventually(async () => (await api.call('GET', '/api/v1/incidents', { token: TOKENS.noc })).json?.incidents?.[0], 20_000, `an incident from Alertmanager\n${log}`);
  t.match(incident, { root: 'pacs-archive', priority: 'P2', title: 'PACS 归档存储不可达', state: 'open', alerts: [{ rule: 'alertmanager' }] });
  t.equal((await post(new Date(Date.now() - 1000).toISOString())).status, 200);
  await eventually(async () => (await api.call('GET', '/api/v1/incidents/1', { token: TOKENS.noc })).json?.state === 'resolved', 20_000, 'resolved by Alertmanager');
  t.pass('resolved');
});
