// The README's tree tables, the layering rules of .dependency-cruiser.cjs and the folders on
// disk name the same folders in the same order, so the documented order is the enforced one.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const config = createRequire(import.meta.url)(join(ROOT, '.dependency-cruiser.cjs')) as { forbidden: Array<{ name: string }> };

/** Folder names of the README table that follows `intro`, in row order ("main.ts" → "main"). */
function tableAfter(intro: string): string[] {
  const at = readme.indexOf(intro);
  if (at < 0) throw new Error(`README has no "${intro}"`);
  const rows: string[] = [];
  let started = false;
  for (const line of readme.slice(at).split('\n').slice(1)) {
    if (!line.startsWith('|')) {
      if (started) break;
      continue;
    }
    started = true;
    const cell = /^\| `([^`]+)`/.exec(line);
    if (cell?.[1]) rows.push(cell[1] === 'main.ts' ? 'main' : cell[1].replace(/\/$/, ''));
  }
  return rows;
}

/** The order the config enforces for `pkg`, from its rule names; the last (top) folder has no rule. */
function enforced(pkg: string): string[] {
  return config.forbidden.filter((r) => r.name.startsWith(`${pkg}-layers:`)).map((r) => r.name.slice(pkg.length + 8));
}

function onDisk(pkg: string): string[] {
  const dir = join(ROOT, pkg);
  return readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory());
}

for (const [pkg, intro] of [
  ['correlator', '`correlator/`, in the pipeline\'s order.'],
  ['agent', '`agent/`, lowest first:'],
] as const) {
  t.test(`${pkg}: README, layering rules and disk agree`, async (t) => {
    const documented = tableAfter(intro);
    t.same(documented, [...enforced(pkg), 'main'], 'the README lists the folders in the order the rules enforce');
    const coming = new Set(documented.filter((f) => f !== 'main' && !existsSync(join(ROOT, pkg, f))));
    for (const f of coming) t.match(readme, new RegExp(`\\| \`${f}/\` \\| \\(coming\\)`), `${f}/ is not on disk yet and is marked as coming`);
    for (const f of onDisk(pkg)) t.ok(documented.includes(f), `${pkg}/${f} is in the README's table and in the order`);
  });
}

t.test('top level: every folder of the repository is in the README', async (t) => {
  const top = tableAfter('| folder | what is in it |');
  // what .gitignore keeps out (node_modules/, dist/, a local data directory) is not the tree
  const ignored = new Set(readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n').filter((l) => l.endsWith('/')).map((l) => l.slice(0, -1)));
  for (const f of readdirSync(ROOT).filter((n) => !n.startsWith('.') && !ignored.has(n) && statSync(join(ROOT, n)).isDirectory())) {
    t.ok(top.includes(f), `${f}/ has a row`);
  }
});
