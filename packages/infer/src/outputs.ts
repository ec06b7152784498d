/**
 * The two files a run writes, and how `--resume` picks them up again.
 *
 * Rows are written in walk order, and each batch's errors are written before its points, so
 * after a kill the last complete row of points.csv marks the resume point: every file at or
 * before it is in one of the two files, and every error after it is dropped and found again.
 */
import { rename, rm, stat, truncate } from 'node:fs/promises';
import { type CellWriter, cellWriter, comparePaths, csvRecord, ERROR_COLUMNS, guardCell, UserError, unguardCell } from '@aae-map/shared';
import { CsvAppender, readCsvHeader, scanCsv } from './csv-file.ts';
import { metaPathFor } from './run-meta.ts';

export { ERROR_COLUMNS };

/** Where the bad files of a run are listed: `<out>.errors.csv`. */
export function errorsPathFor(out: string): string {
  return `${out}.errors.csv`;
}

/** How a run writes its text cells (paths, reasons) and reads them back: verbatim, or guarded with --safe-csv. */
export interface Cells {
  mode: 'plain' | 'guarded';
  write: (text: string) => string;
  read: (cell: string) => string;
}

const same = (s: string) => s;
export const cellsFor = (safeCsv: boolean): Cells =>
  safeCsv ? { mode: 'guarded', write: guardCell, read: unguardCell } : { mode: 'plain', write: same, read: same };

export interface RunOutputs {
  points: CsvAppender;
  errors: ErrorsLog;
  cells: Cells;
  /** The last path already embedded by an earlier run (as read back); the walk resumes after it. */
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

  constructor(
    readonly path: string,
    existing: number,
    private readonly cells: Cells,
  ) {
    this.count = existing;
    if (existing > 0) this.file = new CsvAppender(path, 'a');
  }

  add(path: string, reason: string): void {
    this.buffered += csvRecord([this.cells.write(path), this.cells.write(reason)]);
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

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/** Refuses to go on with a file whose cells show it was written in the other --safe-csv mode. */
function checkSameMode(file: string, writers: ReadonlySet<CellWriter>, cells: Cells): void {
  const written = writers.has('plain') ? 'plain' : writers.has('guarded') ? 'guarded' : undefined;
  if (written === undefined || written === cells.mode) return;
  const was = written === 'guarded' ? 'with' : 'without';
  throw new UserError(`${file} was written ${was} --safe-csv; resume ${was} it too, or drop --resume to start over`);
}

/** What an earlier run left in --out, for --resume. */
export interface EarlierRun {
  header: string[] | undefined;
  rows: number;
  /** The last path embedded, as read back (Cells.read); the walk resumes after it. */
  last: string | undefined;
  /** Byte length of the complete records; a torn tail after it is cut. */
  validBytes: number;
  totalBytes: number;
}

/**
 * Reads what an earlier run left in `out` (undefined when there is no file), refusing one that
 * --resume cannot continue in this mode. Changes nothing, so it may run before the model opens.
 */
export async function readEarlierRun(out: string, cells: Cells): Promise<EarlierRun | undefined> {
  if (!(await exists(out))) return undefined;
  const width = (await readCsvHeader(out))?.length;
  let last: string | undefined;
  let badWidth: number | undefined;
  const writers = new Set<CellWriter>();
  const scan = await scanCsv(out, (fields) => {
    if (fields.length !== width) badWidth ??= fields.length;
    last = fields[0]!;
    writers.add(cellWriter(last));
  });
  if (badWidth !== undefined)
    throw new UserError(`${out} has a row with ${badWidth} columns, expected ${width}; it was not written by embed (use another --out)`);
  checkSameMode(out, writers, cells);
  const earlier = { ...scan, last: last === undefined ? undefined : cells.read(last) };
  const errors = errorsPathFor(out);
  if (await exists(errors)) {
    const kept = new Set<CellWriter>();
    await scanErrorsUpTo(errors, earlier.last, cells, (fields) => kept.add(cellWriter(fields[0]!)));
    checkSameMode(errors, kept, cells);
  }
  return earlier;
}

/**
 * Opens points.csv (and its errors file) fresh, or after the last complete row of `earlier`
 * (readEarlierRun's, with --resume); `positions` orders the members of a tar the run stopped in.
 */
export async function openOutputs(
  out: string,
  columns: string[],
  cells: Cells,
  earlier?: EarlierRun,
  positions?: Positions,
): Promise<RunOutputs> {
  const errorsPath = errorsPathFor(out);
  if (!earlier) {
    // The old run record goes too (embed writes the new one once the file is open): replacing it
    // atomically would need room for both, which a nearly full disk may not have.
    await rm(errorsPath, { force: true });
    await rm(metaPathFor(out), { force: true });
    const points = new CsvAppender(out, 'w');
    points.write(csvRecord(columns));
    return { points, errors: new ErrorsLog(errorsPath, 0, cells), cells, resumeAfter: undefined, previousRows: 0 };
  }
  if (earlier.header !== undefined && earlier.header.join(',') !== columns.join(',')) {
    throw new UserError(
      `${out} has columns '${earlier.header.join(',')}', this run writes '${columns.join(',')}'; resume with the same --style setting or use another --out`,
    );
  }
  const kept = await keepErrorsUpTo(errorsPath, earlier.last, cells, positions);
  // A kill mid-write leaves a torn last row; cut it so appends start on a record boundary.
  if (earlier.validBytes < earlier.totalBytes) await truncate(out, earlier.validBytes);
  const points = new CsvAppender(out, 'a');
  if (earlier.header === undefined) points.write(csvRecord(columns));
  return { points, errors: new ErrorsLog(errorsPath, kept, cells), cells, resumeAfter: earlier.last, previousRows: earlier.rows };
}

/** Where a path is in a run, for the paths that are not in walk order (a tar's members); undefined for the others. */
export type Positions = (path: string) => number | undefined;

/** Whether an errors row is at or before `last` in walk order (none is when `last` is undefined). */
const atOrBefore =
  (last: string | undefined, cells: Cells, positions?: Positions) =>
  (fields: string[]): boolean => {
    if (last === undefined) return false;
    const path = cells.read(fields[0] ?? '');
    const [p, l] = [positions?.(path), positions?.(last)];
    return p !== undefined && l !== undefined ? p <= l : comparePaths(path, last) <= 0;
  };

/** Streams the rows of an errors file at or before `last`. */
function scanErrorsUpTo(file: string, last: string | undefined, cells: Cells, onRow: (fields: string[]) => void) {
  const keep = atOrBefore(last, cells);
  return scanCsv(file, (fields) => {
    if (keep(fields)) onRow(fields);
  });
}

/** Rewrites the errors file with only the rows at or before `last`; returns how many remain. */
const keepErrorsUpTo = (file: string, last: string | undefined, cells: Cells, positions?: Positions) =>
  keepErrors(file, atOrBefore(last, cells, positions));

/** Rewrites the errors file with only the rows `keep` says (by their fields and their index); returns how many remain. */
export async function keepErrors(file: string, keep: (fields: string[], index: number) => boolean): Promise<number> {
  if (!(await exists(file))) return 0;
  const tmp = `${file}.${process.pid}.tmp`;
  const copy = new CsvAppender(tmp, 'w');
  let kept = 0;
  let index = 0;
  try {
    copy.write(csvRecord(ERROR_COLUMNS));
    let pending = '';
    await scanCsv(file, (fields) => {
      if (!keep(fields, index++)) return;
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
