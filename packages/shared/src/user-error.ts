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

/** Runs a CLI action: UserErrors become one line on stderr and their exit code; others rethrow. */
export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    throw err;
  }
}
