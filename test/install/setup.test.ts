// install/setup.sh is the README's first step on a fresh machine: without the compiler that
// better-sqlite3 needs, and without the rights to install it, it must say what to install and
// how, and stop before `npm ci` fails with a node-gyp trace. (The installing path runs in a
// fresh Debian root: install/fresh-root.sh.)

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const NOBODY = 65534;

/** A PATH with node and the few programs the script uses, and no compiler, make, python3 or sudo. */
function barePath(t: Parameters<typeof tmpDir>[0]): string {
  const bin = tmpDir(t, 'wardwatch-setup-bin-');
  chmodSync(bin, 0o755);
  symlinkSync(process.execPath, join(bin, 'node'));
  for (const tool of ['id', 'sort', 'tr']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  return bin;
}

t.test('without g++, make or python3 and without root or sudo: it names the packages and exits 1', async (t) => {
  const r = spawnSync('/bin/bash', [join(ROOT, 'install', 'setup.sh')], {
    env: { PATH: barePath(t), HOME: '/nonexistent' },
    encoding: 'utf8',
    // As root it would install them: run it as nobody.
    ...(process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  t.equal(r.status, 1, 'exit status 1');
  t.equal(
    r.stderr,
    'setup: missing Debian packages: g++ make python3\n' +
      'setup: run this script as root, or: apt-get install -y --no-install-recommends g++ make python3\n',
  );
  t.equal(r.stdout, '', 'nothing claims to be ready');
});

t.test('a Node older than 20.10 is refused before anything is installed', async (t) => {
  const bin = barePath(t);
  // A stand-in for an old node: the script asks it only whether it is recent enough.
  rmSync(join(bin, 'node'));
  writeFileSync(join(bin, 'node'), '#!/bin/sh\necho 0\n', { mode: 0o755 });
  const r = spawnSync('/bin/bash', [join(ROOT, 'install', 'setup.sh')], { env: { PATH: bin, HOME: '/nonexistent' }, encoding: 'utf8' });
  t.equal(r.status, 1);
  t.match(r.stderr, /^setup: Wardwatch needs Node 20\.10 or later; found: /);
});
