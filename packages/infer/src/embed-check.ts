/**
 * `embed-check`: whether the outputs of a sharded run (or any set of embed outputs) account for
 * every file under --input exactly once: embedded in one points file, or listed as bad in one
 * errors file. One pass in walk order: the input's walk beside the outputs' rows merged in
 * walk order (points-reader.ts), so memory holds the errors files and a chunk of each output,
 * not the rows. Optionally the same pass merges the outputs into one file (check-merge.ts).
 */
import { stat } from 'node:fs/promises';
import { csvRecord, shardName, shardOf, walkImageRuns, walkOrderKey } from '@aae-map/shared';
import { UserError } from '@aae-map/shared/cli';
import { MergeWriter } from './check-merge.ts';
import { CsvAppender, readCsvHeader, scanCsv } from './csv-file.ts';
import { type Cells, cellsFor, errorsPathFor } from './outputs.ts';
import { type MergedRow, MergedRows, openPoints, type PointsSource } from './points-reader.ts';
import { differsFrom, type RunMeta, readRunMeta } from './run-meta.ts';

export interface CheckOptions {
  input: string;
  /** The points files of the run's shards. */
  outputs: string[];
  /** Also write the rows of all outputs, in walk order, to this file (only if the check passes). */
  merge?: string;
  /** Write every file's status to this CSV: path,status,outputs. */
  report?: string;
}

export type FileStatus = 'embedded' | 'bad' | 'missing' | 'duplicated' | 'not under --input';

export interface CheckResult {
  /** Entries under --input that a run embeds or lists (images, and entries the walk reports). */
  files: number;
  counts: Record<FileStatus, number>;
  /** Up to EXAMPLES paths of each failing status, with where they were found. */
  examples: Record<FileStatus, string[]>;
  /** Why the outputs do not make one run (other models, shard counts...), whatever the files. */
  problems: string[];
  /** Notes that fail nothing (a shard whose record says it did not finish). */
  notes: string[];
  /** Missing files per shard (K/N), when the outputs are shards: the shards to rerun. */
  missingByShard: Map<string, number>;
  ok: boolean;
}

const EXAMPLES = 10;
const FAILING: FileStatus[] = ['missing', 'duplicated', 'not under --input'];

interface Output {
  file: string;
  meta: RunMeta | undefined;
  cells: Cells;
  label: string;
  source: PointsSource;
}

async function openOutput(file: string): Promise<Output> {
  const s = await stat(file).catch(() => undefined);
  if (!s?.isFile()) throw new UserError(`--outputs ${file} is not a file; give the points files of the shards`);
  const meta = await readRunMeta(file);
  const cells = cellsFor(meta?.safeCsv ?? false);
  const label = meta ? `${file} (${meta.shard ? `shard ${shardName(meta.shard)}` : 'whole folder'})` : file;
  return { file, meta, cells, label, source: await openPoints(file, cells) };
}

/** What makes the outputs not one run, from their records and columns; see CheckResult.problems. */
function runProblems(outputs: Output[]): { problems: string[]; notes: string[]; count: number | undefined } {
  const problems: string[] = [];
  const notes: string[] = [];
  const recorded = outputs.filter((o) => o.meta);
  for (const o of outputs)
    if (!o.meta) notes.push(`${o.file} has no run record (${o.file}.meta.json): its shard and model are not checked`);
  for (const o of recorded) if (!o.meta!.finished) notes.push(`${o.label} did not finish (still running, or stopped)`);
  const first = recorded[0];
  for (const o of recorded.slice(1)) {
    const diff = differsFrom(first!.meta!, o.meta!);
    if (diff) problems.push(`${o.label} was embedded with ${diff}, ${first!.label} not`);
    if (o.meta!.safeCsv !== first!.meta!.safeCsv) problems.push(`${o.label} and ${first!.label} differ in --safe-csv`);
  }
  for (const o of outputs.slice(1))
    if (o.source.columns.join(',') !== outputs[0]!.source.columns.join(','))
      problems.push(`${o.file} has columns ${o.source.columns.join(',')}, ${outputs[0]!.file} ${outputs[0]!.source.columns.join(',')}`);
  const counts = new Set(recorded.map((o) => o.meta!.shard?.count ?? 1));
  if (counts.size > 1) problems.push(`the outputs are shares of different counts: ${recorded.map((o) => o.label).join(', ')}`);
  const count = counts.size === 1 && recorded.every((o) => o.meta!.shard) ? [...counts][0] : undefined;
  if (count !== undefined) {
    const held = new Map<number, string>();
    for (const o of recorded) {
      const k = o.meta!.shard!.index;
      if (held.has(k)) problems.push(`shard ${k}/${count} is in two outputs: ${held.get(k)} and ${o.file}`);
      held.set(k, o.file);
    }
    const absent = Array.from({ length: count }, (_, k) => k).filter((k) => !held.has(k));
    if (absent.length > 0)
      problems.push(`no output holds shard${absent.length > 1 ? 's' : ''} ${absent.map((k) => `${k}/${count}`).join(', ')}`);
  }
  return { problems, notes, count };
}

/** Path → the outputs whose errors files list it, and its cells as the first one wrote them. */
type Errors = Map<string, { from: number[]; fields: string[] }>;

