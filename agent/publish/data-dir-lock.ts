// One agent per data_dir. Two agents sharing one would interleave their spools and sequence
// counters, and the correlator would drop half their messages as replays. The lock is a file
// naming the holder's pid: a live holder refuses the second agent; a dead one (SIGKILL, power
// loss) leaves a stale file that the next start takes over.

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../../common/errors.js';

const held = new Set<string>();

export interface DataDirLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  const path = join(dir, 'agent.lock');
  if (held.has(dir)) throw new UserError(`data_dir ${dir} is in use by another agent in this process`, ['give each agent its own data_dir']);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      held.add(dir);
      return {
        release() {
          if (!held.delete(dir)) return;
          if (holder(path) === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = holder(path);
      if (pid !== undefined && pid !== process.pid && alive(pid)) {
        throw new UserError(`data_dir ${dir} is in use by another agent (pid ${pid})`, ['give each agent its own data_dir, or stop the other one first']);
      }
      rmSync(path, { force: true }); // stale: its holder is gone
    }
  }
  throw new UserError(`data_dir ${dir}: could not take ${path}`, ['another agent is starting with the same data_dir']);
}
