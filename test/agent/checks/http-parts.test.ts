// The pure pieces under the http and transaction checks, as tables: JSON paths, templates,
// the cookie jar (RFC 6265 matching), and the scrubbing of secrets.

import t from 'tap';
import { CookieJar, parseSetCookie } from '../../../agent/checks/cookie-jar.js';
import { jsonPathGet, parseJsonPath } from '../../../agent/checks/json-path.js';
import { isSecretName, safeUrl, Scrubber } from '../../../agent/checks/secrets.js';
import { placeholders, placeholdersDeep, render } from '../../../agent/checks/template.js';

t.test('JSON paths', async (t) => {
  const doc = { data: { items: [{ id: 'TEST-000123' }, { id: 'TEST-2' }] }, 'patient id': 7, nil: null };
  const cases: Array<[string, unknown]> = [
    ['$', doc],
    ['$.data.items[0].id', 'TEST-000123'],
    ['$.data.items[-1].id', 'TEST-2'],
    ["$['patient id']", 7],
    ['$["data"].items[1]', { id: 'TEST-2' }],
    ['$.nil', null],
    ['$.data.missing', undefined],
    ['$.data.items[5]', undefined],
    ['$.data.items.id', undefined],
  ];
  for (const [path, want] of cases) {
    const p = parseJsonPath(path);
    t.ok(p.ok, path);
    if (p.ok) t.same(jsonPathGet(doc, p.steps), want, path);
  }
  t.same(parseJsonPath('data.id'), { ok: false, error: 'a JSON path starts with "$"' });
  t.match(parseJsonPath('$.a[*]'), { ok: false, error: /cannot read the path at "\[\*\]"/ });
});

t.test('templates', async (t) => {
  const values = new Map([['patient', 'TEST 1/2'], ['token', 'abc']]);
  t.same(placeholders('/p?id={{patient}}&t={{ token }}'), ['patient', 'token']);
  t.same(placeholdersDeep({ a: ['{{x}}', { b: '{{y}}' }], n: 1 }), ['x', 'y']);
  t.equal(render('/p?id={{patient}}', values, encodeURIComponent), '/p?id=TEST%201%2F2');
  t.equal(render('Bearer {{token}}', values), 'Bearer abc');
  t.throws(() => render('{{nope}}', values), /no value for \{\{nope\}\}/);
});

t.test('cookie jar: domain, path, Secure, expiry, replacement', async (t) => {
  const now = Date.parse('2025-06-01T08:00:00Z');
  const login = new URL('https://his.hospital.test/auth/login');
  const jar = new CookieJar();
  jar.store(login, ['HISSESSION=s1; Path=/; HttpOnly; Secure', 'lang=zh-CN; Domain=hospital.test; Path=/', 'step=1', 'evil=1; Domain=other.test', 'old=x; Max-Age=0'], now);
  t.equal(jar.header(new URL('https://his.hospital.test/api/patients'), now), 'HISSESSION=s1; lang=zh-CN');
  t.equal(jar.header(new URL('http://his.hospital.test/api'), now), 'lang=zh-CN', 'Secure cookies stay off plain http');
  t.equal(jar.header(new URL('https://lis.hospital.test/'), now), 'lang=zh-CN', 'host-only cookies stay on their host; domain cookies travel');
  t.equal(jar.header(new URL('https://his.hospital.test/auth/next'), now), 'step=1; HISSESSION=s1; lang=zh-CN', 'default path is the login\'s directory, longest path first');
  t.equal(jar.header(new URL('https://his.hospital.test/authx'), now), 'HISSESSION=s1; lang=zh-CN', '/auth does not match /authx');
  jar.store(login, ['HISSESSION=s2; Path=/'], now);
  t.equal(jar.get('HISSESSION'), 's2', 'a cookie is replaced by name, domain and path');
  jar.store(login, ['HISSESSION=gone; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT'], now);
  t.equal(jar.get('HISSESSION'), undefined, 'an expired cookie deletes its namesake');
  jar.store(login, ['short=1; Path=/; Max-Age=60'], now);
  t.match(jar.header(new URL('https://his.hospital.test/'), now + 30_000), /short=1/);
  t.notMatch(jar.header(new URL('https://his.hospital.test/'), now + 61_000) ?? '', /short=1/, 'Max-Age runs out');
  t.equal(parseSetCookie('novalue', login, now), undefined);
  t.equal(parseSetCookie('a=1; Domain=1.2.3.4', new URL('http://5.6.7.8/'), now), undefined);
});

t.test('secrets: names, URLs and scrubbing', async (t) => {
  for (const n of ['password', 'X-Api-Key', 'authorization', 'Cookie', 'session_id', 'sid', 'access_token', 'pwd', 'client_secret']) t.ok(isSecretName(n), n);
  for (const n of ['patient', 'inside', 'keyboard_layout', 'user', 'dept']) t.notOk(isSecretName(n), n);
  t.equal(safeUrl('https://nurse:s3cret@his.test/login?token=abc&dept=ER'), 'https://his.test/login?token=***&dept=ER');
  const s = new Scrubber();
  s.add('s3cret/pw&1');
  s.add('ab');
  t.equal(s.scrub('login failed for https://nurse:x@his.test with s3cret/pw&1 (form: s3cret%2Fpw%261)'), 'login failed for https://his.test with *** (form: ***)');
  t.equal(s.scrub('ab stays: secrets under 3 characters cannot be told from text'), 'ab stays: secrets under 3 characters cannot be told from text');
});