async function readErrors(outputs: Output[]): Promise<Errors> {
  const errors: Errors = new Map();
  for (const [i, o] of outputs.entries()) {
    const file = errorsPathFor(o.file);
    if (!(await stat(file).catch(() => undefined))) continue;
    await scanCsv(file, (fields) => {
      const path = o.cells.read(fields[0] ?? '');
      const seen = errors.get(path);
      if (seen) seen.from.push(i);
      else errors.set(path, { from: [i], fields });
    });
  }
  return errors;
}

const REPORT_COLUMNS = ['path', 'status', 'outputs'];

/** An existing --report file is replaced only if it is a report (its header says so). */
async function checkReport(file: string): Promise<void> {
  const s = await stat(file).catch(() => undefined);
  if (s && s.size > 0 && (await readCsvHeader(file))?.join(',') !== REPORT_COLUMNS.join(','))
    throw new UserError(`--report ${file} already exists and is not a report from embed-check; choose another file`);
}

/** Counts the statuses, keeps examples, and writes the report, one file at a time. */
class Tally {
  readonly counts: Record<FileStatus, number> = { embedded: 0, bad: 0, missing: 0, duplicated: 0, 'not under --input': 0 };
  readonly examples: Record<FileStatus, string[]> = { embedded: [], bad: [], missing: [], duplicated: [], 'not under --input': [] };
  readonly missingByShard = new Map<string, number>();
  private pending = '';

  constructor(
    private readonly outputs: Output[],
    private readonly shards: number | undefined,
    private readonly report: CsvAppender | undefined,
  ) {
    report?.write(csvRecord(REPORT_COLUMNS));
  }

  add(path: string, status: FileStatus, from: number[]): void {
    this.counts[status]++;
    const where = from.map((i) => this.outputs[i]!.label);
    if (status === 'missing' && this.shards !== undefined) {
      const k = `${shardOf(path, this.shards)}/${this.shards}`;
      this.missingByShard.set(k, (this.missingByShard.get(k) ?? 0) + 1);
      where.push(`shard ${k}'s share`);
    }
    if (FAILING.includes(status) && this.examples[status].length < EXAMPLES)
      this.examples[status].push(`${path}${where.length ? `: ${where.join(', ')}` : ''}`);
    if (!this.report) return;
    this.pending += csvRecord([path, status, where.join('; ')]);
    if (this.pending.length > 1 << 20) this.flush();
  }

  flush(): void {
    this.report?.write(this.pending);
    this.pending = '';
  }
}

/** Takes the rows before `key` (all that are left, without one): rows for files the walk does not have. */
async function foreignBefore(rows: MergedRows, tally: Tally, key: string | undefined): Promise<void> {
  for (let r = rows.peek(); r && (key === undefined || r.key < key); r = rows.peek()) {
    await rows.take();
    tally.add(r.path, 'not under --input', [r.from]);
  }
}

/** Accounts for one file of the input: takes its rows and its errors-file listings. */
async function accountFor(path: string, rows: MergedRows, errors: Errors, tally: Tally, merge: MergeWriter | undefined): Promise<void> {
  const key = walkOrderKey(path);
  await foreignBefore(rows, tally, key);
  const found: MergedRow[] = [];
  while (rows.peek()?.key === key) found.push((await rows.take())!);
  const listed = errors.get(path);
  errors.delete(path);
  const from = [...found.map((r) => r.from), ...(listed?.from ?? [])];
  const status: FileStatus = from.length === 0 ? 'missing' : from.length > 1 ? 'duplicated' : found.length ? 'embedded' : 'bad';
  tally.add(path, status, from);
  if (status === 'embedded') merge?.row(found[0]!.fields);
  else if (status === 'bad') merge?.error(listed!.fields);
}

/** The one pass: every entry of the input that a run embeds or lists, in walk order, beside the rows. Returns how many. */
async function walkAndAccount(input: string, rows: MergedRows, errors: Errors, tally: Tally, merge: MergeWriter | undefined) {
  let files = 0;
  for await (const run of walkImageRuns(input)) {
    for (const e of run) {
      if (e.kind === 'ignored' || e.path === '') continue;
      files++;
      await accountFor(e.path, rows, errors, tally, merge);
    }
  }
  await foreignBefore(rows, tally, undefined);
  for (const [path, { from }] of errors) tally.add(path, 'not under --input', from);
  return files;
}

/** Checks the outputs against the input; see the file comment. Writes --merge only when the check passes. */
export async function checkRun(o: CheckOptions): Promise<CheckResult> {
  if (o.outputs.length === 0) throw new UserError('--outputs matched no points files; give the files (or a pattern) the shards wrote');
  const outputs = await Promise.all(o.outputs.map(openOutput));
  const { problems, notes, count } = runProblems(outputs);
  const errors = await readErrors(outputs);
  if (o.report) await checkReport(o.report);
  const merge = o.merge ? await MergeWriter.open(o.merge, o.input, outputs[0]!.source.columns, o.outputs) : undefined;
  try {
    const report = o.report ? new CsvAppender(o.report, 'w') : undefined;
    const tally = new Tally(outputs, count, report);
    let files: number;
    try {
      files = await walkAndAccount(o.input, await MergedRows.open(outputs.map((x) => x.source)), errors, tally, merge);
    } finally {
      tally.flush();
      report?.close();
    }
    const ok = problems.length === 0 && FAILING.every((s) => tally.counts[s] === 0);
    await (ok ? merge?.finish(outputs[0]!.meta) : merge?.abandon());
    return { files, counts: tally.counts, examples: tally.examples, problems, notes, missingByShard: tally.missingByShard, ok };
  } catch (err) {
    await merge?.abandon();
    throw err;
  }
}
