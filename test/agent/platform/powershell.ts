// Starts the strict PowerShell stand-in (fake-powershell.mjs) as a PowerShellSession.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PowerShellSession, POWERSHELL_ARGS } from '../../../agent/platform/windows.js';

const here = join(fileURLToPath(import.meta.url), '..');

/** A session on the stand-in; `logFile` receives every line it is sent (and VIOLATION lines). */
export function fakePowerShell(t: { teardown(fn: () => void): void }, timeoutMs = 5_000, logFile?: string): PowerShellSession {
  if (logFile) process.env.FAKE_PS_LOG = logFile;
  else delete process.env.FAKE_PS_LOG;
  const session = new PowerShellSession({ command: process.execPath, args: [join(here, 'fake-powershell.mjs'), ...POWERSHELL_ARGS], timeoutMs });
  t.teardown(() => {
    session.close();
    delete process.env.FAKE_PS_LOG;
  });
  return session;
}
