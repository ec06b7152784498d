/**
 * Node's system errors (a missing file, a full disk, a read-only folder) as one line for a person:
 * the operation, the path, the reason and what to do.
 */
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
export function isSystemError(err: unknown): err is SystemError {
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
export function systemErrorLine(err: SystemError): string {
  const op = err.syscall ? `cannot ${err.syscall}` : 'failed on';
  const where = err.path === undefined ? '' : ` ${err.path}${err.dest === undefined ? '' : ` to ${err.dest}`}`;
  return `${op}${where}: ${describeSystemError(err)}`;
}
