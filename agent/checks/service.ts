// Is the service up, as the service manager sees it: a systemd unit on Linux (through
// `systemctl show`, one short child process per run: systemd offers no state file to read and
// the agent does not speak D-Bus), a Windows service through the shared PowerShell session.
// Restarts are counted on Linux, so a unit that systemd keeps restarting is not "fine".

import { platform } from 'node:os';
import type { FromSchema } from 'json-schema-to-ts';
import type { CheckStatus } from '../../protocol/schema.js';
import { systemctlShow } from '../platform/linux.js';
import { acquirePowerShell, releasePowerShell, windowsService, type WinService } from '../platform/windows.js';
import { commonCheckProperties, type Check, type CheckContext, type CheckOutcome, type CheckType } from './check.js';
import type { PlatformHooks } from './process.js';

export const serviceCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'service'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'service', description: 'State of a systemd unit (Linux) or a Windows service.' },
    service: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9 ._:@$\\\\-]{0,255}$',
      'x-expected': 'a unit or service name like "postgresql.service" or "MSSQLSERVER"',
      description: 'systemd unit ("nginx" means nginx.service) or Windows service name (not its display name).',
    },
  },
} as const;

export type ServiceCheckSpec = FromSchema<typeof serviceCheckSchema, { keepDefaultedPropertiesOptional: true }>;

/** systemd's view of a unit as a check outcome. */
export function systemdOutcome(unit: string, p: Record<string, string>): CheckOutcome {
  const restarts = Number(p.NRestarts);
  const fields: Record<string, number | string> = { active_state: p.ActiveState ?? '', sub_state: p.SubState ?? '', ...(Number.isFinite(restarts) && p.NRestarts ? { restarts } : {}) };
  if (p.LoadState === 'not-found') return { status: 'critical', summary: `unit ${unit} not found`, fields };
  const state = `${p.ActiveState ?? '?'} (${p.SubState ?? '?'})`;
  const status: CheckStatus =
    p.ActiveState === 'active' ? 'ok' : p.ActiveState === 'activating' || p.ActiveState === 'reloading' || p.ActiveState === 'deactivating' ? 'warning' : p.ActiveState === 'inactive' || p.ActiveState === 'failed' ? 'critical' : 'unknown';
  const result = p.ActiveState === 'failed' && p.Result && p.Result !== 'success' ? `, result ${p.Result}` : '';
  const disabled = p.UnitFileState === 'disabled' && status !== 'ok' ? ', disabled' : '';
  return { status, summary: `${unit} ${state}${result}${disabled}`, fields };
}

const PENDING = /Pending$/;

export function windowsOutcome(name: string, s: WinService | undefined): CheckOutcome {
  if (!s) return { status: 'critical', summary: `service ${name} is not installed` };
  const fields = { state: s.state, start_mode: s.startMode };
  const status: CheckStatus = s.state === 'Running' ? 'ok' : PENDING.test(s.state) || s.state === 'Paused' ? 'warning' : s.state === 'Stopped' ? 'critical' : 'unknown';
  const exit = s.state === 'Stopped' && s.exitCode !== 0 && s.exitCode !== 1077 ? `, exit code ${s.exitCode}` : ''; // 1077: never started since boot
  return { status, summary: `${s.displayName || s.name} ${s.state.toLowerCase()} (start ${s.startMode.toLowerCase()}${exit})`, fields };
}

// `satisfies`, not a type annotation: tests call create with the third argument (the host).
export const serviceCheck = {
  schema: serviceCheckSchema,
  create(spec: ServiceCheckSpec, _ctx: CheckContext, host: PlatformHooks & { systemctl?: string } = {}): Check {
    const windows = (host.os ?? platform()) === 'win32';
    const session = windows ? (host.powershell ?? acquirePowerShell()) : undefined;
    const target = windows ? `winsvc:${spec.service}` : `systemd:${spec.service}`;
    return {
      name: spec.name,
      type: 'service',
      async run(signal): Promise<CheckOutcome> {
        if (session) return { ...windowsOutcome(spec.service, await windowsService(session, spec.service)), target };
        const answer = await systemctlShow(spec.service, signal, host.systemctl);
        if (signal.aborted) throw new Error('timed out');
        if (!answer.ok) return { status: 'unknown', summary: `cannot ask systemd: ${answer.reason}`, target };
        return { ...systemdOutcome(spec.service, answer.properties), target };
      },
      async close() {
        if (session && !host.powershell) releasePowerShell();
      },
    };
  },
} satisfies CheckType<ServiceCheckSpec>;
