// Routing: P1 to every channel but the drill room, personal channels only for what needs a person, drills to the
// drill channel or recorded only, unless the drill asked to page and the config allows it.

import t from 'tap';
import { startReceiver } from '../helpers/http-receiver.js';
import { request, setup, until } from '../helpers/notify.js';

const channels = (url: string) => ({
  noc: { type: 'webhook' as const, url: `${url}/noc` },
  drill: { type: 'webhook' as const, url: `${url}/drill` },
  sms: { type: 'sms' as const, url: `${url}/sms`, body: '{"to":"{{phones}}"}' },
});

t.test('routes', async (t) => {
  const r = await startReceiver(t, () => ({ status: 200 }));
  const { notifier } = setup(t, channels(r.url), { drill: { channels: ['drill'] } });
  t.same(notifier.route({ priority: 'P1', kind: 'opened' }), { channels: ['noc', 'sms'], recordOnly: [] }, 'P1: every channel but the drill room (a real P1 is no drill)');
  t.same(notifier.route({ priority: 'P1', kind: 'update' }), { channels: ['noc'], recordOnly: [] }, 'updates skip personal channels');
  t.same(notifier.route({ priority: 'P2', kind: 'escalated', channels: ['sms'] }), { channels: ['sms'], recordOnly: [] }, 'an escalation step names its own channels');
  t.same(notifier.route({ priority: 'P1', kind: 'opened', drill: 'd1' }), { channels: ['drill'], recordOnly: ['noc', 'sms'] }, 'a drill goes to the drill channel');
  t.same(notifier.route({ priority: 'P1', kind: 'opened', drill: 'd1', page: true }), { channels: ['drill'], recordOnly: ['noc', 'sms'] }, '--page is refused unless the config allows it');
});

t.test('a drill without drill channels is recorded, never sent', async (t) => {
  const r = await startReceiver(t, () => ({ status: 200 }));
  const { notifier, recorded, store } = setup(t, channels(r.url));
  notifier.notify(request({ drill: 'insurance-down-1', report: { ...request().report, drill: 'insurance-down-1' } }));
  await until(() => recorded.length === 3);
  await new Promise((res) => setTimeout(res, 200));
  t.equal(r.requests.length, 0, 'nobody was paged');
  t.same(recorded.map((x) => [x.channel, x.status]), [['noc', 'recorded'], ['drill', 'recorded'], ['sms', 'recorded']]);
  t.match((await store.notifications({ ticketId: 7 }))[0], { status: 'recorded', detail: /drill insurance-down-1/, recipients: ['张伟'] });
});

t.test('a drill that asks to page reaches the real routes when allowed', async (t) => {
  const r = await startReceiver(t, () => ({ status: 200 }));
  const { notifier, recorded } = setup(t, channels(r.url), { drill: { channels: ['drill'], allow_page: true } });
  notifier.notify(request({ drill: 'db-down-2', page: true, report: { ...request().report, drill: 'db-down-2' } }));
  await until(() => recorded.length === 3);
  t.same(r.requests.map((x) => x.path).sort(), ['/drill', '/noc', '/sms']);
  t.match((r.requests.find((x) => x.path === '/noc')?.json as { data: { text: string } }).data.text, /^\[演练\] 【P1】新故障/);
});
