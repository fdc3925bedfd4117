// Prints incidents as they open, change priority and resolve: the console view of
// `wardwatch up` and of a correlator run in the foreground.

import type { Decision } from '../engine/engine.js';
import { incidentRef } from '../correlate/incident.js';
import type { DecisionSink } from '../ingest/pipeline.js';
import type { CommitResult } from '../store/store.js';
import { ticketRef } from '../ticket/ticket.js';

export interface PrinterStyle {
  time(ms: number): string;
  priority(p: string): string;
  verb(v: 'OPEN' | 'UPDATE' | 'RESOLVED'): string;
}

export function incidentPrinter(write: (line: string) => void, style: PrinterStyle): DecisionSink {
  return {
    name: 'printer',
    deliver(decisions: readonly Decision[], result: CommitResult) {
      const tickets = new Map(result.opened.map((o) => [o.incidentId, o.ticketId]));
      for (const d of decisions) {
        if (d.type === 'incident.opened') {
          const i = d.incident;
          const t = tickets.get(i.id);
          write(`${style.time(i.openedAt)}  ${style.verb('OPEN')}      ${incidentRef(i.id).padEnd(7)} ${style.priority(i.priority)}  ${i.title}${t ? `  (ticket ${ticketRef(t)})` : ''}`);
        } else if (d.type === 'incident.resolved') {
          const i = d.incident;
          write(`${style.time(i.resolvedAt ?? i.updatedAt)}  ${style.verb('RESOLVED')}  ${incidentRef(i.id).padEnd(7)} ${style.priority(i.priority)}  ${i.title}`);
        } else if (d.type === 'incident.updated' && d.change === 'alert-joined') {
          const i = d.incident;
          const joined = i.alerts.find((a) => a.id === d.alert);
          write(`${style.time(i.updatedAt)}  ${style.verb('UPDATE')}    ${incidentRef(i.id).padEnd(7)} ${style.priority(i.priority)}  + ${joined?.title ?? d.reason}`);
        }
      }
    },
  };
}
