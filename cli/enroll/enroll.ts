// `wardwatch enroll`: what an ops engineer runs on the broker host to give an agent its
// credentials (a password, a client certificate or both), to replace them, or to take them
// away; then Mosquitto is told to reload. The agent's config is written next to its secrets,
// ready to copy to the machine: the password sits in agent.secret (0600) and the config refers
// to it with ${file:…}, so the config file itself holds no secret.

import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../common/errors.js';
import { NAME_PATTERN } from '../../protocol/topics.js';
import { hasPassword, issueCertificate, newPassword, pkiAt, reloadBroker, removePassword, revokeCertificates, setPassword, validCertificates } from './credentials.js';

export interface EnrollRequest {
  pki: string;
  broker?: string;
  site?: string;
  role?: string;
  out?: string;
  cert?: boolean;
  password?: boolean;
  rotate?: boolean;
  revoke?: boolean;
  reload?: string;
}

/** Does what was asked and returns what was done, as label/value rows for the terminal. */
export function enroll(agentId: string, req: EnrollRequest): Array<[string, string]> {
  if (!new RegExp(NAME_PATTERN).test(agentId)) throw new UserError(`agent id "${agentId}": expected lowercase letters, digits, ".", "-" or "_" (at most 63)`);
  if (req.rotate && req.revoke) throw new UserError('give --rotate or --revoke, not both');
  const pki = pkiAt(resolve(req.pki));
  const rows: Array<[string, string]> = [];
  if (req.revoke) {
    const removed = removePassword(pki, agentId);
    const revoked = revokeCertificates(pki, agentId);
    if (!removed && revoked === 0) throw new UserError(`${agentId} has no credentials in ${pki.dir}`);
    rows.push(['revoked', agentId], ['password', removed ? 'removed' : 'none'], ['certificates', `${revoked} revoked`]);
  } else {
    rows.push(...issue(agentId, pki, req));
  }
  if (req.reload) rows.push(['broker', `reloaded (SIGHUP to ${reloadBroker(req.reload)})`]);
  else rows.push(['broker', 'not reloaded: send SIGHUP to Mosquitto (or pass --reload)']);
  return rows;
}

function issue(agentId: string, pki: ReturnType<typeof pkiAt>, req: EnrollRequest): Array<[string, string]> {
  const missing = (['broker', 'site', 'role'] as const).filter((k) => !req[k]);
  if (missing.length > 0) throw new UserError(`missing ${missing.map((k) => `--${k}`).join(', ')}`, ['they go into the agent config this command writes']);
  if (!['server', 'terminal', 'probe'].includes(req.role as string)) throw new UserError(`--role: expected server, terminal or probe, got "${req.role}"`);
  if (!new RegExp(NAME_PATTERN).test(req.site as string)) throw new UserError(`--site "${req.site}": expected lowercase letters, digits, ".", "-" or "_"`);
  if (!/^(mqtts?|ssl|tcp):\/\//.test(req.broker as string)) throw new UserError(`--broker: expected a URL like mqtts://mqtt.hospital.local:8883, got "${req.broker}"`);
  const usePassword = req.password !== false;
  const enrolled = hasPassword(pki, agentId) || validCertificates(pki, agentId).length > 0;
  if (enrolled && !req.rotate) throw new UserError(`${agentId} is already enrolled`, ['use --rotate to replace its credentials, --revoke to remove them']);
  if (!usePassword && !req.cert) throw new UserError('--no-password needs --cert: an agent needs some credential');

  const out = resolve(req.out ?? agentId);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const rows: Array<[string, string]> = [[req.rotate ? 'rotated' : 'enrolled', agentId]];
  if (req.rotate) {
    const revoked = revokeCertificates(pki, agentId);
    if (!usePassword) removePassword(pki, agentId);
    if (revoked > 0) rows.push(['old certificates', `${revoked} revoked`]);
  }
  if (usePassword) {
    const password = newPassword();
    setPassword(pki, agentId, password);
    writeFileSync(join(out, 'agent.secret'), password, { mode: 0o600 });
    rows.push(['password', join(out, 'agent.secret')]);
  }
  if (req.cert) {
    const { cert, key } = issueCertificate(pki, agentId);
    writeFileSync(join(out, 'agent.crt'), cert, { mode: 0o644 });
    writeFileSync(join(out, 'agent.key'), key, { mode: 0o600 });
    rows.push(['certificate', join(out, 'agent.crt')]);
  }
  const ca = join(pki.dir, 'ca.crt');
  if (existsSync(ca)) copyFileSync(ca, join(out, 'ca.crt'));
  writeFileSync(join(out, 'agent.yaml'), agentYaml(agentId, req, usePassword, existsSync(ca)), { mode: 0o640 });
  rows.push(['config', join(out, 'agent.yaml')]);
  return rows;
}

function agentYaml(agentId: string, req: EnrollRequest, usePassword: boolean, withCa: boolean): string {
  const tls = [withCa ? 'ca: ca.crt' : '', req.cert ? 'cert: agent.crt' : '', req.cert ? 'key: agent.key' : ''].filter(Boolean);
  return [
    '# yaml-language-server: $schema=https://wardwatch.dev/schema/agent.json',
    `# Written by \`wardwatch enroll ${agentId}\`. Copy this folder to the agent (e.g. /etc/wardwatch/);`,
    '# relative paths are relative to this file. agent.secret and agent.key must stay private.',
    `agent: { id: ${agentId}, site: ${req.site}, role: ${req.role} }`,
    'broker:',
    `  url: "${req.broker}"`,
    `  username: ${agentId}`,
    ...(usePassword ? ['  password: ${file:agent.secret}'] : []),
    ...(tls.length > 0 ? [`  tls: { ${tls.join(', ')} }`] : []),
    '',
  ].join('\n');
}
