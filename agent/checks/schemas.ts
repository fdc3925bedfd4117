// The `checks:` section of the agent config: a list of blocks, each validated by the schema of
// its `type`. Adding a check type = its schema here and its factory in registry.ts.

import { tcpCheckSchema } from './tcp.js';

export const checkBlockSchema = {
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [tcpCheckSchema],
} as const;

export const checksSchema = {
  type: 'array',
  maxItems: 500,
  items: checkBlockSchema,
  description: 'Active checks: TCP ports, HTTP endpoints, clinical-system probes, inspections.',
} as const;
