// Certificate expiry of any TLS endpoint: the HIS web portal, the insurance front-end
// processor, an LDAPS or database port. "Certificate expiry" is one of the failure classes in
// hospitals' emergency plans; this check makes it a warning weeks before it is an outage.
// The chain is not verified here (internal CAs are the norm): only how long it stays valid.

import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import type { FromSchema } from 'json-schema-to-ts';
import { expiryOutcome, expiryProperties, subjectName, type CertInfo } from './certificate.js';
import { commonCheckProperties, type CheckOutcome, type CheckType } from './check.js';
import { errorClassOf } from './error-class.js';

export const tlsCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'host'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'tls', description: 'Days until the certificate of a TLS endpoint (or one in its chain) expires.' },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 443 },
    servername: { type: 'string', minLength: 1, description: 'Name sent in SNI, when it differs from host (default: host, unless host is an IP address).' },
    ...expiryProperties,
  },
} as const;

export type TlsCheckSpec = FromSchema<typeof tlsCheckSchema, { keepDefaultedPropertiesOptional: true }>;

/** The certificates a TLS server presents, leaf first, each once. */
export function chainOf(leaf: DetailedPeerCertificate): CertInfo[] {
  const out: CertInfo[] = [];
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = leaf;
  while (cert && cert.valid_to && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push({ subject: subjectName(cert.subject as unknown as Record<string, unknown>), validTo: new Date(cert.valid_to) });
    cert = cert.issuerCertificate;
  }
  return out;
}

/** Connects, takes the presented chain and hangs up; never verifies trust. */
export function peerCertificates(host: string, port: number, servername: string | undefined, signal: AbortSignal): Promise<CertInfo[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false, ...(servername ? { servername } : {}) });
    const done = (fn: () => void) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      fn();
    };
    const onAbort = () => done(() => reject(new Error('timed out')));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const chain = chainOf(socket.getPeerCertificate(true));
      done(() => (chain.length > 0 ? resolve(chain) : reject(new Error('the server presented no certificate'))));
    });
    socket.once('error', (err) => done(() => reject(err)));
  });
}

export function sniName(host: string, servername?: string): string | undefined {
  return servername ?? (isIP(host) ? undefined : host);
}

export const tlsCheck: CheckType<TlsCheckSpec> = {
  schema: tlsCheckSchema,
  create(spec) {
    const port = spec.port ?? 443;
    const target = `tls://${spec.host}:${port}`;
    const thresholds = { warningDays: spec.warning_days ?? 30, criticalDays: spec.critical_days ?? 7 };
    return {
      name: spec.name,
      type: 'tls',
      async run(signal): Promise<CheckOutcome> {
        let chain: CertInfo[];
        try {
          chain = await peerCertificates(spec.host, port, sniName(spec.host, spec.servername), signal);
        } catch (err) {
          if (signal.aborted) throw err;
          const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          return { status: 'critical', summary: `no TLS handshake with ${spec.host}:${port}: ${code}`, target, errorClass: errorClassOf(err) };
        }
        const expiry = expiryOutcome(chain, Date.now(), thresholds, `${spec.host}:${port}`);
        return { ...expiry, target, ...(expiry.status === 'critical' ? { errorClass: 'tls' as const } : {}) };
      },
    };
  },
};
