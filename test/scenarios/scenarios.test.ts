// The scenario suite: each folder holds a recorded stream, its topology, its rules and the
// incidents a person expects (scenario.yaml). Each runs through `wardwatch replay`, the same
// engine as the live correlator, and the noise reduction (alerts → incidents) is reported.

import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, runCli } from '../helpers/cli.js';

interface Expected {
  root: string;
  priority: string;
  symptoms: number;
  resolved: boolean;
  why?: string;
  flapping?: boolean;
  runbooks?: string[];
}

interface Scenario {
  description: string;
  replay?: Record<string, string>;
  expect: { incidents: Expected[]; max_alerts?: number };
}

interface Line {
  root: string;
  priority: string;
  why: string;
  symptoms: number;
  resolved: string | null;
  flapping?: boolean;
  runbooks: string[];
  merged_into?: string;
}

const DIR = join(ROOT, 'test', 'scenarios');
const names = readdirSync(DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

for (const name of names) {
  t.test(name, async (t) => {
    const dir = join(DIR, name);
    const scenario = parse(readFileSync(join(dir, 'scenario.yaml'), 'utf8')) as Scenario;
    const flags = Object.entries(scenario.replay ?? {}).flatMap(([k, v]) => [`--${k.replace(/_/g, '-')}`, String(v)]);
    const args = ['replay', '--rules', join(dir, 'rules'), '--topology', join(dir, 'topology.yaml'), ...flags, join(dir, 'stream.jsonl')];
    const r = runCli(args, { timeoutMs: 60_000 });
    t.equal(r.status, 0, r.stderr);
    const incidents = r.stdout.trim() ? r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line).filter((i) => !i.merged_into) : [];
    const summary = /(\d+) alerts → (\d+) incidents/.exec(r.stderr);
    t.comment(`${name}: ${summary ? `${summary[1]} alerts → ${summary[2]} incidents` : r.stderr.trim()}`);
    t.equal(incidents.length, scenario.expect.incidents.length, `${scenario.expect.incidents.length} incident(s)`);
    for (const want of scenario.expect.incidents) {
      const got = incidents.find((x) => x.root === want.root);
      t.ok(got, `an incident with root ${want.root}`);
      if (!got) continue;
      t.equal(got.priority, want.priority, `${want.root}: priority`);
      t.equal(got.symptoms, want.symptoms, `${want.root}: symptoms`);
      t.equal(got.resolved !== null, want.resolved, `${want.root}: resolved`);
      if (want.why) t.match(got.why, new RegExp(want.why), `${want.root}: why`);
      if (want.flapping !== undefined) t.equal(got.flapping === true, want.flapping, `${want.root}: flapping`);
      if (want.runbooks) t.same(got.runbooks, want.runbooks, `${want.root}: runbooks`);
    }
    if (scenario.expect.max_alerts !== undefined && summary) t.ok(Number(summary[1]) <= scenario.expect.max_alerts, `at most ${scenario.expect.max_alerts} alert(s)`);
    if (name === 'core-switch') {
      const again = runCli(args, { timeoutMs: 60_000 });
      t.equal(again.stdout, r.stdout, 'same input, same output');
    }
  });
}
