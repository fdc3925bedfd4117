// The Zabbix media type shipped in install/zabbix/, run the way Zabbix runs it (the script with
// `value` and Zabbix's HttpRequest and Zabbix objects; Zabbix itself cannot run here), with
// HttpRequest sending to a real correlator's API: problems open an incident, the answer's
// incident lands in the event's tags, recoveries resolve it, a bad token fails loudly.

import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { eventually } from '../helpers/tmp.js';
import { startApiHarness, TOKENS } from '../helpers/api.js';

interface MediaType {
  zabbix_export: { version: string; media_types: Array<{ name: string; type: string; parameters: Array<{ name: string; value: string }>; script: string; process_tags: string }> };
}

const media = parse(readFileSync(join(ROOT, 'install', 'zabbix', 'wardwatch_mediatype.yaml'), 'utf8')) as MediaType;
const mt = media.zabbix_export.media_types[0]!;

// Zabbix's HttpRequest is synchronous; curl gives the script the same blocking call. The script
// runs in a child process so the correlator in this one can answer meanwhile.
const RUNNER = `
const { execFileSync } = require('node:child_process');
const { runInNewContext } = require('node:vm');
const { script, value } = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
class HttpRequest {
  constructor() { this.headers = []; this.status = 0; }
  addHeader(h) { this.headers.push(h); }
  post(url, body) {
    const args = ['-s', '-o', '-', '-w', '\\n%{http_code}', '-X', 'POST', ...this.headers.flatMap((h) => ['-H', h]), '--data-binary', body, url];
    const out = execFileSync('curl', args, { encoding: 'utf8' });
    const i = out.lastIndexOf('\\n');
    this.status = Number(out.slice(i + 1));
    return out.slice(0, i);
  }
  getStatus() { return this.status; }
}
const log = [];
try {
  const result = runInNewContext('(function (value) { ' + script + ' })(value)', { value, HttpRequest, Zabbix: { log: (l, m) => log.push(m) } });
  process.stdout.write(JSON.stringify({ ok: true, result: String(result) }));
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(e), log }));
}
`;

function run(params: Record<string, string>): Promise<{ ok: true; result: string } | { ok: false; error: string; log: string[] }> {
  const value = JSON.stringify(Object.fromEntries(mt.parameters.map((p) => [p.name, params[p.name] ?? p.value])));
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['-e', RUNNER], { encoding: 'utf8', timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout))));
    child.stdin?.end(JSON.stringify({ script: mt.script, value }));
  });
}

t.test('the media type file is a Zabbix webhook export with every parameter the script reads', async (t) => {
  t.equal(mt.type, 'WEBHOOK');
  t.equal(mt.process_tags, 'YES');
  for (const name of ['event_id', 'event_value', 'event_update_status', 'event_nseverity', 'event_name', 'host_name', 'url', 'token']) t.ok(mt.parameters.some((p) => p.name === name), name);
});

t.test('problem, update and recovery through a real correlator', async (t) => {
  const api = await startApiHarness(t);
  const started = new Date(Date.now() + 8 * 3_600_000).toISOString();
  const problem = {
    url: api.url,
    token: TOKENS.zhang,
    event_id: '90210',
    event_value: '1',
    event_update_status: '0',
    event_nseverity: '4',
    event_name: 'LIS 接口响应超时',
    host_name: 'lis-app-01',
    host_ip: '10.12.3.4',
    event_tags_json: JSON.stringify([{ tag: 'service', value: 'lis' }]),
    event_date: started.slice(0, 10).replace(/-/g, '.'),
    event_time: started.slice(11, 19),
  };
  const first = await run(problem);
  t.ok(first.ok, first.ok ? 'sent' : first.error);
  const incident = await eventually(async () => (await api.call('GET', '/api/v1/incidents', { token: TOKENS.noc })).json.incidents[0], 10_000, 'an incident');
  t.match(incident, { root: 'lis-app-01', priority: 'P2', title: 'LIS 接口响应超时' });
  // Once the incident exists, the answer names it and the script returns it as an event tag.
  const again = await run(problem);
  t.same(again.ok && JSON.parse(again.result), { tags: { wardwatch_incident: incident.ref } });
  t.ok((await run({ ...problem, event_update_status: '1' })).ok, 'an update is accepted and ignored');
  t.ok((await run({ ...problem, event_value: '0' })).ok);
  await eventually(async () => (await api.call('GET', '/api/v1/incidents/1', { token: TOKENS.noc })).json.state === 'resolved', 10_000, 'resolved');
  const bad = await run({ ...problem, token: 'wrong-token-xxxxxxxxxxxxxxxxxxxx' });
  t.match(bad, { ok: false, error: /Wardwatch webhook failed: HTTP 401: the token is unknown, revoked or expired/, log: [/\[Wardwatch webhook\]/] });
  t.match(await run({ ...problem, url: '{$WARDWATCH.URL}' }), { ok: false, error: /set the macro \{\$WARDWATCH\.URL\}/ });
});
