// The `checks:` section of the agent config: a list of blocks, each validated by the schema of
// its `type`. Adding a check type = its schema here and its factory in registry.ts.

import { tcpCheckSchema } from './tcp.js';
import { backupCheckSchema } from './backup.js';
import { certFileCheckSchema } from './cert-file.js';
import { fsForecastCheckSchema } from './fs-forecast.js';
import { httpCheckSchema } from './http.js';
import { logErrorsCheckSchema } from './log-errors.js';
import { ntpCheckSchema } from './ntp.js';
import { processCheckSchema } from './process.js';
import { serviceCheckSchema } from './service.js';
import { tlsCheckSchema } from './tls.js';
import { transactionCheckSchema } from './transaction.js';
import { databaseCheckSchema } from './database.js';
import { dicomCheckSchema } from './dicom.js';
import { hl7CheckSchema } from './hl7.js';
import { icmpCheckSchema } from './icmp.js';
import { snmpCheckSchema } from './snmp.js';
import { snmpTrapCheckSchema } from './snmp-trap.js';

export const checkBlockSchema = {
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [tcpCheckSchema, processCheckSchema, serviceCheckSchema, tlsCheckSchema, httpCheckSchema, transactionCheckSchema, backupCheckSchema, certFileCheckSchema, fsForecastCheckSchema, ntpCheckSchema, logErrorsCheckSchema, dicomCheckSchema, hl7CheckSchema, databaseCheckSchema, icmpCheckSchema, snmpCheckSchema, snmpTrapCheckSchema],
} as const;

export const checksSchema = {
  type: 'array',
  maxItems: 500,
  items: checkBlockSchema,
  description: 'Active checks: TCP ports, HTTP endpoints, clinical-system probes, inspections.',
} as const;
