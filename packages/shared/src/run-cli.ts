import { UserError } from './user-error.ts';

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
