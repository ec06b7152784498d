import { isSystemError, systemErrorLine } from './system-error.ts';
import { UserError } from './user-error.ts';

/**
 * Runs a CLI action. UserErrors become one line on stderr and their exit code; so do system
 * errors (a full disk, a read-only folder: exit code 2), with the stack too under DEBUG=1.
 * Anything else is a bug and rethrows.
 */
export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof UserError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    if (isSystemError(err)) {
      process.stderr.write(`error: ${systemErrorLine(err)}\n`);
      if (process.env.DEBUG === '1') process.stderr.write(`${err.stack}\n`);
      process.exit(2);
    }
    throw err;
  }
}
