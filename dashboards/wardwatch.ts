// Wardwatch watching itself, from Prometheus: what the correlator takes in and rejects, how long
// rule evaluation takes, whether the time series keep up, incidents open, and what the agents
// cost and have waiting. The project monitors itself first.

import type { Dashboard, VariableModel } from '@grafana/schema';
import { base, layout, prom, PROMETHEUS } from './model.js';

const I = `instance=~"$instance"`;

const instance: VariableModel = {
  name: 'instance',
  label: 'Correlator',
  type: 'query',
  datasource: PROMETHEUS,
  query: { query: 'label_values(wardwatch_messages_received_total, instance)', refId: 'PrometheusVariableQueryEditor-VariableQuery' },
  refresh: 2,
  sort: 1,
  multi: true,
  includeAll: true,
  allValue: '.*',
  current: { text: 'All', value: '$__all' },
};

export const wardwatch = {
  ...base('wardwatch-self', 'Wardwatch · Wardwatch itself', 'The correlator and the agents, from their own /metrics: intake, rule evaluation, time-series backlog, incidents, agent cost.'),
  annotations: { list: [base('', '', '').annotations.list[0]!] },
  time: { from: 'now-1h', to: 'now' },
  templating: { list: [instance] },
  panels: layout([
    [
      {
        title: 'Messages in',
        type: 'timeseries',
        w: 8,
        h: 8,
        unit: 'reqps',
        targets: [prom(`sum by (kind) (rate(wardwatch_messages_received_total{${I}}[$__rate_interval]))`, '{{kind}}')],
      },
      {
        title: 'Messages rejected',
        type: 'timeseries',
        w: 8,
        h: 8,
        unit: 'reqps',
        description: 'Invalid messages by reason (too-large, bad-json, schema, identity …); duplicates are redeliveries dropped by sequence number.',
        targets: [
          prom(`sum by (reason) (rate(wardwatch_messages_invalid_total{${I}}[$__rate_interval])) or vector(0)`, '{{reason}}'),
          prom(`sum(rate(wardwatch_messages_duplicate_total{${I}}[$__rate_interval]))`, 'duplicate'),
        ],
      },
      {
        title: 'Rule evaluation time',
        type: 'timeseries',
        w: 8,
        h: 8,
        unit: 's',
        targets: [
          prom(`histogram_quantile(0.95, sum by (le) (rate(wardwatch_evaluation_duration_seconds_bucket{${I}}[$__rate_interval])))`, 'p95'),
          prom(`sum(rate(wardwatch_evaluation_duration_seconds_sum{${I}}[$__rate_interval])) / sum(rate(wardwatch_evaluation_duration_seconds_count{${I}}[$__rate_interval]))`, 'mean'),
        ],
      },
    ],
    [
      {
        title: 'Time-series backlog',
        type: 'timeseries',
        w: 8,
        h: 8,
        description: 'Points waiting for InfluxDB, in memory and on disk; grows while InfluxDB is down, shrinks as it catches up.',
        targets: [prom(`sum by (where) (wardwatch_timeseries_backlog_points{${I}})`, '{{where}}')],
      },
      {
        title: 'Time-series writes',
        type: 'timeseries',
        w: 8,
        h: 8,
        unit: 'short',
        targets: [
          prom(`sum(rate(wardwatch_timeseries_points_written_total{${I}}[$__rate_interval]))`, 'written/s'),
          prom(`sum by (reason) (rate(wardwatch_timeseries_points_dropped_total{${I}}[$__rate_interval])) or vector(0)`, 'dropped/s {{reason}}'),
        ],
      },
      {
        title: 'Time-series write latency',
        type: 'timeseries',
        w: 8,
        h: 8,
        unit: 's',
        targets: [prom(`histogram_quantile(0.95, sum by (le) (rate(wardwatch_timeseries_write_duration_seconds_bucket{${I}}[$__rate_interval])))`, 'p95 per batch')],
      },
    ],
    [
      {
        title: 'Incidents open',
        type: 'timeseries',
        w: 8,
        h: 8,
        targets: [prom(`sum by (priority) (wardwatch_incidents_open{${I}})`, '{{priority}}')],
        custom: { drawStyle: 'line', lineInterpolation: 'stepAfter' },
      },
      {
        title: 'Alerts firing, agents online',
        type: 'timeseries',
        w: 8,
        h: 8,
        targets: [prom(`sum(wardwatch_alerts_firing{${I}})`, 'alerts firing'), prom(`sum(wardwatch_agents_online{${I}})`, 'agents online')],
      },
      {
        title: 'Connections',
        type: 'stat',
        w: 8,
        h: 8,
        mappings: [
          { value: 0, text: 'Down', color: 'red' },
          { value: 1, text: 'Up', color: 'green' },
        ],
        targets: [prom(`min(wardwatch_broker_connected{${I}})`, 'MQTT broker'), prom(`min(wardwatch_timeseries_up{${I}})`, 'InfluxDB')],
        options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'value_and_name' },
      },
    ],
    [
      {
        title: 'Notifications',
        type: 'timeseries',
        w: 8,
        h: 8,
        unit: 'short',
        targets: [prom(`sum by (channel, result) (increase(wardwatch_notifications_total{${I}}[$__rate_interval])) or vector(0)`, '{{channel}} {{result}}')],
      },
      {
        title: 'Agent memory',
        type: 'timeseries',
        w: 8,
        h: 8,
        unit: 'bytes',
        description: 'Resident memory of each agent that Prometheus scrapes (the target is 60 MB).',
        targets: [prom('process_resident_memory_bytes * on (instance) group_left (role) wardwatch_agent_build_info', '{{instance}} ({{role}})')],
        thresholds: [{ color: 'green', value: null }, { color: 'red', value: 60e6 }],
        custom: { thresholdsStyle: { mode: 'line' } },
      },
      {
        title: 'Agent outbox',
        type: 'timeseries',
        w: 8,
        h: 8,
        description: 'Messages each agent has waiting for the broker.',
        targets: [prom('sum by (instance) (wardwatch_agent_outbox_messages)', '{{instance}}')],
      },
    ],
  ]),
} satisfies Dashboard;
