// Terminals: doctor workstations, nurse stations and kiosks. Online and offline per building
// and floor, and the slow ones: "38 of 120 workstations in the outpatient building" starts here.

import type { Dashboard } from '@grafana/schema';
import { base, hostLink, influx, layout, standardVariables, WHERE } from './model.js';

const T = `${WHERE.site} AND ${WHERE.building} AND "role" = 'terminal'`;
const stat = { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'area' };

export const terminals = {
  ...base('wardwatch-terminals', 'Wardwatch · Terminals', 'Workstations, nurse stations and kiosks: online per building and floor, and the slowest.'),
  templating: { list: standardVariables() },
  panels: layout([
    [
      {
        title: 'Terminals online',
        type: 'stat',
        w: 6,
        h: 5,
        targets: [influx(`SELECT sum("online") AS "online" FROM (SELECT last("online") AS "online" FROM "fleet" WHERE $timeFilter AND ${T} GROUP BY "site", "building", "floor")`)],
        options: stat,
      },
      {
        title: 'Terminals offline',
        type: 'stat',
        w: 6,
        h: 5,
        targets: [influx(`SELECT sum("offline") AS "offline" FROM (SELECT last("offline") AS "offline" FROM "fleet" WHERE $timeFilter AND ${T} GROUP BY "site", "building", "floor")`)],
        thresholds: [{ color: 'green', value: null }, { color: 'orange', value: 1 }, { color: 'red', value: 20 }],
        options: stat,
      },
      {
        title: 'Terminals online over time, by building',
        type: 'timeseries',
        w: 12,
        h: 5,
        targets: [
          influx(
            `SELECT sum("online") AS "online" FROM (SELECT last("online") AS "online" FROM "fleet" WHERE $timeFilter AND ${T} GROUP BY time($__interval), "site", "building", "floor") WHERE $timeFilter GROUP BY time($__interval), "building" fill(previous)`,
            { alias: '$tag_building' },
          ),
        ],
      },
    ],
    [
      {
        title: 'Online and offline by building and floor',
        type: 'table',
        w: 12,
        h: 10,
        targets: [
          influx(`SELECT last("online") AS "online", last("offline") AS "offline", last("total") AS "total" FROM "fleet" WHERE $timeFilter AND ${T} GROUP BY "site", "building", "floor"`, { table: true }),
        ],
        thresholds: [{ color: 'green', value: null }, { color: 'red', value: 1 }],
        options: { showHeader: true, sortBy: [{ displayName: 'offline', desc: true }] },
      },
      {
        title: 'Gone offline',
        type: 'table',
        w: 12,
        h: 10,
        description: 'Terminals whose last state change in the range was going offline.',
        targets: [
          influx(
            `SELECT last("online") AS "online", last("reason") AS "reason" FROM "events"."agent_event" WHERE $timeFilter AND ${T} AND ${WHERE.host} GROUP BY "agent", "building", "floor"`,
            { table: true },
          ),
        ],
        transformations: [
          { id: 'filterByValue', options: { type: 'include', match: 'all', filters: [{ fieldName: 'online', config: { id: 'equal', options: { value: 0 } } }] } },
        ],
        links: [hostLink('column')],
      },
    ],
    [
      {
        title: 'Slowest responses seen from terminals',
        type: 'table',
        w: 8,
        h: 10,
        unit: 'ms',
        description: 'Mean response time of the checks terminals run (HIS pages, the order system), per terminal: the 20 slowest.',
        targets: [
          influx(`SELECT top("latency", "agent", 20) AS "latency_ms" FROM (SELECT mean("latency_mean_ms") AS "latency" FROM "check" WHERE $timeFilter AND ${T} AND ${WHERE.service} GROUP BY "agent")`, { table: true }),
        ],
        links: [hostLink('column')],
      },
      {
        title: 'Busiest CPUs',
        type: 'table',
        w: 8,
        h: 10,
        unit: 'percent',
        targets: [influx(`SELECT top("cpu", "agent", 20) AS "cpu_percent" FROM (SELECT mean("usage_percent") AS "cpu" FROM "cpu" WHERE $timeFilter AND ${T} GROUP BY "agent")`, { table: true })],
        links: [hostLink('column')],
      },
      {
        title: 'Fullest memory',
        type: 'table',
        w: 8,
        h: 10,
        unit: 'percent',
        targets: [influx(`SELECT top("mem", "agent", 20) AS "memory_percent" FROM (SELECT mean("used_percent") AS "mem" FROM "mem" WHERE $timeFilter AND ${T} GROUP BY "agent")`, { table: true })],
        links: [hostLink('column')],
      },
    ],
  ]),
} satisfies Dashboard;
