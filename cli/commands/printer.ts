import { incidentPrinter } from '../../correlator/wiring/printer.js';
import type { DecisionSink } from '../../correlator/ingest/pipeline.js';
import { clockTime, paint, priorityColour, type Out } from '../shared/output.js';

export function consolePrinter(out: Out): DecisionSink {
  return incidentPrinter((line) => out.line(line), {
    time: (ms) => paint(out, 'dim', clockTime(ms)),
    priority: (p) => paint(out, priorityColour(p), p),
    verb: (v) => paint(out, v === 'OPEN' ? 'red' : v === 'RESOLVED' ? 'green' : 'yellow', v),
  });
}
