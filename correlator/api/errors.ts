// Every error the API answers with, in one catalogue: a stable code (what clients match on),
// the HTTP status, and what it means. README.md documents each; a test keeps the two equal.

export const API_ERRORS = {
  'bad-json': { status: 400, meaning: 'The body is not valid JSON.' },
  'bad-request': { status: 400, meaning: 'The body or a parameter does not match what the endpoint expects; the message names the field.' },
  'token-missing': { status: 401, meaning: 'No `Authorization: Bearer <token>` header.' },
  'token-invalid': { status: 401, meaning: 'The token is unknown, revoked or expired.' },
  forbidden: { status: 403, meaning: 'The token\'s role may not do this (viewer < operator < admin).' },
  'not-found': { status: 404, meaning: 'No such ticket, incident, silence or endpoint.' },
  'not-owner': { status: 403, meaning: 'Only the ticket\'s owner (or an admin) can hand it over.' },
  'invalid-state': { status: 409, meaning: 'The ticket\'s state does not allow this (acknowledging a resolved ticket, closing twice).' },
  'body-too-large': { status: 413, meaning: 'The body is larger than `api.body_limit`.' },
  'unsupported-media-type': { status: 415, meaning: 'Bodies must be `application/json`.' },
  unavailable: { status: 503, meaning: 'The correlator is stopping or its store is not answering; retry.' },
  internal: { status: 500, meaning: 'A bug; the correlator logged it and kept running.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return API_ERRORS[this.code].status;
  }

  body(): { error: { code: ApiErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}
