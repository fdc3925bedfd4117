// How every command ends: a UserError prints its lines and exits non-zero; anything else is a
// bug, printed as one line (with the stack only under WARDWATCH_DEBUG=1).

import { UserError } from '../../common/errors.js';
import { createLogger, type Logger } from '../../common/log.js';
import { paint, terminalOut } from './output.js';

export const EXIT_USAGE = 2;

export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      fail(err);
    }
  };
}

export function fail(err: unknown): never {
  const out = terminalOut(process.stderr);
  if (err instanceof UserError) {
    out.error(paint(out, 'red', `error: ${err.message}`));
    for (const line of err.lines) out.error(`  ${line}`);
    process.exit(EXIT_USAGE);
  }
  const e = err as Error;
  out.error(paint(out, 'red', `error: ${e?.message ?? String(err)}`));
  if (process.env.WARDWATCH_DEBUG) out.error(String(e?.stack));
  process.exit(1);
}

/** Keeps a long-running process alive through a bug in one callback, and says so loudly. */
export function guardProcess(log: Logger): void {
  process.on('uncaughtException', (err) => log.error('internal error (kept running)', { error: err.message, stack: err.stack?.split('\n').slice(0, 4).join(' | ') }));
  process.on('unhandledRejection', (err) => log.error('internal error in a promise (kept running)', { error: (err as Error)?.message ?? String(err) }));
}

/**
 * Resolves when the process is asked to stop: SIGTERM (systemd), SIGINT (a terminal's Ctrl+C;
 * the Windows service wrapper's stop), SIGBREAK (Ctrl+Break on Windows).
 */
export function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
    if (process.platform === 'win32') process.once('SIGBREAK', () => resolve('SIGBREAK'));
  });
}

export function processLogger(level: 'debug' | 'info' | 'warn' | 'error' = 'info', format: 'text' | 'json' = 'text'): Logger {
  return createLogger({ level: (process.env.WARDWATCH_LOG_LEVEL as 'debug' | undefined) ?? level, format });
}
