// npm run dashboards: writes the dashboards as Grafana JSON into dashboards/grafana/dashboards/.
// `--check` writes nothing and exits 1 when a committed file differs from what the code
// produces (the test suite does the same comparison).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../common/version.js';
import { DASHBOARDS, render } from './index.js';

const dir = join(PROJECT_ROOT, 'dashboards', 'grafana', 'dashboards');
const check = process.argv.includes('--check');
let stale = 0;
mkdirSync(dir, { recursive: true });
for (const [file, dashboard] of Object.entries(DASHBOARDS)) {
  const path = join(dir, file);
  const json = render(dashboard);
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // not written yet
  }
  if (current === json) continue;
  stale++;
  if (check) console.error(`${path}: differs from the dashboard code; run npm run dashboards`);
  else {
    writeFileSync(path, json);
    console.log(`wrote ${path}`);
  }
}
if (check && stale > 0) process.exit(1);
if (!check && stale === 0) console.log(`dashboards up to date (${Object.keys(DASHBOARDS).length} in ${dir})`);
