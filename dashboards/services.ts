// Business services: HIS, LIS, PACS, EMR and the insurance interface as their checks see them
// (the `check` measurement, grouped by the checks' `service` label): response time and error
// rate over each check's window, the current status, and synthetic transactions.

import type { Dashboard } from '@grafana/schema';
import { base, dashboardLink, hostLink, influx, layout, standardVariables, STATUS_MAPPINGS, WHERE } from './model.js';

const FILTER = `${WHERE.site} AND ${WHERE.building} AND ${WHERE.service} AND ${WHERE.host}`;
const network = dashboardLink('wardwatch-network', 'network', 'Network');

export const services = {
  ...base('wardwatch-services', 'Wardwatch · Business services', 'Response time, error rate and status of the clinical systems and external interfaces, from the checks that watch them.'),
  templating: { list: standardVariables() },
  panels: layout([
    [
      {
        title: 'Status now',
        type: 'stat',
        w: 24,
        h: 4,
        description: 'Worst current status of each service\'s checks.',
        targets: [
          influx(`SELECT max("status") AS "status" FROM (SELECT last("status_level") AS "status" FROM "check" WHERE $timeFilter AND ${FILTER} AND "service" != '' GROUP BY "service", "check", "agent") GROUP BY "service"`, { alias: '$tag_service' }),
        ],
        mappings: STATUS_MAPPINGS,
        options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'value_and_name' },
      },
    ],
    [
      {
        title: 'Response time (mean over the check window)',
        type: 'timeseries',
        w: 12,
        h: 8,
        unit: 'ms',
        description: 'latency_mean_ms of the checks of each service: the rolling mean over each check\'s window (15 minutes by default).',
        targets: [influx(`SELECT mean("latency_mean_ms") FROM "check" WHERE $timeFilter AND ${FILTER} AND "service" != '' GROUP BY time($__interval), "service" fill(none)`, { alias: '$tag_service' })],
        thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 1000 }, { color: 'red', value: 3000 }],
        custom: { thresholdsStyle: { mode: 'line' } },
      },
      {
        title: 'Error rate',
        type: 'timeseries',
        w: 12,
        h: 8,
        unit: 'percent',
        min: 0,
        description: 'Share of failed runs over each check\'s window; the worst check of the service.',
        targets: [influx(`SELECT max("error_rate_percent") FROM "check" WHERE $timeFilter AND ${FILTER} AND "service" != '' GROUP BY time($__interval), "service" fill(none)`, { alias: '$tag_service' })],
        thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 1 }, { color: 'red', value: 5 }],
        custom: { thresholdsStyle: { mode: 'line' } },
      },
    ],
    [
      {
        title: 'Response time p95 by check',
        type: 'timeseries',
        w: 12,
        h: 8,
        unit: 'ms',
        targets: [influx(`SELECT max("latency_p95_ms") FROM "check" WHERE $timeFilter AND ${FILTER} GROUP BY time($__interval), "service", "check" fill(none)`, { alias: '$tag_service · $tag_check' })],
      },
      {
        title: 'Checks now',
        type: 'table',
        w: 12,
        h: 8,
        targets: [
          influx(
            `SELECT last("status_level") AS "status", last("latency_mean_ms") AS "mean_ms", last("error_rate_percent") AS "errors_percent", last("duration_ms") AS "last_run_ms" FROM "check" WHERE $timeFilter AND ${FILTER} GROUP BY "service", "check", "type", "agent"`,
            { table: true },
          ),
        ],
        mappings: STATUS_MAPPINGS,
        links: [hostLink('column'), network],
      },
    ],
    [
      {
        title: 'Synthetic transactions',
        type: 'table',
        w: 12,
        h: 8,
        description: 'Scripted user journeys (log in, register a patient, look up an order) run as a test account: the answer to "real outage or false alarm?".',
        targets: [
          influx(
            `SELECT last("status_level") AS "status", last("total_ms") AS "total_ms", last("steps") AS "steps", last("failed_step") AS "failed_step" FROM "check" WHERE $timeFilter AND ${FILTER} AND "type" = 'transaction' GROUP BY "service", "check", "agent"`,
            { table: true },
          ),
        ],
        mappings: STATUS_MAPPINGS,
      },
      {
        title: 'Synthetic transaction time',
        type: 'timeseries',
        w: 12,
        h: 8,
        unit: 'ms',
        targets: [influx(`SELECT mean("total_ms") FROM "check" WHERE $timeFilter AND ${FILTER} AND "type" = 'transaction' GROUP BY time($__interval), "check" fill(none)`, { alias: '$tag_check' })],
      },
    ],
  ]),
} satisfies Dashboard;
