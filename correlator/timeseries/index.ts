// Entry point of the time-series stage, for the correlator's wiring.

import type { Logger } from '../../common/log.js';
import type { CorrelatorMetrics } from '../observe/metrics.js';
import type { InfluxSettings } from './config.js';
import { TimeseriesWriter, type WriterView } from './writer.js';

export { TimeseriesWriter, type WriterView } from './writer.js';
export type { TicketEvent } from './points.js';

/** Creates and starts the writer. It never waits for InfluxDB: set-up and writes happen in its loop. */
export function startTimeseries(settings: InfluxSettings, opts: { metrics: CorrelatorMetrics; log: Logger; clock?: () => number; view?: WriterView }): TimeseriesWriter {
  const writer = new TimeseriesWriter({ settings, metrics: opts.metrics, log: opts.log.child({ part: 'timeseries' }), ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.view ? { view: opts.view } : {}) });
  writer.start();
  return writer;
}
