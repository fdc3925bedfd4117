// One word for why a network check failed, from Node's error codes. Every check type uses this
// one classifier, so "connection refused" is `refused` whether a TCP, HTTP, HL7 or database
// probe met it, and the correlator can see that forty checks on forty machines are all failing
// against the same target for the same reason.

import type { ErrorClass } from '../../protocol/schema.js';

const BY_CODE: Record<string, ErrorClass> = {
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ABORT_ERR: 'timeout',
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
  EAI_FAIL: 'dns',
  ESERVFAIL: 'dns',
  ENODATA: 'dns',
  ECONNRESET: 'reset',
  ECONNABORTED: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  PROTOCOL_CONNECTION_LOST: 'reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ERR_INVALID_HTTP_RESPONSE: 'protocol',
  UND_ERR_RESPONSE_STATUS_CODE: 'http-status',
};

/** OpenSSL and Node's certificate codes: every one is a TLS failure. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET_ISSUER|DECRYPT)|ERR_OSSL_)/;

/** An errno-like code as drivers quote it in their messages ("connect ECONNREFUSED 10.1.2.3:5432"). */
const CODE_IN_TEXT = /\b(E[A-Z]{3,}|EAI_[A-Z]+|UND_ERR_[A-Z_]+|ERR_TLS_[A-Z_]+|ERR_SSL_[A-Z_]+|PROTOCOL_[A-Z_]+)\b/g;

/** The class of one code, or undefined for a code this catalogue does not know. */
export function classOfCode(code: string | undefined): ErrorClass | undefined {
  if (!code) return undefined;
  const known = BY_CODE[code];
  if (known) return known;
  if (TLS_CODE.test(code)) return 'tls';
  if (code.startsWith('HPE_')) return 'protocol'; // llhttp: the peer's answer is not HTTP
  return undefined;
}

function codesOf(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 4) return [];
  const e = err as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  const out: string[] = [];
  if (typeof e.code === 'string') out.push(e.code);
  // Happy eyeballs and dual-stack connects fail with an AggregateError of one error per address.
  if (Array.isArray(e.errors)) for (const inner of e.errors) out.push(...codesOf(inner, depth + 1));
  // fetch wraps the socket's error: TypeError("fetch failed") with the real one as its cause.
  out.push(...codesOf(e.cause, depth + 1));
  if (e.name === 'TimeoutError' || e.name === 'AbortError') out.push('ABORT_ERR');
  return out;
}

/**
 * Why this error happened, as one of the protocol's error classes. Looks at the error's code,
 * its cause and the errors it aggregates, then at a code quoted in its message, and says
 * `other` when none of them is known.
 */
export function errorClassOf(err: unknown): ErrorClass {
  for (const code of codesOf(err)) {
    const cls = classOfCode(code);
    if (cls) return cls;
  }
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  for (const m of message.matchAll(CODE_IN_TEXT)) {
    const quoted = classOfCode(m[1]);
    if (quoted) return quoted;
  }
  if (/\btimed? ?out\b/i.test(message)) return 'timeout';
  if (/certificate|ssl|tls/i.test(message)) return 'tls';
  return 'other';
}
