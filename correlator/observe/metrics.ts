// The correlator's own metrics (prom-client), one registry per correlator instance so tests
// can run several in one process. Names follow Prometheus conventions: base units, _total
// for counters, _seconds for durations.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createCorrelatorMetrics(opts: { defaults?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    messagesReceived: new Counter({ name: 'wardwatch_messages_received_total', help: 'MQTT messages received, by kind.', labelNames: ['kind'], registers: [registry] }),
    messagesInvalid: new Counter({ name: 'wardwatch_messages_invalid_total', help: 'Messages rejected at ingest, by reason.', labelNames: ['reason'], registers: [registry] }),
    messagesDuplicate: new Counter({ name: 'wardwatch_messages_duplicate_total', help: 'Data messages dropped as redeliveries of a sequence number already processed.', registers: [registry] }),
    samplesReceived: new Counter({ name: 'wardwatch_samples_received_total', help: 'Sample rows received in metrics messages.', registers: [registry] }),
    evaluationSeconds: new Histogram({
      name: 'wardwatch_evaluation_duration_seconds',
      help: 'Time the engine took per input (rule evaluation and correlation).',
      buckets: [0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
      registers: [registry],
    }),
    commitSeconds: new Histogram({ name: 'wardwatch_store_commit_duration_seconds', help: 'Time to commit decisions to the store.', buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1], registers: [registry] }),
    alertsChanged: new Counter({ name: 'wardwatch_alerts_total', help: 'Alert state changes, by new state.', labelNames: ['state'], registers: [registry] }),
    incidentsOpened: new Counter({ name: 'wardwatch_incidents_opened_total', help: 'Incidents opened, by priority.', labelNames: ['priority'], registers: [registry] }),
    incidentsResolved: new Counter({ name: 'wardwatch_incidents_resolved_total', help: 'Incidents resolved, by priority.', labelNames: ['priority'], registers: [registry] }),
    incidentsOpen: new Gauge({ name: 'wardwatch_incidents_open', help: 'Incidents open now, by priority.', labelNames: ['priority'], registers: [registry] }),
    alertsFiring: new Gauge({ name: 'wardwatch_alerts_firing', help: 'Alerts firing now.', registers: [registry] }),
    agentsOnline: new Gauge({ name: 'wardwatch_agents_online', help: 'Agents whose last state is online.', registers: [registry] }),
    ticketsOpened: new Counter({ name: 'wardwatch_tickets_opened_total', help: 'Tickets opened.', registers: [registry] }),
    rulesLoaded: new Gauge({ name: 'wardwatch_rules_loaded', help: 'Rules in the running rule set.', registers: [registry] }),
    rulesReloadSuccess: new Gauge({ name: 'wardwatch_rules_last_reload_success', help: '1 if the last rule reload succeeded, 0 if it was rejected.', registers: [registry] }),
    sinkFailures: new Counter({ name: 'wardwatch_sink_failures_total', help: 'Failures of a decision sink (printer, notifier) that were contained.', labelNames: ['sink'], registers: [registry] }),
    brokerConnected: new Gauge({ name: 'wardwatch_broker_connected', help: '1 while connected to the MQTT broker.', registers: [registry] }),
    // Time series (correlator/timeseries): written, dropped (never silently), backlog, latency.
    timeseriesPointsWritten: new Counter({ name: 'wardwatch_timeseries_points_written_total', help: 'Points written to InfluxDB.', registers: [registry] }),
    timeseriesPointsDropped: new Counter({ name: 'wardwatch_timeseries_points_dropped_total', help: 'Points given up: buffer-full, spool-full, rejected (refused by InfluxDB), corrupt (unreadable disk segment), shutdown.', labelNames: ['reason'], registers: [registry] }),
    timeseriesSamplesSkipped: new Counter({ name: 'wardwatch_timeseries_samples_skipped_total', help: 'Samples or fields left out because the metric catalogue does not know them.', labelNames: ['reason'], registers: [registry] }),
    timeseriesWriteSeconds: new Histogram({ name: 'wardwatch_timeseries_write_duration_seconds', help: 'Time to write one batch to InfluxDB, failures included.', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10], registers: [registry] }),
    timeseriesWriteErrors: new Counter({ name: 'wardwatch_timeseries_write_errors_total', help: 'Failed InfluxDB writes and set-ups, by reason (unavailable, timeout, auth, not-found, rejected).', labelNames: ['reason'], registers: [registry] }),
    timeseriesBacklog: new Gauge({ name: 'wardwatch_timeseries_backlog_points', help: 'Points waiting for InfluxDB, in memory or on disk.', labelNames: ['where'], registers: [registry] }),
    timeseriesUp: new Gauge({ name: 'wardwatch_timeseries_up', help: '1 while the last InfluxDB write or set-up succeeded.', registers: [registry] }),
    // For the notifier: one count per message sent or failed, by channel and result (sent, failed, throttled).
    notifications: new Counter({ name: 'wardwatch_notifications_total', help: 'Notifications by channel and result.', labelNames: ['channel', 'result'], registers: [registry] }),
    // Tickets after the commit (correlator/ticket, correlator/itsm).
    ticketEvents: new Counter({ name: 'wardwatch_ticket_events_total', help: 'Ticket changes by kind (acknowledged, escalated, breached, resolved, closed, reopened …).', labelNames: ['event'], registers: [registry] }),
    itsmOperations: new Counter({ name: 'wardwatch_itsm_operations_total', help: 'Operations on external ticket systems by system, operation and result (ok, retry, failed).', labelNames: ['system', 'op', 'result'], registers: [registry] }),
  };
  return m;
}

export type CorrelatorMetrics = ReturnType<typeof createCorrelatorMetrics>;
