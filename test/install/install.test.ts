// What install/ ships must work as shipped: example configs validate against their schemas,
// the published JSON Schemas are the ones the code uses, and the systemd units and the probe
// drop-in pass systemd-analyze's checks.

import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatError, parseYaml } from '../../common/yaml-file.js';
import { agentConfigSchema } from '../../agent/config/schema.js';
import { correlatorConfigSchema } from '../../correlator/config/schema.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { tmpDir, type Teardown } from '../helpers/tmp.js';

t.test('example configs are valid', async (t) => {
  for (const [file, schema] of [['agent.yaml', agentConfigSchema], ['probe.yaml', agentConfigSchema], ['terminal.yaml', agentConfigSchema], ['correlator.yaml', correlatorConfigSchema]] as const) {
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

/** systemd-analyze reads a unit's drop-ins from `<unit>.d/` beside it: each case gets its own directory. */
function analyze(t: Teardown, unit: string, dropIns: string[] = []): { verify: ReturnType<typeof spawnSync>; security: string; level: number } {
  const dir = tmpDir(t);
  copyFileSync(join(ROOT, 'install', 'systemd', unit), join(dir, unit));
  for (const d of dropIns) {
    mkdirSync(join(dir, `${unit}.d`), { recursive: true });
    copyFileSync(join(ROOT, 'install', 'systemd', `${unit}.d`, d), join(dir, `${unit}.d`, d));
  }
  const verify = spawnSync('systemd-analyze', ['verify', join(dir, unit)], { encoding: 'utf8' });
  const security = execFileSync('systemd-analyze', ['security', '--offline=true', join(dir, unit)], { encoding: 'utf8' });
  return { verify, security, level: Number(/Overall exposure level for \S+: ([\d.]+)/.exec(security)?.[1]) };
}

t.test('systemd units verify and score well on exposure', async (t) => {
  for (const unit of ['wardwatch-agent.service', 'wardwatch-correlator.service']) {
    const r = analyze(t, unit);
    t.equal(r.verify.status, 0, `${unit}: ${String(r.verify.stderr)}`);
    t.ok(r.level > 0 && r.level <= 2.0, `${unit} exposure ${r.level} is "OK" (≤ 2.0)`);
    t.match(r.security, /✓ CapabilityBoundingSet=~CAP_NET_\(BIND_SERVICE\|BROADCAST\|RAW\)/, `${unit}: no network privileges`);
  }
});

t.test("the probe drop-in grants ping and the trap port what they need, and nothing more", async (t) => {
  const r = analyze(t, 'wardwatch-agent.service', ['probe.conf']);
  t.equal(r.verify.status, 0, String(r.verify.stderr));
  t.ok(r.level > 0 && r.level <= 2.0, `probe agent exposure ${r.level} is still "OK" (≤ 2.0)`);
  t.match(r.security, /✗ CapabilityBoundingSet=~CAP_NET_\(BIND_SERVICE\|BROADCAST\|RAW\)/, 'raw sockets and low ports');
  t.match(r.security, /✓ CapabilityBoundingSet=~CAP_NET_ADMIN/, 'but no network configuration');
  t.match(r.security, /✓ CapabilityBoundingSet=~CAP_SYS_ADMIN/, 'and no administration');
  t.match(r.security, /✓ SystemCallFilter=~@mount/, 'the system call filter still holds');
});

// Windows cannot run here, so the WinSW file is held to WinSW 2.x's documented format
// (doc/xmlConfigFile.md) and its command line is run, with Windows' folders mapped to a
// temporary directory, against the shipped terminal example.
const WINSW_ELEMENTS = new Set(['id', 'name', 'description', 'executable', 'argument', 'arguments', 'startargument', 'stopargument', 'stopexecutable', 'startmode', 'delayedAutoStart', 'depend', 'logpath', 'log', 'logmode', 'env', 'interactive', 'beeponshutdown', 'download', 'onfailure', 'resetfailure', 'securityDescriptor', 'serviceaccount', 'workingdirectory', 'priority', 'stopparentprocessfirst', 'stoptimeout', 'waithint', 'sleeptime']);
const DURATION = /^\d+ ?(sec|secs|min|mins|hour|hours|day|days)$/;

interface XmlElement {
  tag: string;
  attrs: Record<string, string>;
  text: string;
}

/** The direct children of <service>: WinSW's file is flat apart from <log> and <serviceaccount>. */
function serviceChildren(xml: string): XmlElement[] {
  const body = /^\s*<service>([\s\S]*)<\/service>\s*$/.exec(xml.replace(/<!--[\s\S]*?-->/g, ''))?.[1];
  if (body === undefined) throw new Error('the root element is not <service>');
  const out: XmlElement[] = [];
  const re = /<(\w+)((?:\s+\w+="[^"]*")*)\s*(?:\/>|>([\s\S]*?)<\/\1>)/g;
  let rest = body;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const attrs = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1] as string, a[2] as string]));
    out.push({ tag: m[1] as string, attrs, text: (m[3] ?? '').trim() });
    rest = rest.replace(m[0], '');
  }
  if (rest.trim() !== '') throw new Error(`not understood: ${rest.trim().slice(0, 80)}`);
  return out;
}

