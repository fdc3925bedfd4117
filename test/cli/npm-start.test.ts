// `npm start` is how the README starts Wardwatch, and a supervisor or `timeout` stops it by
// sending SIGTERM to npm. npm passes the signal only to its own child: `wardwatch up` must be
// that child, or it outlives npm as an orphan holding the broker port and the store.

import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { eventually, tmpDir } from '../helpers/tmp.js';

/** Parent pid and state of a process, undefined when it is gone. */
function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(ppid), state: state ?? '' };
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  const s = stat(pid);
  return s !== undefined && s.state !== 'Z';
};

/** Pids of the node processes below `ancestor` whose command line contains `needle`. */
function nodeDescendants(ancestor: number, needle: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!/(^|\/)node$/.test(argv[0] ?? '') || !argv.join(' ').includes(needle)) continue;
    for (let p = stat(pid)?.ppid; p !== undefined && p > 1; p = stat(p)?.ppid) {
      if (p === ancestor) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

t.test('SIGTERM to `npm start` stops `wardwatch up` with it', async (t) => {
  const dir = tmpDir(t);
  const npm = spawn('npm', ['start', '--', '--port', '0', '--data', join(dir, 'data'), '--interval', '60s'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
  npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const npmExited = new Promise((r) => npm.once('exit', r));
  let upPids: number[] = [];
  t.teardown(() => {
    for (const pid of upPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
  });

  await eventually(() => out.includes('Wardwatch is up'), 60_000, `the banner of \`wardwatch up\`; output so far:\n${out}`);
  upPids = nodeDescendants(npm.pid!, 'cli/main.js up');
  t.equal(upPids.length, 1, 'npm started one `wardwatch up`');

  npm.kill('SIGTERM');
  await npmExited;
  const up = upPids[0]!;
  await eventually(() => !alive(up), 5_000, `\`wardwatch up\` (pid ${up}) to stop after npm got SIGTERM`);
  t.notOk(alive(up), '`wardwatch up` is gone');
  // Its last lines may still be in the pipe when npm has exited.
  await eventually(() => /agent stopped/.test(out), 2_000, 'the last lines of `wardwatch up`').catch(() => undefined);
  t.match(out, /stopping {2}signal=SIGTERM[^]*correlator stopped[^]*agent stopped/, 'it got the signal and stopped in order, not killed');
});
