// What may happen to a ticket, as a table of { ticket, action, want }.

import t from 'tap';
import { comesBack, decide, type TicketAction } from '../../correlator/ticket/lifecycle.js';
import type { Ticket } from '../../correlator/ticket/ticket.js';

const base: Ticket = {
  id: 1, incidentId: 1, state: 'open', priority: 'P2', title: 't', openedAt: 0, report: {} as Ticket['report'], root: 'sw-1', rules: ['switch-down'],
  stepsDone: 0, breached: [], reopened: 0, updatedAt: 0, clockFrom: 0,
};
const tk = (over: Partial<Ticket>): Ticket => ({ ...base, ...over });

const cases: Array<{ name: string; ticket: Ticket; action: TicketAction; want: string }> = [
  { name: 'first acknowledgement takes ownership', ticket: tk({}), action: { kind: 'acknowledge', actor: 'zhang' }, want: 'ok acknowledged owner=zhang' },
  { name: 'second acknowledgement keeps the owner', ticket: tk({ state: 'acknowledged', owner: 'zhang' }), action: { kind: 'acknowledge', actor: 'li' }, want: 'ok acknowledged owner=-' },
  { name: 'the owner acknowledging again is refused', ticket: tk({ state: 'acknowledged', owner: 'zhang' }), action: { kind: 'acknowledge', actor: 'zhang' }, want: 'invalid-state' },
  { name: 'a reopened ticket keeps its owner, who acknowledges again', ticket: tk({ state: 'open', owner: 'zhang' }), action: { kind: 'acknowledge', actor: 'zhang' }, want: 'ok acknowledged owner=zhang' },
  { name: 'resolved tickets cannot be acknowledged', ticket: tk({ state: 'resolved' }), action: { kind: 'acknowledge', actor: 'li' }, want: 'invalid-state' },
  { name: 'hand-over by the owner', ticket: tk({ state: 'acknowledged', owner: 'zhang' }), action: { kind: 'handover', actor: 'zhang', to: 'wang' }, want: 'ok handed-over owner=wang' },
  { name: 'hand-over by someone else', ticket: tk({ state: 'acknowledged', owner: 'zhang' }), action: { kind: 'handover', actor: 'li', to: 'li' }, want: 'not-owner' },
  { name: 'hand-over by an admin', ticket: tk({ state: 'acknowledged', owner: 'zhang' }), action: { kind: 'handover', actor: 'boss', to: 'wang', asAdmin: true }, want: 'ok handed-over owner=wang' },
  { name: 'hand-over of an unowned ticket', ticket: tk({}), action: { kind: 'handover', actor: 'li', to: 'wang' }, want: 'invalid-state' },
  { name: 'resolve needs a note', ticket: tk({ state: 'acknowledged', owner: 'zhang' }), action: { kind: 'resolve', actor: 'zhang', note: '  ' }, want: 'bad-request' },
  { name: 'resolve records the fix', ticket: tk({ state: 'acknowledged', owner: 'zhang' }), action: { kind: 'resolve', actor: 'zhang', note: 'rebooted' }, want: 'ok resolved owner=-' },
  { name: 'system closes only resolved tickets', ticket: tk({}), action: { kind: 'close', actor: 'wardwatch', reason: 'auto' }, want: 'invalid-state' },
  { name: 'escalation only while unacknowledged', ticket: tk({ state: 'acknowledged', owner: 'zhang' }), action: { kind: 'escalate', step: 0, detail: '' }, want: 'invalid-state' },
  { name: 'escalation step in order', ticket: tk({ stepsDone: 1 }), action: { kind: 'escalate', step: 1, detail: '' }, want: 'ok escalated owner=-' },
  { name: 'notes on a closed ticket are fine', ticket: tk({ state: 'closed' }), action: { kind: 'note', actor: 'li', text: 'post-mortem on Monday' }, want: 'ok noted owner=-' },
];

t.test('decide', async (t) => {
  for (const c of cases) {
    const d = decide(c.ticket, c.action, 1000);
    const got = d.ok ? `ok ${d.event} owner=${d.patch.owner ?? '-'}` : d.code;
    t.equal(got, c.want, c.name);
  }
});

t.test('comesBack', async (t) => {
  const old = { root: 'sw-1', rules: ['switch-down', 'switch-cpu'], state: 'resolved' as const, resolvedAt: 10_000 };
  const rows: Array<[string, Parameters<typeof comesBack>[1], number, boolean]> = [
    ['same root, same rule, in the window', { root: 'sw-1', rules: ['switch-down'], at: 20_000 }, 60_000, true],
    ['after the window', { root: 'sw-1', rules: ['switch-down'], at: 80_000 }, 60_000, false],
    ['another root', { root: 'sw-2', rules: ['switch-down'], at: 20_000 }, 60_000, false],
    ['a rule the old ticket never had', { root: 'sw-1', rules: ['switch-down', 'power-lost'], at: 20_000 }, 60_000, false],
    ['reopening turned off', { root: 'sw-1', rules: ['switch-down'], at: 20_000 }, 0, false],
  ];
  for (const [name, incoming, window, want] of rows) t.equal(comesBack(old, incoming, window), want, name);
  t.equal(comesBack({ ...old, state: 'closed' }, { root: 'sw-1', rules: ['switch-down'], at: 20_000 }, 60_000), false, 'closed is final');
});