t.test('the Windows service (WinSW) runs the agent as documented, with least privilege', async (t) => {
  const xml = readFileSync(join(ROOT, 'install', 'windows', 'wardwatch-agent.xml'), 'utf8');
  const els = serviceChildren(xml);
  const one = (tag: string) => els.filter((e) => e.tag === tag);
  t.same(els.filter((e) => !WINSW_ELEMENTS.has(e.tag)).map((e) => e.tag), [], 'only elements WinSW knows');
  t.match(one('id')[0]?.text, /^[A-Za-z0-9]+$/, 'the id is alphanumeric');
  t.ok(one('argument').length > 0 && one('arguments').length === 0 && one('startargument').length === 0, 'arguments one per element');
  for (const e of one('onfailure')) {
    t.match(e.attrs.action, /^(restart|reboot|none)$/);
    t.match(e.attrs.delay, DURATION);
  }
  t.equal(one('onfailure')[0]?.attrs.action, 'restart', 'a crashed agent comes back');
  t.match(one('stoptimeout')[0]?.text, DURATION);
  t.match(one('resetfailure')[0]?.text, DURATION);
  t.match(one('priority')[0]?.text, /^belownormal$/i, 'never competes with the clinical client');
  t.match(one('log')[0], { attrs: { mode: 'roll-by-size' }, text: /<sizeThreshold>\d+<\/sizeThreshold>\s*<keepFiles>\d+<\/keepFiles>/ }, 'logs are bounded');
  t.match(one('serviceaccount')[0]?.text, /<domain>NT AUTHORITY<\/domain>\s*<user>LocalService<\/user>/, 'LocalService, not LocalSystem');

  // %BASE% is the bundle (this checkout), %ProgramData% a temporary directory holding the config.
  const programData = tmpDir(t);
  const home = join(programData, 'Wardwatch');
  mkdirSync(home);
  const windows = (text: string) => text.replace(/C:\\ProgramData/g, programData).replace(/%ProgramData%/g, programData).replace(/%BASE%/g, ROOT).replace(/\\/g, '/');
  writeFileSync(join(home, 'agent.yaml'), windows(readFileSync(join(ROOT, 'install', 'examples', 'terminal.yaml'), 'utf8')));
  writeFileSync(join(home, 'broker-password'), 'terminal-secret\n');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=hospital CA', '-keyout', join(home, 'ca.key'), '-out', join(home, 'hospital-ca.pem')], { stdio: 'ignore' });
  t.equal(windows(one('executable')[0]?.text ?? ''), `${ROOT}/node.exe`, 'node.exe comes with the bundle');
  const args = one('argument').map((e) => windows(e.text));
  t.same(args.slice(1, 4), ['agent', '--config', `${home}/agent.yaml`]);
  const run = spawnSync(process.execPath, [...args, '--check'], { cwd: windows(one('workingdirectory')[0]?.text ?? ''), encoding: 'utf8' });
  t.equal(run.status, 0, `the service's command line accepts the terminal example: ${run.stderr}`);
  t.match(run.stdout, /agent\.yaml: OK \(agent \S+, site main, role terminal, every 60s, 3 check\(s\)\)/);
  t.notMatch(run.stdout + run.stderr, /terminal-secret/, 'the broker password is not printed');
});
