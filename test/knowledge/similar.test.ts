// Similar past incidents: tokens for Chinese and English, TF-IDF cosine, and the ranking.

import t from 'tap';
import { cosine, similarCases, tfidf, tokens, type Case } from '../../correlator/knowledge/similar.js';
import { RunbookLibrary, summaryOf } from '../../correlator/knowledge/runbooks.js';
import { ROOT } from '../helpers/cli.js';
import { join } from 'node:path';

t.test('tokens: Latin words and Chinese character pairs', async (t) => {
  t.same(tokens('HIS 挂号系统缓慢, error 503'), ['his', '挂号', '号系', '系统', '统缓', '缓慢', 'error', '503']);
  t.same(tokens('库'), ['库']);
  t.same(tokens('a  b'), [], 'single letters are noise');
});

t.test('cosine of TF-IDF vectors', async (t) => {
  const [a, b, c] = tfidf(['门诊挂号缓慢', '挂号缓慢 门诊楼', '检验 LIS 数据库']);
  t.ok(cosine(a!, b!) > 0.5, 'shared pairs make Chinese texts similar');
  t.equal(cosine(a!, c!), 0);
  t.equal(cosine(a!, a!), 1);
});

t.test('ranking: same rules and service first; text breaks ties', async (t) => {
  const query: Case = { id: 10, rules: ['db-connection-lost'], service: 'his', kind: 'server', root: 'his-db-01', text: 'HIS 数据库连接失败 门诊挂号无法提交' };
  const past: Case[] = [
    { id: 1, rules: ['db-connection-lost'], service: 'his', kind: 'server', root: 'his-db-01', text: 'HIS 数据库连接失败', resolution: '主库归档日志满，清理后切回' },
    { id: 2, rules: ['db-connection-lost'], service: 'lis', kind: 'server', root: 'lis-db-01', text: 'LIS 数据库连接失败', resolution: '重启监听' },
    { id: 3, rules: ['host-cpu-high'], service: 'pacs', kind: 'server', root: 'pacs-01', text: 'PACS CPU 过高', resolution: '终止失控进程' },
    { id: 10, rules: ['db-connection-lost'], service: 'his', kind: 'server', root: 'his-db-01', text: 'itself' },
  ];
  const got = similarCases(query, past);
  t.same(got.map((m) => m.id), [1, 2], 'unrelated cases and the ticket itself are left out');
  t.ok((got[0]?.score ?? 0) > (got[1]?.score ?? 0));
  t.same(similarCases(query, []), []);
});

t.test('runbooks: shipped files load with their English summary; nothing outside the rules directory', async (t) => {
  const lib = new RunbookLibrary(join(ROOT, 'rules'));
  for (const name of ['host-cpu', 'host-memory', 'storage-full', 'server-down', 'egress-failover', 'database-failover']) {
    const r = lib.get(`runbooks/${name}.md`);
    t.notOk(r.problem, `${name}: ${r.problem ?? 'ok'}`);
    t.match(r.content, /^# /, `${name} is Markdown with a title`);
    t.ok(r.summary && /^[\x20-\x7e]+$/.test(r.summary), `${name} has an English summary line`);
  }
  t.match(lib.get('../package.json'), { problem: 'runbook is outside the rules directory' });
  t.match(lib.get('runbooks/none.md'), { problem: 'runbook file not found' });
  t.same(lib.get('https://wiki.hospital.local/plan'), { ref: 'https://wiki.hospital.local/plan', url: 'https://wiki.hospital.local/plan' });
  t.equal(summaryOf('# x\n> Summary: Do this.\n'), 'Do this.');
});
