/**
 * What every CLI does the same way: commander's usage errors and --help exit with the project's
 * codes (2 for a usage error, as for bad input), errors stay one line (no "did you mean"), and
 * the action runs under runCli, which turns a UserError into one line and its exit code.
 */
import { Command } from 'commander';
import { runCli } from './run-cli.ts';

/** A commander program named `name`, described by `description`, with the project's exit codes. */
export function cliProgram(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .showSuggestionAfterError(false)
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
}

const helpBlock = (heading: string, lines: string[]) => `\n${heading}:\n${lines.map((l) => `  ${l}`).join('\n')}`;

/** `--help`'s closing lines for one worked example: commands to run in order, one a line. */
export const example = (...lines: string[]): string => helpBlock('Example', lines);

/** `--help`'s closing lines for several independent examples, one a line. */
export const examples = (...lines: string[]): string => helpBlock('Examples', lines);

/** An action for `program.action`, run under runCli. */
export function action<A extends unknown[]>(run: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return (...args) => runCli(() => run(...args));
}
