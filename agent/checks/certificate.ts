// Certificate expiry, shared by the tls, cert_file and http checks: the certificate that
// expires first decides (a leaf renewed on time behind an intermediate that lapses still
// breaks every client), and the summary names it and its date so the ticket says what to renew.

import type { CheckOutcome } from './check.js';

export interface CertInfo {
  /** "CN=his.hospital.local", or the first name the certificate has. */
  subject: string;
  validTo: Date;
}

export interface ExpiryThresholds {
  warningDays: number;
  criticalDays: number;
}

export const expiryProperties = {
  warning_days: { type: 'number', minimum: 0, default: 30, description: 'Fewer days left than this is a warning.' },
  critical_days: { type: 'number', minimum: 0, default: 7, description: 'Fewer days left than this is critical; an expired certificate always is.' },
} as const;

const DAY_MS = 86_400_000;

/** "CN=x" from a subject as X509Certificate prints it ("C=CN\nO=Hospital\nCN=x") or as an object. */
export function subjectName(subject: string | Record<string, unknown> | undefined): string {
  if (!subject) return 'unnamed certificate';
  const parts: Array<[string, string]> =
    typeof subject === 'string'
      ? subject.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string])
      : Object.entries(subject).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : String(v)] as [string, string]);
  const cn = parts.find(([k]) => k === 'CN');
  const chosen = cn ?? parts.find(([k, v]) => k && v);
  return chosen ? `${chosen[0]}=${chosen[1]}`.slice(0, 120) : 'unnamed certificate';
}

export function daysLeft(validTo: Date, now: number): number {
  return Math.round(((validTo.getTime() - now) / DAY_MS) * 10) / 10;
}

/** The outcome for a set of certificates (a chain, a bundle): the one that expires first decides. */
export function expiryOutcome(certs: CertInfo[], now: number, t: ExpiryThresholds, where: string): CheckOutcome {
  const first = [...certs].sort((a, b) => a.validTo.getTime() - b.validTo.getTime())[0];
  if (!first || Number.isNaN(first.validTo.getTime())) return { status: 'unknown', summary: `${where}: no certificate with an expiry date` };
  const left = daysLeft(first.validTo, now);
  const date = first.validTo.toISOString().slice(0, 10);
  const fields = { days_left: left };
  if (left <= 0) return { status: 'critical', summary: `${where}: ${first.subject} expired on ${date} (${Math.abs(Math.trunc(left))} days ago)`, fields };
  const days = left < 1 ? 'less than a day' : `${Math.floor(left)} days`;
  const status = left < t.criticalDays ? 'critical' : left < t.warningDays ? 'warning' : 'ok';
  return { status, summary: `${where}: ${first.subject} expires on ${date} (${days})`, fields };
}
