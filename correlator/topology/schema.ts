// The topology file: what depends on what. Nodes (servers, databases, storage, switches,
// routers, egress lines, external services, terminals, business services) with their place
// (site, building, floor), labels and `depends_on` edges. Large groups are declared compactly:
// an id with a range ("ws-opd-(001..240)") or a `match` selector that adopts agents by labels.

import type { FromSchema } from 'json-schema-to-ts';
import { selectorSchema } from './selector.js';

export const NODE_KINDS = ['server', 'app', 'database', 'storage', 'switch', 'router', 'firewall', 'wifi', 'egress', 'external', 'terminal', 'service', 'group', 'other'] as const;

const nodeId = {
  type: 'string',
  pattern: '^[a-z0-9][a-z0-9._-]*(\\([0-9]+\\.\\.[0-9]+\\)[a-z0-9._-]*)?$',
  'x-expected': 'a node id of lowercase letters, digits, ".", "-", "_", optionally with one range like "ws-opd-(001..240)"',
} as const;

const common = {
  kind: { enum: NODE_KINDS },
  name: { type: 'string', maxLength: 200, description: 'Name people use: "核心交换机 1", "门诊挂号".' },
  site: { type: 'string', maxLength: 63 },
  building: { type: 'string', maxLength: 128 },
  floor: { type: 'string', maxLength: 32 },
  labels: {
    type: 'object',
    propertyNames: { pattern: '^[a-z_][a-z0-9_]{0,31}$' },
    additionalProperties: { type: 'string', maxLength: 128 },
  },
  depends_on: {
    type: 'array',
    items: { type: 'string', minLength: 1 },
    description: 'Upstream nodes this one needs: a terminal its access switch, an app its database. A range "acc-opd-(1..6)" in a ranged node pairs index by index when both ranges have the same length.',
  },
  criticality: { enum: ['core', 'important', 'normal'], description: 'For services: how much the hospital depends on it. core: registration, orders, billing, LIS, PACS.' },
  redundant: {
    type: 'boolean',
    description: 'Up while any one of its depends_on is: a primary/standby database pair, main and backup egress lines, two data centres. What depends on it is affected only when all of them fail; losing one is a degraded redundancy, not an outage.',
  },
  degraded: { enum: ['P1', 'P2', 'P3', 'P4'], description: 'For redundant nodes: the highest priority of an incident that takes away some of them while the rest carry on (default P3).' },
  terminals: { ...selectorSchema, description: 'For services: which terminals use it, by label (building, floor, role, department…).' },
} as const;

export const nodeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind'],
  properties: {
    id: nodeId,
    ...common,
    addresses: {
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[^\\s/:@]+$|^[0-9a-fA-F:]+$', 'x-expected': 'a host name or IP address, without scheme or port' },
      description: 'Host names and IP addresses this node answers on (his-app.hospital.local, 10.1.2.3): a check whose target names one of them is a check of this node. The node id, and its first DNS label, match without being listed.',
    },
  },
} as const;

export const matchSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['match'],
  properties: {
    match: { ...selectorSchema, description: 'Agents whose labels match become nodes with these settings (first match wins).' },
    ...common,
  },
} as const;

export const peakSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'from', 'to'],
  properties: {
    name: { type: 'string', minLength: 1 },
    days: { type: 'array', items: { enum: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] }, description: 'Default: every day.' },
    from: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', 'x-expected': 'a time like "07:30"' },
    to: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', 'x-expected': 'a time like "11:30"' },
    services: { type: 'array', items: { type: 'string' }, description: 'Services whose incidents are raised one priority step in this period; default all.' },
  },
} as const;

export const topologyFileSchema = {
  $id: 'https://wardwatch.dev/schema/topology.json',
  title: 'Wardwatch topology',
  type: 'object',
  additionalProperties: false,
  properties: {
    site: { type: 'string', default: 'main', description: 'Site of nodes that do not name one.' },
    timezone: { type: 'string', default: 'Asia/Shanghai', description: 'Time zone of the business calendar.' },
    nodes: {
      type: 'array',
      description: 'Nodes (with id and kind), or match blocks (with match) that turn agents into nodes by their labels.',
      items: { if: { type: 'object', required: ['match'] }, then: matchSchema, else: nodeSchema },
    },
    peaks: { type: 'array', items: peakSchema, description: 'Busy periods (outpatient morning peak) that raise the priority of incidents touching their services.' },
  },
} as const;

export type TopologyFile = FromSchema<typeof topologyFileSchema, { keepDefaultedPropertiesOptional: true }>;
export type NodeSpec = FromSchema<typeof nodeSchema, { keepDefaultedPropertiesOptional: true }>;
export type MatchSpec = FromSchema<typeof matchSchema, { keepDefaultedPropertiesOptional: true }>;
export type PeakSpec = FromSchema<typeof peakSchema, { keepDefaultedPropertiesOptional: true }>;
export type NodeKind = (typeof NODE_KINDS)[number];
