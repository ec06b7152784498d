/**
 * An error caused by the user's input (bad flag, missing or corrupt file, wrong model).
 * CLIs print its message as one line and exit with `exitCode` instead of a stack trace.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** The first line of an error's message (or of whatever was thrown), for one-line reports. */
export const firstLine = (err: unknown): string => String((err as Error)?.message ?? err).split('\n')[0]!;
