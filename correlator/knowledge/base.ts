// The knowledge base: resolved tickets and what fixed them, searched for the incidents most like
// a ticket. Reads the store; the scoring is similar.ts.

import type { SimilarCase } from '../ticket/report.js';
import type { Store } from '../store/store.js';
import { ticketRef, type Ticket } from '../ticket/ticket.js';
import { similarCases, type Case } from './similar.js';

const CORPUS = 500;

export function caseOf(t: Ticket): Case {
  const r = t.report;
  const text = [t.title, r.what, ...r.evidence.map((e) => e.title), ...(r.symptomAlerts ?? []).slice(0, 5).map((s) => s.title)].join('\n');
  return {
    id: t.id,
    rules: t.rules,
    root: t.root,
    text,
    ...(r.root.service ? { service: r.root.service } : {}),
    ...(r.root.role ? { kind: r.root.role } : {}),
    ...(t.resolution ? { resolution: t.resolution } : {}),
  };
}

export class KnowledgeBase {
  constructor(private readonly store: Store) {}

  async similarTo(ticket: Ticket, limit = 3): Promise<SimilarCase[]> {
    const past = await this.store.resolvedTickets(CORPUS);
    const byId = new Map(past.map((p) => [p.id, p]));
    return similarCases(caseOf(ticket), past.map(caseOf), { limit }).map((m) => {
      const p = byId.get(m.id) as Ticket;
      return { ticket: ticketRef(p.id), title: p.title, score: m.score, resolution: p.resolution ?? '' };
    });
  }
}
