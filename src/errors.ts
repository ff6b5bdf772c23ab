/**
 * Coded errors: every error a user or an admin can meet has a stable code (documented, shown
 * in the UI and the logs) and a plain-words message that says what to do.
 */

/** An error Latchkey knows how to explain. `code` never changes once released. */
export class LatchkeyError extends Error {
  override readonly name = 'LatchkeyError';

  constructor(
    /** Stable machine id, e.g. `LK_DIRECTORY_UNREACHABLE`. */
    readonly code: string,
    message: string,
    /** HTTP status the web layer answers with. */
    readonly status: number,
    /** Extra facts for logs and callers; never a secret. */
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A factory for one kind of coded error, in the manner of Fastify's `createError`. */
export interface ErrorFactory<Details extends Record<string, unknown>> {
  (details: Details, options?: { cause?: unknown }): LatchkeyError;
  readonly code: string;
  /** The HTTP status its errors carry. */
  readonly status: number;
  /** True when `error` was made by this factory. */
  is(error: unknown): error is LatchkeyError & { details: Details };
}

/**
 * Declares an error kind. `message` may be a function of the details so that the text names
 * what went wrong (an attribute, a rule, a server).
 */
export function createError<Details extends Record<string, unknown> = Record<string, never>>(
  code: string,
  message: string | ((details: Details) => string),
  status: number,
): ErrorFactory<Details> {
  const make = (details: Details, options?: { cause?: unknown }) =>
    new LatchkeyError(code, typeof message === 'function' ? message(details) : message, status, details, options);
  return Object.assign(make, {
    code,
    status,
    is: (error: unknown): error is LatchkeyError & { details: Details } => error instanceof LatchkeyError && error.code === code,
  });
}
