// Check types by name. A literal map, so `type:` in a config block and the factory that
// builds it are one lookup apart.

import type { CheckCommon, CheckType } from './check.js';
import { tcpCheck } from './tcp.js';

export const CHECK_TYPES: Record<string, CheckType<never>> = {
  tcp: tcpCheck,
};

export function checkType(name: string): CheckType<CheckCommon> | undefined {
  return CHECK_TYPES[name] as CheckType<CheckCommon> | undefined;
}
