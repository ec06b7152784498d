/**
 * The two files a run writes, and how `--resume` picks them up again.
 *
 * Rows are written in walk order, and each batch's errors are written before its points, so
 * after a kill the last complete row of points.csv marks the resume point: every file at or
 * before it is in one of the two files, and every error after it is dropped and found again.
 */
import { rename, rm, stat, truncate } from 'node:fs/promises';
import { comparePaths, csvRecord, UserError } from '@aae-map/shared';
import { CsvAppender, scanCsv } from './csv-file.ts';

export const ERROR_COLUMNS = ['path', 'reason'];

/** Where the bad files of a run are listed: `<out>.errors.csv`. */
export function errorsPathFor(out: string): string {
  return `${out}.errors.csv`;
}

export interface RunOutputs {
  points: CsvAppender;
  errors: ErrorsLog;
  /** The last path already embedded by an earlier run; the walk resumes after it. */
  resumeAfter: string | undefined;
  /** Rows already in points.csv from earlier runs. */
  previousRows: number;
}

/** Appends to `<out>.errors.csv`, creating it with its header on the first error. */
export class ErrorsLog {
  private file: CsvAppender | undefined;
  private buffered = '';
  /** Errors in the file, from earlier runs included. */
  count: number;

  constructor(readonly path: string, existing: number) {
    this.count = existing;
    if (existing > 0) this.file = new CsvAppender(path, 'a');
  }

  add(path: string, reason: string): void {
    this.buffered += csvRecord([path, reason]);
    this.count++;
  }

  flush(): void {
    if (!this.buffered) return;
    if (!this.file) {
      this.file = new CsvAppender(this.path, 'w');
      this.file.write(csvRecord(ERROR_COLUMNS));
    }
    this.file.write(this.buffered);
    this.buffered = '';
  }

  close(): void {
    this.flush();
    this.file?.close();
  }
}

const exists = (file: string) => stat(file).then(() => true, () => false);

/** Opens points.csv (and its errors file) fresh, or after the last complete row with `resume`. */
export async function openOutputs(out: string, columns: string[], resume: boolean): Promise<RunOutputs> {
  const errorsPath = errorsPathFor(out);
  if (!resume || !(await exists(out))) {
    await rm(errorsPath, { force: true });
    const points = new CsvAppender(out, 'w');
    points.write(csvRecord(columns));
    return { points, errors: new ErrorsLog(errorsPath, 0), resumeAfter: undefined, previousRows: 0 };
  }
  let last: string | undefined;
  let badWidth: number | undefined;
  const scan = await scanCsv(out, (fields) => {
    if (fields.length !== columns.length) badWidth ??= fields.length;
    last = fields[0];
  });
  if (scan.header !== undefined && scan.header.join(',') !== columns.join(',')) {
    throw new UserError(`${out} has columns '${scan.header.join(',')}', this run writes '${columns.join(',')}'; resume with the same --style setting or use another --out`);
  }
  if (badWidth !== undefined) throw new UserError(`${out} has a row with ${badWidth} columns, expected ${columns.length}; it was not written by embed (use another --out)`);
  // A kill mid-write leaves a torn last row; cut it so appends start on a record boundary.
  if (scan.validBytes < scan.totalBytes) await truncate(out, scan.validBytes);
  const points = new CsvAppender(out, 'a');
  if (scan.header === undefined) points.write(csvRecord(columns));
  const kept = await keepErrorsUpTo(errorsPath, last);
  return { points, errors: new ErrorsLog(errorsPath, kept), resumeAfter: last, previousRows: scan.rows };
}

/** Rewrites the errors file with only the rows at or before `last`; returns how many remain. */
async function keepErrorsUpTo(file: string, last: string | undefined): Promise<number> {
  if (!(await exists(file))) return 0;
  const tmp = `${file}.${process.pid}.tmp`;
  const copy = new CsvAppender(tmp, 'w');
  let kept = 0;
  try {
    copy.write(csvRecord(ERROR_COLUMNS));
    let pending = '';
    await scanCsv(file, (fields) => {
      if (last === undefined || comparePaths(fields[0] ?? '', last) > 0) return;
      pending += csvRecord(fields);
      kept++;
      if (pending.length > 1 << 20) {
        copy.write(pending);
        pending = '';
      }
    });
    copy.write(pending);
  } finally {
    copy.close();
  }
  if (kept === 0) await rm(tmp, { force: true }).then(() => rm(file, { force: true }));
  else await rename(tmp, file);
  return kept;
}
