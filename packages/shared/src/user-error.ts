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

/** What went wrong, and what to do about it, for the system error codes a file path meets. */
const SYSTEM_ERRORS: Record<string, [reason: string, advice: string]> = {
  ENOENT: ['no such file or folder', 'check the path'],
  ENOTDIR: ['a part of the path is not a folder', 'check the path'],
  EISDIR: ['it is a folder', 'give a file name'],
  EEXIST: ['it already exists', 'remove it or choose another path'],
  EACCES: ['permission denied', 'check its permissions or choose another path'],
  EPERM: ['operation not permitted', 'check its permissions or choose another path'],
  EROFS: ['read-only file system', 'choose a path on a writable file system'],
  ENOSPC: ['no space left on the device', 'free some space or choose another disk'],
  EDQUOT: ['disk quota exceeded', 'free some space or choose another disk'],
  EMFILE: ['too many open files', "raise the open-file limit ('ulimit -n')"],
  ENFILE: ['too many open files on the system', 'close other programs and run again'],
  ENAMETOOLONG: ['the name is too long', 'choose a shorter path'],
  ELOOP: ['too many symbolic links', 'check the links on the path'],
  EIO: ['input/output error', 'check the disk'],
};

type SystemError = Error & { code: string; path?: string; dest?: string; syscall?: string };

/** Node's system errors (fs and the like) carry a string `code` such as 'ENOENT'. */
function isSystemError(err: unknown): err is SystemError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && /^E[A-Z]+$/.test((err as SystemError).code);
}

/** 'read-only file system (EROFS); choose a path on a writable file system', or undefined for other errors. */
export function describeSystemError(err: unknown): string | undefined {
  if (!isSystemError(err)) return undefined;
  const known = SYSTEM_ERRORS[err.code];
  // Node's own message reads 'EXDEV: cross-device link not permitted, rename ...'.
  const reason = known?.[0] ?? err.message.replace(/^E[A-Z]+: /, '').replace(/,.*$/s, '');
  return `${reason} (${err.code})${known ? `; ${known[1]}` : ''}`;
}

/** One line for a system error: the operation, the path (and destination), the reason, the advice. */
function systemErrorLine(err: SystemError): string {
  const op = err.syscall ? `cannot ${err.syscall}` : 'failed on';
  const where = err.path === undefined ? '' : ` ${err.path}${err.dest === undefined ? '' : ` to ${err.dest}`}`;
  return `${op}${where}: ${describeSystemError(err)}`;
}

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
