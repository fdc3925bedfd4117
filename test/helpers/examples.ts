// The shipped example configs as a new user runs them: install/examples/ files changed only where
// this machine differs (broker, data directory, secrets, ports), the shipped rules and the
// example hospital topology.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { ROOT } from './cli.js';

export const EXAMPLES = join(ROOT, 'install', 'examples');
export const EXAMPLE_TOPOLOGY = join(ROOT, 'rules', 'examples', 'hospital.topology.yaml');
export const SHIPPED_RULES = join(ROOT, 'rules');

/** What the probe example reads from its environment (its systemd unit's EnvironmentFile). */
export const PROBE_SECRETS = {
  WARDWATCH_BROKER_PASSWORD: 'not-used-by-the-test-broker',
  WARDWATCH_SNMP_AUTH: 'auth-secret-1234',
  WARDWATCH_SNMP_PRIV: 'priv-secret-1234',
  WARDWATCH_SNMP_COMMUNITY: 'public-test',
  WARDWATCH_TRAP_COMMUNITY: 'trap-test',
  WARDWATCH_DB_PROBE_PASSWORD: 'db-secret',
};

export type ExampleDoc = ReturnType<typeof parseDocument>;

/** An example file with only what must differ here changed; the rest is the shipped text. */
export function adaptExample(name: string, dir: string, brokerUrl: string, change: (doc: ExampleDoc) => void = () => undefined): string {
  const doc = parseDocument(readFileSync(join(EXAMPLES, name), 'utf8'));
  doc.setIn(['broker', 'url'], brokerUrl);
  doc.deleteIn(['broker', 'password']);
  doc.deleteIn(['broker', 'tls']);
  const data = join(dir, `${name}.data`);
  mkdirSync(data);
  doc.setIn(['data_dir'], data);
  change(doc);
  const path = join(dir, name);
  writeFileSync(path, doc.toString());
  return path;
}
