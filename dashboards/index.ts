// The dashboards Wardwatch ships, and the datasources they expect (uids pinned by
// grafana/provisioning/datasources/wardwatch.yaml).

import { host } from './host.js';
import { INFLUX, PROMETHEUS } from './model.js';
import { network } from './network.js';
import { noc } from './noc.js';
import { services } from './services.js';
import { terminals } from './terminals.js';
import { wardwatch } from './wardwatch.js';

/** File name (under grafana/dashboards/) → dashboard. */
export const DASHBOARDS = {
  'noc-overview.json': noc,
  'business-services.json': services,
  'host-detail.json': host,
  'terminals.json': terminals,
  'network.json': network,
  'wardwatch-itself.json': wardwatch,
} as const;

export const DATASOURCES = [INFLUX, PROMETHEUS];

/** The JSON Grafana reads: stable key order as written, two-space indent, trailing newline. */
export function render(dashboard: object): string {
  return JSON.stringify(dashboard, null, 2) + '\n';
}
