// TCP connect: is the port open, and how long does the handshake take. The first question
// when "the HIS is down": is the application server's port answering at all.

import { connect } from 'node:net';
import type { FromSchema } from 'json-schema-to-ts';
import { durationMs } from '../../common/duration.js';
import { commonCheckProperties, ms, type CheckOutcome, type CheckType } from './check.js';
import { errorClassOf } from './error-class.js';

export const tcpCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'host', 'port'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'tcp', description: 'TCP connect to host:port; measures the time to connect.' },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    warn_after: { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w))+$', 'x-expected': 'a duration like "500ms"', description: 'Connecting slower than this is a warning.' },
  },
} as const;

export type TcpCheckSpec = FromSchema<typeof tcpCheckSchema, { keepDefaultedPropertiesOptional: true }>;

export function tcpConnect(host: string, port: number, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ host, port });
    const onAbort = () => {
      socket.destroy();
      reject(new Error('timed out'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      const took = performance.now() - started;
      socket.destroy();
      resolve(took);
    });
    socket.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(err);
    });
  });
}

export const tcpCheck: CheckType<TcpCheckSpec> = {
  schema: tcpCheckSchema,
  create(spec) {
    const target = `tcp://${spec.host}:${spec.port}`;
    const warnMs = spec.warn_after ? durationMs(spec.warn_after) : Infinity;
    return {
      name: spec.name,
      type: 'tcp',
      async run(signal): Promise<CheckOutcome> {
        try {
          const took = await tcpConnect(spec.host, spec.port, signal);
          return {
            status: took > warnMs ? 'warning' : 'ok',
            summary: `connected in ${ms(took)}`,
            target,
            fields: { connect_ms: Math.round(took * 100) / 100 },
          };
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          return { status: 'critical', summary: `cannot connect: ${code}`, target, errorClass: errorClassOf(err), fields: { error: String(code) } };
        }
      },
    };
  },
};
