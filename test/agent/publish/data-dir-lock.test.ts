// One agent per data_dir: a second agent on the same directory is refused with a message that
// says which, while an agent killed with SIGKILL leaves nothing that blocks its restart.

import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockDataDir } from '../../../agent/publish/data-dir-lock.js';
import { startMosquitto } from '../../helpers/mosquitto.js';
import { runCli, startCli } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';

t.test('in one process: a second lock is refused until the first is released', async (t) => {
  const dir = join(tmpDir(t), 'agent');
  const first = lockDataDir(dir);
  t.equal(readFileSync(join(dir, 'agent.lock'), 'utf8').trim(), String(process.pid));
  t.throws(() => lockDataDir(dir), /data_dir .* is in use by another agent in this process/);
  first.release();
  t.notOk(existsSync(join(dir, 'agent.lock')), 'released: the file is gone');
  lockDataDir(dir).release();
});

t.test('a stale lock of a dead process is taken over; a live holder refuses', async (t) => {
  const dir = tmpDir(t);
  const gone = spawnSync(process.execPath, ['-e', '']).pid; // a process that has exited
  writeFileSync(join(dir, 'agent.lock'), `${gone}\n`);
  const lock = lockDataDir(dir);
  t.equal(readFileSync(join(dir, 'agent.lock'), 'utf8').trim(), String(process.pid), 'the dead holder\'s lock is ours now');
  lock.release();

  const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.teardown(() => void live.kill('SIGKILL'));
  writeFileSync(join(dir, 'agent.lock'), `${live.pid}\n`);
  t.throws(() => lockDataDir(dir), new RegExp(`is in use by another agent \\(pid ${live.pid}\\)`));
  t.equal(readFileSync(join(dir, 'agent.lock'), 'utf8').trim(), String(live.pid), 'a refused agent leaves the holder\'s lock alone');
});

t.test('two agent processes on one data_dir: the second exits with a clear message', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  const config = join(dir, 'agent.yaml');
  writeFileSync(config, `agent: { id: lock-his-01, site: main, role: server }\nbroker: { url: "${broker.url}" }\ninterval: 5s\ndata_dir: data\nmetrics: { enabled: false }\n`);
  const first = startCli(t, ['agent', '--config', config], { cwd: dir });
  await first.waitFor(/agent started/);
  const second = runCli(['agent', '--config', config], { cwd: dir });
  t.equal(second.status, 2, 'a usage error: exit status 2');
  t.match(second.stderr, new RegExp(`data_dir .*data is in use by another agent \\(pid ${first.proc.pid}\\)`));
  t.notMatch(second.stderr, /\n\s+at /, 'no stack trace');

  // SIGKILL leaves the lock file behind; the restarted agent takes it over.
  await first.kill('SIGKILL');
  t.ok(existsSync(join(dir, 'data', 'agent.lock')));
  const again = startCli(t, ['agent', '--config', config], { cwd: dir });
  await again.waitFor(/agent started/);
  t.equal(await again.kill('SIGTERM'), 0);
  t.notOk(existsSync(join(dir, 'data', 'agent.lock')), 'a clean stop removes it');
});
