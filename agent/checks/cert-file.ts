// Certificate files on disk (PEM bundles or DER): the web server's certificate, the client
// certificate a lab analyzer interface or the insurance front end presents, a CA bundle. Read
// in-process with X509Certificate; the certificate in the file that expires first decides.

import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FromSchema } from 'json-schema-to-ts';
import { expiryOutcome, expiryProperties, subjectName, type CertInfo } from './certificate.js';
import { commonCheckProperties, type CheckOutcome, type CheckType } from './check.js';

export const certFileCheckSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'path'],
  properties: {
    ...commonCheckProperties,
    type: { const: 'cert_file', description: 'Days until a certificate file (PEM bundle or DER) expires.' },
    path: { type: 'string', minLength: 1, description: 'Certificate file; relative paths are relative to the agent\'s working directory.' },
    ...expiryProperties,
  },
} as const;

export type CertFileCheckSpec = FromSchema<typeof certFileCheckSchema, { keepDefaultedPropertiesOptional: true }>;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** Every certificate in a file: each PEM block, or the whole file as DER. Throws on anything else. */
export function certificatesIn(data: Buffer): CertInfo[] {
  const text = data.toString('latin1');
  const blocks = text.match(PEM_BLOCK);
  const raw: Array<string | Buffer> = blocks ?? [data];
  return raw.map((b) => {
    const cert = new X509Certificate(b);
    return { subject: subjectName(cert.subject), validTo: new Date(cert.validTo) };
  });
}

export const certFileCheck: CheckType<CertFileCheckSpec> = {
  schema: certFileCheckSchema,
  create(spec) {
    const thresholds = { warningDays: spec.warning_days ?? 30, criticalDays: spec.critical_days ?? 7 };
    const target = `file:${spec.path}`;
    return {
      name: spec.name,
      type: 'cert_file',
      async run(): Promise<CheckOutcome> {
        let data: Buffer;
        try {
          data = await readFile(spec.path);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(code);
          return { status: 'critical', summary: `cannot read ${spec.path}: ${why}`, target };
        }
        let certs: CertInfo[];
        try {
          certs = certificatesIn(data);
        } catch {
          return { status: 'unknown', summary: `${spec.path} holds no certificate this agent can read (PEM or DER expected)`, target };
        }
        return { ...expiryOutcome(certs, Date.now(), thresholds, spec.path), target };
      },
    };
  },
};
