// One host in detail: CPU, memory, filesystems, network, processes, and what the agent itself
// costs. Other dashboards link here with ?var-host=<agent id>.

import type { Dashboard } from '@grafana/schema';
import { base, influx, layout, standardVariables, WHERE } from './model.js';

const H = `${WHERE.site} AND ${WHERE.host}`;
const stat = { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area' };

export const host = {
  ...base('wardwatch-host', 'Wardwatch · Host detail', 'CPU, memory, filesystems, network and processes of one host.'),
  templating: { list: standardVariables({ host: { multi: false, all: false } }) },
  panels: layout([
    [
      { title: 'Uptime', type: 'stat', w: 4, h: 4, unit: 's', targets: [influx(`SELECT last("uptime_seconds") FROM "system" WHERE $timeFilter AND ${H}`)], options: { ...stat, graphMode: 'none' } },
      { title: 'CPU cores', type: 'stat', w: 4, h: 4, targets: [influx(`SELECT last("cores") FROM "cpu" WHERE $timeFilter AND ${H}`)], options: { ...stat, graphMode: 'none' } },
      { title: 'Memory', type: 'stat', w: 4, h: 4, unit: 'bytes', targets: [influx(`SELECT last("total_bytes") FROM "mem" WHERE $timeFilter AND ${H}`)], options: { ...stat, graphMode: 'none' } },
      { title: 'Processes', type: 'stat', w: 4, h: 4, targets: [influx(`SELECT last("processes") FROM "system" WHERE $timeFilter AND ${H}`)], options: stat },
      {
        title: 'CPU used',
        type: 'stat',
        w: 4,
        h: 4,
        unit: 'percent',
        targets: [influx(`SELECT last("usage_percent") FROM "cpu" WHERE $timeFilter AND ${H}`)],
        thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 80 }, { color: 'red', value: 95 }],
        options: stat,
      },
      {
        title: 'Agent memory',
        type: 'stat',
        w: 4,
        h: 4,
        unit: 'bytes',
        description: 'What the Wardwatch agent costs this host.',
        targets: [influx(`SELECT last("rss_bytes") FROM "agent" WHERE $timeFilter AND ${H}`)],
        options: stat,
      },
    ],
    [
      {
        title: 'CPU',
        type: 'timeseries',
        w: 12,
        h: 8,
        unit: 'percent',
        min: 0,
        max: 100,
        targets: [
          influx(`SELECT mean("usage_percent") AS "busy", mean("iowait_percent") AS "iowait" FROM "cpu" WHERE $timeFilter AND ${H} GROUP BY time($__interval) fill(none)`, { alias: '$col' }),
        ],
      },
      {
        title: 'Load average',
        type: 'timeseries',
        w: 12,
        h: 8,
        targets: [
          influx(`SELECT mean("load1") AS "1 min", mean("load5") AS "5 min", mean("load15") AS "15 min" FROM "cpu" WHERE $timeFilter AND ${H} GROUP BY time($__interval) fill(none)`, { alias: '$col' }),
        ],
      },
    ],
    [
      {
        title: 'Memory',
        type: 'timeseries',
        w: 12,
        h: 8,
        unit: 'percent',
        min: 0,
        max: 100,
        targets: [
          influx(`SELECT mean("used_percent") AS "used", mean("swap_used_percent") AS "swap" FROM "mem" WHERE $timeFilter AND ${H} GROUP BY time($__interval) fill(none)`, { alias: '$col' }),
        ],
      },
      {
        title: 'Filesystems used',
        type: 'timeseries',
        w: 12,
        h: 8,
        unit: 'percent',
        min: 0,
        max: 100,
        targets: [influx(`SELECT max("used_percent") FROM "fs" WHERE $timeFilter AND ${H} GROUP BY time($__interval), "mount" fill(none)`, { alias: '$tag_mount' })],
        thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 85 }, { color: 'red', value: 95 }],
        custom: { thresholdsStyle: { mode: 'line' } },
      },
    ],
    [
      {
        title: 'Filesystems now',
        type: 'table',
        w: 12,
        h: 7,
        targets: [
          influx(
            `SELECT last("used_percent") AS "used_percent", last("free_bytes") AS "free_bytes", last("total_bytes") AS "total_bytes", last("inodes_used_percent") AS "inodes_used_percent" FROM "fs" WHERE $timeFilter AND ${H} GROUP BY "mount", "fstype"`,
            { table: true },
          ),
        ],
      },
      {
        title: 'Network traffic',
        type: 'timeseries',
        w: 12,
        h: 7,
        unit: 'Bps',
        targets: [
          influx(`SELECT mean("rx_bytes_per_second") AS "in", mean("tx_bytes_per_second") AS "out" FROM "net" WHERE $timeFilter AND ${H} GROUP BY time($__interval), "iface" fill(none)`, { alias: '$tag_iface $col' }),
        ],
      },
    ],
    [
      {
        title: 'Network errors and drops',
        type: 'timeseries',
        w: 12,
        h: 7,
        unit: 'pps',
        targets: [
          influx(
            `SELECT max("rx_errors_per_second") AS "rx errors", max("tx_errors_per_second") AS "tx errors", max("rx_drops_per_second") AS "rx drops", max("tx_drops_per_second") AS "tx drops" FROM "net" WHERE $timeFilter AND ${H} GROUP BY time($__interval), "iface" fill(none)`,
            { alias: '$tag_iface $col' },
          ),
        ],
      },
      {
        title: 'Processes and agent cost',
        type: 'timeseries',
        w: 12,
        h: 7,
        targets: [
          influx(`SELECT mean("processes") AS "processes" FROM "system" WHERE $timeFilter AND ${H} GROUP BY time($__interval) fill(none)`, { alias: '$col' }),
          influx(`SELECT mean("cpu_percent") AS "agent CPU %", mean("collect_ms") AS "collection ms" FROM "agent" WHERE $timeFilter AND ${H} GROUP BY time($__interval) fill(none)`, { alias: '$col' }),
        ],
      },
    ],
    [
      {
        title: 'Checks on this host',
        type: 'table',
        w: 24,
        h: 7,
        description: 'Checks this host\'s agent runs, and checks other agents run about this host (node).',
        targets: [
          influx(
            `SELECT last("status_level") AS "status", last("duration_ms") AS "last_run_ms", last("error_rate_percent") AS "errors_percent" FROM "check" WHERE $timeFilter AND ${WHERE.site} AND ("agent" =~ /^$host$/ OR "node" =~ /^$host$/) GROUP BY "check", "type", "service", "node"`,
            { table: true },
          ),
        ],
      },
    ],
  ]),
} satisfies Dashboard;
