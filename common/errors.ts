// Errors a person caused and can fix (a bad file, a port in use): the CLI prints their lines
// and exits non-zero, never with a stack trace.

import { formatError, type FileError } from './yaml-file.js';

export class UserError extends Error {
  constructor(
    message: string,
    readonly lines: string[] = [],
  ) {
    super(message);
    this.name = 'UserError';
  }

  static fromFileErrors(message: string, errors: FileError[]): UserError {
    return new UserError(message, errors.map(formatError));
  }
}
