// Filesystem growth forecast: the least-squares line as data, and the check on a real
// filesystem (statfs of a temporary directory) with a history of readings laid down as if the
// agent had been reading it for ten hours while it filled.

import t from 'tap';
import { readFileSync, statfsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../../common/log.js';
import { forecast, fsForecastCheck, growthPerHour, prune, type Reading } from '../../../agent/checks/fs-forecast.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import { tmpDir } from '../../helpers/tmp.js';

const GB = 2 ** 30;

t.test('growth and hours to full, as data', async (t) => {
  const line = (n: number, perHour: number, avail0: number): Reading[] => Array.from({ length: n }, (_, i) => [i * 3600, 100 * GB + i * perHour, avail0 - i * perHour]);
  t.equal(growthPerHour(line(10, GB, 50 * GB)), GB);
  const f = forecast(line(10, 2 * GB, 50 * GB));
  t.equal(f.hoursToFull, (50 * GB - 9 * 2 * GB) / (2 * GB), 'what is left at the last reading, at the growth rate');
  t.equal(f.spanHours, 9);
  t.equal(forecast(line(5, -GB, 50 * GB)).hoursToFull, undefined, 'shrinking: no forecast of full');
  const noisy: Reading[] = [[0, 100, 900], [3600, 130, 870], [7200, 110, 890], [10800, 160, 840], [14400, 150, 850]];
  t.equal(Math.round(growthPerHour(noisy)! * 100) / 100, 13, 'least squares through noise');
  t.equal(growthPerHour([[0, 1, 1]]), undefined);
  t.equal(growthPerHour([[5, 1, 1], [5, 2, 0]]), undefined, 'two readings at the same time give no slope');
});

t.test('readings: old ones dropped, at most max kept by thinning the oldest half', async (t) => {
  const r: Reading[] = Array.from({ length: 10 }, (_, i) => [i * 100, i, 0]);
  t.same(prune(r, 900, 500).map((x) => x[0]), [500, 600, 700, 800, 900]);
  t.same(prune(r, 900, 10_000, 8).map((x) => x[0]), [0, 200, 400, 500, 600, 700, 800, 900]);
});

t.test('the check on a real filesystem with ten hours of history', async (t) => {
  const dataDir = tmpDir(t);
  const mount = tmpDir(t);
  const spec = { name: 'pacs-archive-forecast', type: 'fs_forecast', path: mount, warn_within: '30d', critical_within: '12h' };
  const check = () => runOnce(schedule(fsForecastCheck.create(spec as never, { agentId: 'pacs-01', dataDir, log: silentLogger }), spec));

  const first = await check();
  t.equal(first.outcome.status, 'ok');
  t.match(first.outcome.summary, /: [\d.]+ % used; collecting \(1 readings over 0 min, forecast after 1\.0 h\)$/);
  t.equal(first.outcome.fields?.samples, 1);

  // Ten hours of readings ending now, growing so that the disk's real free space lasts about 20 hours.
  const s = statfsSync(mount);
  const used = (s.blocks - s.bfree) * s.bsize;
  const avail = s.bavail * s.bsize;
  const perHour = avail / 20;
  const now = Math.round(Date.now() / 1000);
  const history: Reading[] = Array.from({ length: 10 }, (_, i) => {
    const hoursAgo = 10 - i;
    return [now - hoursAgo * 3600, used - hoursAgo * perHour, avail + hoursAgo * perHour];
  });
  mkdirSync(join(dataDir, 'forecast'), { recursive: true });
  writeFileSync(join(dataDir, 'forecast', 'pacs-archive-forecast.json'), JSON.stringify({ readings: history }));
  const r = await check();
  const hours = r.outcome.fields?.hours_to_full as number;
  t.ok(hours > 19 && hours < 21, `about 20 hours to full (${hours})`);
  t.equal(r.outcome.status, 'warning', 'within 30 days, not within 12 hours');
  t.match(r.outcome.summary, /growing [\d.]+ [KMGT]?B\/h; full in about 2\d\.\d h \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/);
  t.equal(r.outcome.fields?.samples, 11);
  const saved = JSON.parse(readFileSync(join(dataDir, 'forecast', 'pacs-archive-forecast.json'), 'utf8')) as { readings: Reading[] };
  t.equal(saved.readings.length, 11, 'the new reading is kept for the next run');

  writeFileSync(join(dataDir, 'forecast', 'pacs-archive-forecast.json'), '{ damaged');
  t.equal((await check()).outcome.fields?.samples, 1, 'a damaged history starts afresh');
  const gone = await runOnce(schedule(fsForecastCheck.create({ ...spec, path: join(mount, 'nope') } as never, { agentId: 'pacs-01', dataDir, log: silentLogger }), spec));
  t.match(gone.outcome, { status: 'critical', summary: /^cannot stat .*nope: ENOENT$/ });
});
