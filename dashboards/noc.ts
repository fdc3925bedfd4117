// The NOC wall: what is broken now, how urgent, whose SLA clock is running out, which
// business services are red, and which buildings have lost terminals. Every panel links to
// the dashboard that explains it.

import type { Dashboard } from '@grafana/schema';
import { base, dashboardLink, hostLink, influx, layout, standardVariables, STATUS_MAPPINGS, WHERE } from './model.js';

const services = dashboardLink('wardwatch-services', 'business-services', 'Business services');
const terminals = dashboardLink('wardwatch-terminals', 'terminals', 'Terminals');

export const noc = {
  ...base('wardwatch-noc', 'Wardwatch · NOC overview', 'Open incidents by priority, SLA clocks, business services and terminals, for the wall screen.'),
  refresh: '15s',
  time: { from: 'now-3h', to: 'now' },
  templating: { list: standardVariables() },
  panels: layout([
    [
      {
        title: 'Open incidents',
        type: 'stat',
        w: 8,
        h: 5,
        description: 'Incidents open now, per priority (P1 hospital-wide … P4 minor).',
        targets: [
          influx(`SELECT sum("open") AS "open" FROM (SELECT last("open") AS "open" FROM "incidents" WHERE $timeFilter AND ${WHERE.site} GROUP BY "site", "priority") GROUP BY "priority"`, { alias: '$tag_priority' }),
        ],
        thresholds: [{ color: 'green', value: null }, { color: 'red', value: 1 }],
        options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'value_and_name' },
      },
      {
        title: 'Next response deadline',
        type: 'stat',
        w: 8,
        h: 5,
        unit: 's',
        description: 'Time left until the earliest unacknowledged ticket of each priority misses its response time (P1 15 min, P2 30 min, P3 2 h, P4 24 h); negative when overdue.',
        targets: [
          influx(`SELECT min("left") AS "left" FROM (SELECT last("response_left_seconds") AS "left" FROM "sla" WHERE $timeFilter AND ${WHERE.site} GROUP BY "site", "priority") GROUP BY "priority"`, { alias: '$tag_priority' }),
        ],
        thresholds: [{ color: 'red', value: null }, { color: 'orange', value: 0 }, { color: 'green', value: 600 }],
        options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'value_and_name' },
      },
      {
        title: 'Tickets overdue',
        type: 'stat',
        w: 4,
        h: 5,
        description: 'Open tickets past their response or resolution deadline.',
        targets: [
          influx(`SELECT sum("overdue") AS "overdue" FROM (SELECT last("response_overdue") + last("resolve_overdue") AS "overdue" FROM "sla" WHERE $timeFilter AND ${WHERE.site} GROUP BY "site", "priority")`),
        ],
        thresholds: [{ color: 'green', value: null }, { color: 'red', value: 1 }],
        options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none' },
      },
      {
        title: 'Servers and probes offline',
        type: 'stat',
        w: 4,
        h: 5,
        targets: [
          influx(`SELECT sum("offline") AS "offline" FROM (SELECT last("offline") AS "offline" FROM "fleet" WHERE $timeFilter AND ${WHERE.site} AND ${WHERE.building} AND "role" != 'terminal' GROUP BY "site", "building", "floor", "role")`),
        ],
        thresholds: [{ color: 'green', value: null }, { color: 'red', value: 1 }],
        options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none' },
      },
    ],
    [
      {
        title: 'Business services',
        type: 'stat',
        w: 24,
        h: 5,
        description: 'Worst current status of the checks of each business service (HIS, LIS, PACS, EMR, insurance interface …).',
        targets: [
          influx(
            `SELECT max("status") AS "status" FROM (SELECT last("status_level") AS "status" FROM "check" WHERE $timeFilter AND ${WHERE.site} AND ${WHERE.service} AND "service" != '' GROUP BY "service", "check", "agent") GROUP BY "service"`,
            { alias: '$tag_service' },
          ),
        ],
        mappings: STATUS_MAPPINGS,
        links: [services],
        options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'background', graphMode: 'none', textMode: 'value_and_name' },
      },
    ],
    [
      {
        title: 'Terminals online by building',
        type: 'bargauge',
        w: 12,
        h: 9,
        description: 'Workstations, nurse stations and kiosks reporting now, per building (an agent silent for three of its intervals counts as offline).',
        targets: [
          influx(`SELECT sum("online") AS "online" FROM (SELECT last("online") AS "online" FROM "fleet" WHERE $timeFilter AND ${WHERE.site} AND ${WHERE.building} AND "role" = 'terminal' GROUP BY "site", "building", "floor") GROUP BY "building"`, { alias: '$tag_building online' }),
          influx(`SELECT sum("offline") AS "offline" FROM (SELECT last("offline") AS "offline" FROM "fleet" WHERE $timeFilter AND ${WHERE.site} AND ${WHERE.building} AND "role" = 'terminal' GROUP BY "site", "building", "floor") GROUP BY "building"`, { alias: '$tag_building offline' }),
        ],
        links: [terminals],
        options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, displayMode: 'basic', orientation: 'horizontal', showUnfilled: true },
      },
      {
        title: 'Recent incidents',
        type: 'table',
        w: 12,
        h: 9,
        targets: [
          influx(
            `SELECT "incident_id", "priority", "event", "title", "root", "services", "terminals_affected" FROM "events"."incident" WHERE $timeFilter AND ${WHERE.site} ORDER BY time DESC LIMIT 50`,
            { table: true },
          ),
        ],
        options: { showHeader: true, footer: { show: false } },
      },
    ],
    [
      {
        title: 'Open incidents over time',
        type: 'timeseries',
        w: 12,
        h: 8,
        targets: [
          influx(
            `SELECT sum("open") AS "open" FROM (SELECT last("open") AS "open" FROM "incidents" WHERE $timeFilter AND ${WHERE.site} GROUP BY time($__interval), "site", "priority") WHERE $timeFilter GROUP BY time($__interval), "priority" fill(previous)`,
            { alias: '$tag_priority' },
          ),
        ],
        custom: { drawStyle: 'line', lineInterpolation: 'stepAfter', fillOpacity: 20, stacking: { mode: 'normal', group: 'A' } },
      },
      {
        title: 'Agents gone offline',
        type: 'table',
        w: 12,
        h: 8,
        description: 'Agents whose last state change in the range was going offline (Last Will, shutdown or silence).',
        targets: [
          influx(
            `SELECT last("online") AS "online", last("reason") AS "reason" FROM "events"."agent_event" WHERE $timeFilter AND ${WHERE.site} AND ${WHERE.building} AND ${WHERE.host} GROUP BY "agent", "role", "building"`,
            { table: true },
          ),
        ],
        transformations: [
          { id: 'filterByValue', options: { type: 'include', match: 'all', filters: [{ fieldName: 'online', config: { id: 'equal', options: { value: 0 } } }] } },
        ],
        links: [hostLink('column')],
      },
    ],
  ]),
} satisfies Dashboard;
