// Network: switches, routers, firewalls and egress lines as the probes see them: interface
// utilisation and errors (snmp checks: one result of type snmp_interface per interface, with
// the `iface` label and the device's `node`, and one of type snmp per device), and
// reachability, round trip and loss (icmp checks, one result per target).

import type { Dashboard } from '@grafana/schema';
import { base, influx, layout, standardVariables, STATUS_MAPPINGS, WHERE } from './model.js';

const N = `${WHERE.site} AND ${WHERE.building} AND ${WHERE.service} AND ${WHERE.host}`;

export const network = {
  ...base('wardwatch-network', 'Wardwatch · Network', 'Interface utilisation and errors of network gear; reachability, round trip and loss.'),
  templating: { list: standardVariables() },
  panels: layout([
    [
      {
        title: 'Reachability now',
        type: 'stat',
        w: 18,
        h: 4,
        description: 'Last ICMP result per target node.',
        targets: [influx(`SELECT last("status_level") AS "status" FROM "check" WHERE $timeFilter AND ${N} AND "type" = 'icmp' GROUP BY "node"`, { alias: '$tag_node' })],
        mappings: STATUS_MAPPINGS,
        options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'value_and_name' },
      },
      {
        title: 'Interfaces down',
        type: 'stat',
        w: 6,
        h: 4,
        description: 'Interfaces reported down by the devices the snmp checks poll.',
        targets: [influx(`SELECT sum("down") AS "down" FROM (SELECT last("interfaces_down") AS "down" FROM "check" WHERE $timeFilter AND ${N} AND "type" = 'snmp' GROUP BY "node")`)],
        thresholds: [{ color: 'green', value: null }, { color: 'red', value: 1 }],
        options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none' },
      },
    ],
    [
      {
        title: 'Interface utilisation',
        type: 'timeseries',
        w: 12,
        h: 9,
        unit: 'percent',
        min: 0,
        max: 100,
        description: 'In and out, as a share of the interface speed; the egress line alarm is at 95 %.',
        targets: [
          influx(`SELECT max("in_percent") AS "in", max("out_percent") AS "out" FROM "check" WHERE $timeFilter AND ${N} AND "type" = 'snmp_interface' GROUP BY time($__interval), "node", "iface" fill(none)`, { alias: '$tag_node $tag_iface $col' }),
        ],
        thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 80 }, { color: 'red', value: 95 }],
        custom: { thresholdsStyle: { mode: 'line' } },
      },
      {
        title: 'Interface errors',
        type: 'timeseries',
        w: 12,
        h: 9,
        unit: 'pps',
        targets: [
          influx(
            `SELECT max("in_errors_per_s") AS "in", max("out_errors_per_s") AS "out" FROM "check" WHERE $timeFilter AND ${N} AND "type" = 'snmp_interface' GROUP BY time($__interval), "node", "iface" fill(none)`,
            { alias: '$tag_node $tag_iface $col' },
          ),
        ],
      },
    ],
    [
      {
        title: 'Round trip',
        type: 'timeseries',
        w: 12,
        h: 8,
        unit: 'ms',
        targets: [influx(`SELECT mean("rtt_avg_ms") FROM "check" WHERE $timeFilter AND ${N} AND "type" = 'icmp' GROUP BY time($__interval), "node" fill(none)`, { alias: '$tag_node' })],
      },
      {
        title: 'Packet loss',
        type: 'timeseries',
        w: 12,
        h: 8,
        unit: 'percent',
        min: 0,
        max: 100,
        targets: [influx(`SELECT max("loss_percent") FROM "check" WHERE $timeFilter AND ${N} AND "type" = 'icmp' GROUP BY time($__interval), "node" fill(none)`, { alias: '$tag_node' })],
        thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 1 }, { color: 'red', value: 10 }],
        custom: { thresholdsStyle: { mode: 'line' } },
      },
    ],
  ]),
} satisfies Dashboard;
