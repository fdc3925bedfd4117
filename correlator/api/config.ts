// The `api` section of the correlator config: where the HTTP API listens (loopback unless told
// otherwise), how large a body may be, the tokens it accepts (hashed as soon as they are read),
// and how alerts from Alertmanager and Zabbix map onto priorities.

import type { FromSchema } from 'json-schema-to-ts';
import type { Priority } from '../rules/schema.js';
import { DEFAULT_INBOUND, type InboundSettings } from '../itsm/inbound.js';
import { hashToken, type Role } from './auth.js';

const priority = { enum: ['P1', 'P2', 'P3', 'P4'] } as const;

export const apiSectionSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'The HTTP API: tickets, incidents, silences, and alerts from other monitoring.',
  properties: {
    listen: { type: 'string', pattern: '^[^\\s:]+:[0-9]{1,5}$', default: '127.0.0.1:9743', 'x-expected': 'host:port like "127.0.0.1:9743"' },
    body_limit: { type: 'integer', minimum: 1024, maximum: 16777216, default: 1048576, description: 'Largest request body in bytes.' },
    tokens: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'role', 'token'],
        properties: {
          name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', 'x-expected': 'a name like "zhang.wei" or "alertmanager"', description: 'Who acts with this token; recorded on the timeline.' },
          role: { enum: ['viewer', 'operator', 'admin'] },
          token: { type: 'string', minLength: 20, description: 'Write ${file:/etc/wardwatch/tokens/NAME}; at least 20 characters.' },
        },
      },
    },
    site: { type: 'string', default: 'main', description: 'Site of alerts from other monitoring that carry no site label.' },
    alertmanager_severity: { type: 'object', additionalProperties: priority, description: 'severity label → priority; default critical P2, warning P3, info P4.' },
    zabbix_severity: { type: 'object', propertyNames: { pattern: '^[0-5]$' }, additionalProperties: priority, description: 'Zabbix severity 0–5 → priority; default 5 P1, 4 P2, 3 P3, else P4.' },
  },
} as const;

export type ApiSection = FromSchema<typeof apiSectionSchema, { keepDefaultedPropertiesOptional: true }>;

export interface ApiSettings {
  host: string;
  port: number;
  bodyLimit: number;
  tokens: Array<{ name: string; role: Role; hash: string }>;
  inbound: InboundSettings;
}

export function resolveApiSection(a: ApiSection): ApiSettings {
  const [host, port] = (a.listen ?? '127.0.0.1:9743').split(/:(?=[0-9]+$)/) as [string, string];
  const zabbix: Record<number, Priority> = { ...DEFAULT_INBOUND.zabbix };
  for (const [k, v] of Object.entries(a.zabbix_severity ?? {})) zabbix[Number(k)] = v as Priority;
  return {
    host,
    port: Number(port),
    bodyLimit: a.body_limit ?? 1_048_576,
    tokens: (a.tokens ?? []).map((t) => ({ name: t.name, role: t.role, hash: hashToken(t.token) })),
    inbound: { site: a.site ?? 'main', severities: { ...DEFAULT_INBOUND.severities, ...((a.alertmanager_severity ?? {}) as Record<string, Priority>) }, zabbix },
  };
}
