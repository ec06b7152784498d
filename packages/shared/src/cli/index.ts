/**
 * `@aae-map/shared/cli`: what the command-line wrappers need before they know what to run, kept
 * apart from the package's main entry so that `--help` loads no decoder, model reader or sharp.
 */

export { Option } from 'commander';
export * from './args.ts';
export * from './program.ts';
export { runCli } from './run-cli.ts';
export { firstLine, UserError } from './user-error.ts';
