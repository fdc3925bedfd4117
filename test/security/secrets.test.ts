// Secrets never reach a log line, an error or the terminal: agent and correlator run with
// secret values in their configs (inline, from ${env:…} and ${file:…}, inside a broker URL)
// and are made to fail in every way we can cause here (wrong password, unreachable broker,
// a broker certificate from the wrong CA, an unreachable InfluxDB, config files with errors
// next to the secret); every line they print is searched for every secret.

import t from 'tap';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { startSecureBroker } from '../helpers/secure-broker.js';
import { sleep, tmpDir } from '../helpers/tmp.js';

const SECRETS = {
  agentFile: 'AgentFilePw-4c1f9a7e',
  agentEnv: 'AgentEnvPw-9d2b6e11',
  urlPassword: 'UrlPw-7a3e55c0',
  correlatorEnv: 'CorrEnvPw-18fe2c3d',
  influxEnv: 'InfluxPw-2b9c7d44',
  inline: 'InlinePw-5e6f0a9b',
  numeric: '73519046281',
};

t.test('no secret in any output, whatever fails', async (t) => {
  const dir = tmpDir(t);
  const sb = await startSecureBroker(t);
  sb.addUser('ws-020', 'the-right-password');
  sb.addUser('correlator', 'the-right-correlator-password');
  execFileSync('bash', ['-c', `chgrp mosquitto ${join(sb.pki, 'passwd')} 2>/dev/null; chmod 0640 ${join(sb.pki, 'passwd')}`]);
  process.kill(sb.broker.pid!, 'SIGHUP');
  const closed = await freePort();
  // A CA that did not sign the broker's certificate.
  execFileSync('bash', ['-c', `cd ${dir} && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout rogue.key -out rogue-ca.crt -subj /CN=rogue 2>/dev/null`]);
  writeFileSync(join(dir, 'agent.secret'), SECRETS.agentFile + '\n');
  const env = { AGENT_PW: SECRETS.agentEnv, CORR_PW: SECRETS.correlatorEnv, INFLUX_PW: SECRETS.influxEnv, WARDWATCH_LOG_LEVEL: 'debug' };
  const agentYaml = (name: string, broker: string, format = 'text') => {
    writeFileSync(join(dir, `${name}.yaml`), `agent: { id: ws-020, site: main, role: terminal }\nbroker: ${broker}\ninterval: 1s\ndata_dir: ${name}-data\nlog: { format: ${format} }\n`);
    return join(dir, `${name}.yaml`);
  };
  const correlatorYaml = (name: string, broker: string, extra = '') => {
    writeFileSync(join(dir, `${name}.yaml`), `broker: ${broker}\nstore: { sqlite: ${name}.db }\n${extra}`);
    return join(dir, `${name}.yaml`);
  };
  const ca = join(sb.pki, 'ca.crt');
  const running: Array<[string, CliProcess]> = [
    ['agent, wrong password from a file', startCli(t, ['agent', '--config', agentYaml('a1', `{ url: "${sb.tlsUrl}", password: "\${file:agent.secret}", tls: { ca: "${ca}" }, reconnect: { initial: 200ms, max: 1s } }`)], { cwd: dir, env })],
    ['agent, wrong password from env, JSON logs', startCli(t, ['agent', '--config', agentYaml('a2', `{ url: "${sb.tlsUrl}", password: "\${env:AGENT_PW}", tls: { ca: "${ca}" }, reconnect: { initial: 200ms, max: 1s } }`, 'json')], { cwd: dir, env })],
    ['agent, unreachable broker, password in the URL', startCli(t, ['agent', '--config', agentYaml('a3', `{ url: "mqtt://ws-020:${SECRETS.urlPassword}@127.0.0.1:${closed}", password: "\${env:AGENT_PW}", reconnect: { initial: 200ms, max: 1s } }`)], { cwd: dir, env })],
    ['agent, broker certificate from the wrong CA', startCli(t, ['agent', '--config', agentYaml('a4', `{ url: "${sb.tlsUrl}", password: "\${env:AGENT_PW}", tls: { ca: rogue-ca.crt }, reconnect: { initial: 200ms, max: 1s } }`)], { cwd: dir, env })],
    ['correlator, wrong password', startCli(t, ['correlator', '--config', correlatorYaml('c1', `{ url: "${sb.tlsUrl}", username: correlator, client_id: correlator, password: "\${env:CORR_PW}", tls: { ca: "${ca}" } }`)], { cwd: dir, env })],
    ['correlator, unreachable broker and InfluxDB', startCli(t, ['correlator', '--config', correlatorYaml('c2', `{ url: "mqtt://correlator:${SECRETS.urlPassword}@127.0.0.1:${closed}", password: "\${env:CORR_PW}" }`, `influx: { url: "http://127.0.0.1:${closed}", username: wardwatch, password: "\${env:INFLUX_PW}" }\n`)], { cwd: dir, env })],
    ['correlator, wrong CA', startCli(t, ['correlator', '--config', correlatorYaml('c3', `{ url: "${sb.tlsUrl}", username: correlator, password: "\${env:CORR_PW}", tls: { ca: rogue-ca.crt } }`)], { cwd: dir, env })],
  ];
  // Each has failed at least twice (a retry included) before it is stopped.
  await Promise.all(running.map(([, p]) => p.waitFor(/connection error[\s\S]*connection error/, 60_000)));
  await sleep(1_500);
  const outputs: Array<[string, string]> = [];
  for (const [name, p] of running) {
    await p.kill('SIGTERM');
    outputs.push([name, p.output()]);
  }
  // Config files with errors next to a secret: what --check and a start print.
  const checks: Array<[string, string[]]> = [
    ['agent --check, error beside a secret', ['agent', '--check', '--config', agentYaml('b1', `{ url: "mqtt://ws-020:${SECRETS.urlPassword}@h:1883", password: "\${env:AGENT_PW}", keepalive: soon }`)]],
    ['agent --check, secret of the wrong type', ['agent', '--check', '--config', agentYaml('b2', `{ url: "mqtt://h:1883", password: [${SECRETS.inline}] }`)]],
    ['agent --check, misspelled password key', ['agent', '--check', '--config', agentYaml('b3', `{ url: "mqtt://h:1883", pasword: ${SECRETS.inline} }`)]],
    ['agent --check, inline password of the wrong type', ['agent', '--check', '--config', agentYaml('b5', `{ url: "mqtt://h:1883", password: ${SECRETS.numeric} }`)]],
    ['correlator --check, url with a secret that fails the pattern', ['correlator', '--check', '--config', correlatorYaml('b4', `{ url: "http://u:${SECRETS.urlPassword}@h", password: "\${env:CORR_PW}" }`)]],
  ];
  for (const [name, args] of checks) {
    const r = runCli(args, { cwd: dir, env });
    t.not(r.status, 0, `${name}: refused`);
    outputs.push([name, r.stdout + r.stderr]);
  }

  for (const [name, text] of outputs) {
    t.ok(text.length > 0, `${name}: printed ${text.split('\n').length} lines`);
    for (const [which, secret] of Object.entries(SECRETS)) if (text.includes(secret)) t.fail(`${name}: ${which} secret printed:\n${text}`);
  }
  const all = outputs.map(([, text]) => text).join('\n');
  t.match(all, /b5\.yaml:\d+:\d+: broker\.password: expected a string\n/, 'a wrong secret says what is wrong, not what it was');
  // The failures themselves are visible to whoever reads the log.
  t.match(all, /Not authorized|Bad User Name or Password/i, 'a refused password is reported');
  t.match(all, /ECONNREFUSED/, 'an unreachable broker is reported');
  t.match(all, /certificate|self[- ]signed|unable to verify/i, 'a TLS failure is reported');
  t.match(all, /mqtt:\/\/(ws-020|correlator):\*\*\*@/, 'URLs are shown with the password masked');
});
