// Check types by name. A literal map, so `type:` in a config block and the factory that
// builds it are one lookup apart.

import type { CheckCommon, CheckType } from './check.js';
import { tcpCheck } from './tcp.js';
import { backupCheck } from './backup.js';
import { certFileCheck } from './cert-file.js';
import { fsForecastCheck } from './fs-forecast.js';
import { httpCheck } from './http.js';
import { logErrorsCheck } from './log-errors.js';
import { ntpCheck } from './ntp.js';
import { processCheck } from './process.js';
import { serviceCheck } from './service.js';
import { tlsCheck } from './tls.js';
import { transactionCheck } from './transaction.js';
import { databaseCheck } from './database.js';
import { dicomCheck } from './dicom.js';
import { hl7Check } from './hl7.js';
import { icmpCheck } from './icmp.js';
import { snmpCheck } from './snmp.js';
import { snmpTrapCheck } from './snmp-trap.js';

export const CHECK_TYPES: Record<string, CheckType<never>> = {
  tcp: tcpCheck,
  process: processCheck,
  service: serviceCheck,
  tls: tlsCheck,
  http: httpCheck,
  transaction: transactionCheck,
  backup: backupCheck,
  cert_file: certFileCheck,
  fs_forecast: fsForecastCheck,
  ntp: ntpCheck,
  log_errors: logErrorsCheck,
  dicom: dicomCheck,
  hl7: hl7Check,
  database: databaseCheck,
  icmp: icmpCheck,
  snmp: snmpCheck,
  snmp_trap: snmpTrapCheck,
};

export function checkType(name: string): CheckType<CheckCommon> | undefined {
  return CHECK_TYPES[name] as CheckType<CheckCommon> | undefined;
}
