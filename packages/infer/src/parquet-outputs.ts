/**
 * `--out points.parquet`: rows are committed in parts, `<out>.parts/NNNNN.parquet`, one row group
 * each, every one written to a temp file and renamed, so a kill (even SIGKILL) leaves only whole
 * parts. At the end the parts are joined into `<out>` (a temp file renamed over it) and the
 * folder is removed.
 *
 * Each part (and the joined file) records in its key-value metadata where the run stood at its
 * last row: the last path handled, the source entries read (a list resumes by count, since its
 * order is not the paths' order) and the rows in the errors file. A part holds whole batches, and
 * a batch's errors are written before its points, so --resume keeps exactly that many error rows.
 */
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { bestCluster, type PointOutputs, UserError, writeFileAtomicSync } from '@aae-map/shared';
import type { KeyValue } from '@aae-map/shared/parquet';
import { type Cells, ErrorsLog, errorsPathFor, keepErrors } from './outputs.ts';
import { columnNames, encodePoints, joinParquet, metaValue, POINTS_KEY, readParquetMeta } from './parquet-file.ts';

export { isPointsParquet, readParquetMeta, readParquetPoints } from './parquet-file.ts';

import { columnsFor, DEFAULT_ROW_GROUP, type PointsSink, type RowShape } from './points-sink.ts';
import type { Batch } from './walk-batches.ts';

const AFTER = 'aae_map_after';
const ENTRIES = 'aae_map_entries';
const ERRORS = 'aae_map_errors';

export const partsDirFor = (out: string) => `${out}.parts`;
const PART = /^\d{5,}\.parquet$/;
/** writeFileAtomicSync's temp files, left by a kill mid-write. */
const PART_TMP = /^\.\d{5,}\.parquet\.\d+\.\d+\.tmp$/;
const partName = (n: number) => `${String(n).padStart(5, '0')}.parquet`;

/** Where a run stood after its last committed row. */
interface Position {
  after: string | undefined;
  entries: number;
  errors: number;
}

export interface EarlierParts extends Position {
  rows: number;
  columns: string[] | undefined;
  /** <out> is complete and the parts folder a leftover of joining it. */
  joined: boolean;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Refuses a parts folder that is not a folder, or holds what embed did not write. */
export async function checkPartsFolder(out: string): Promise<void> {
  const dir = partsDirFor(out);
  const s = await stat(dir).catch(() => undefined);
  if (s && !s.isDirectory()) throw new UserError(`${dir}, where --out's parts go, is not a folder; move it away or choose another --out`);
  await listParts(dir);
}

/** The part files of a parts folder, in order; refuses a folder that holds anything else. */
export async function listParts(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  const stranger = names.find((n) => !PART.test(n) && !PART_TMP.test(n));
  if (stranger !== undefined)
    throw new UserError(`${dir} holds ${stranger}, which embed did not write; move the folder away or choose another --out`);
  return partFiles(dir, names);
}

/** The parts among a folder's `names`, in order (by number: a run may pass part 99999). */
const partFiles = (dir: string, names: string[]) =>
  names
    .filter((n) => PART.test(n))
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
    .map((n) => join(dir, n));

function positionOf(file: string): Position & { rows: number; columns: string[] } {
  const meta = readParquetMeta(file);
  if (!meta) throw new UserError(`${file} is not a Parquet file from embed; move it away, or drop --resume to start over`);
  const count = (key: string) => Number(metaValue(meta, key) ?? 0);
  return {
    after: metaValue(meta, AFTER),
    entries: count(ENTRIES),
    errors: count(ERRORS),
    rows: Number(meta.num_rows),
    columns: columnNames(meta),
  };
}

/** What an earlier run left in `out` and its parts folder (undefined: nothing); changes nothing. */
export async function readEarlierParts(out: string): Promise<EarlierParts | undefined> {
  const parts = await listParts(partsDirFor(out));
  const joined = await exists(out);
  // A kill between the rename of <out> and the removal of the parts leaves both: <out> has them all.
  const files = joined ? [out] : parts;
  if (files.length === 0) return undefined;
  const all = files.map(positionOf);
  const last = all.at(-1)!;
  return { ...last, rows: all.reduce((n, p) => n + p.rows, 0), columns: all[0]!.columns, joined: joined && parts.length > 0 };
}

/** Opens a Parquet --out fresh, or after the parts of `earlier` (readEarlierParts'). */
export async function openParquetOutputs(out: string, shape: RowShape, cells: Cells, earlier?: EarlierParts, rowGroup = DEFAULT_ROW_GROUP) {
  const dir = partsDirFor(out);
  const errorsPath = errorsPathFor(out);
  const columns = columnsFor(shape);
  if (earlier?.columns && earlier.columns.join(',') !== columns.join(',')) {
    throw new UserError(
      `${out} has columns '${earlier.columns.join(',')}', this run writes '${columns.join(',')}'; resume with the same --style setting or use another --out`,
    );
  }
  if (!earlier) {
    await rm(out, { force: true });
    await rm(dir, { recursive: true, force: true });
    await rm(errorsPath, { force: true });
  } else if (earlier.joined) {
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  for (const n of await readdir(dir)) if (PART_TMP.test(n)) await rm(join(dir, n), { force: true });
  // A finished <out> goes on as the first part, so that the rows after it join it at the end.
  if (await exists(out)) await rename(out, join(dir, partName(0)));
  const kept = earlier ? await keepErrors(errorsPath, (_fields, i) => i < earlier.errors) : 0;
  const next = (await listParts(dir)).length;
  const start: Position = { after: earlier?.after, entries: earlier?.entries ?? 0, errors: kept };
  return {
    points: new ParquetSink(out, shape, rowGroup, next, start),
    errors: new ErrorsLog(errorsPath, kept, cells),
    resumeAfter: earlier?.after,
    skip: earlier?.entries,
    previousRows: earlier?.rows ?? 0,
  };
}

const kvOf = (p: Position): KeyValue[] => [
  ...(p.after === undefined ? [] : [{ key: AFTER, value: p.after }]),
  { key: ENTRIES, value: String(p.entries) },
  { key: ERRORS, value: String(p.errors) },
];

/** Collects rows column by column and commits them a part at a time. */
class ParquetSink implements PointsSink {
  private path: string[] = [];
  private nums: number[][] = [[], [], [], []];
  private z: number[][];
  /** Batches added since the last part. */
  private pending = 0;

  constructor(
    private readonly out: string,
    private readonly shape: RowShape,
    private readonly rowGroup: number,
    private next: number,
    private position: Position,
  ) {
    this.z = Array.from({ length: shape.withStyle ? shape.styleDim : 0 }, () => []);
  }

  add(batch: Batch, ok: readonly number[], out: PointOutputs | undefined, errors: number): void {
    const { clusters, styleDim } = this.shape;
    for (let i = 0; i < ok.length && out; i++) {
      const c = bestCluster(out.clusterProb, i, clusters);
      this.path.push(batch.paths[ok[i]!]!);
      const row = [out.point[2 * i]!, out.point[2 * i + 1]!, out.clusterProb[i * clusters + c]!, c];
      for (let k = 0; k < 4; k++) this.nums[k]!.push(row[k]!);
      for (let k = 0; k < this.z.length; k++) this.z[k]!.push(out.style[i * styleDim + k]!);
    }
    this.position = { after: batch.last ?? this.position.after, entries: batch.end, errors };
    this.pending++;
    if (this.path.length >= this.rowGroup) this.commit();
  }

  /** Writes the rows collected so far as the next part. */
  private commit(): void {
    const [x, y, confidence, cluster] = this.nums as [number[], number[], number[], number[]];
    const bytes = encodePoints(
      {
        path: this.path,
        x: Float32Array.from(x),
        y: Float32Array.from(y),
        confidence: Float32Array.from(confidence),
        cluster: Int32Array.from(cluster),
        z: this.z.map((c) => Float32Array.from(c)),
      },
      kvOf(this.position),
    );
    writeFileAtomicSync(join(partsDirFor(this.out), partName(this.next++)), bytes);
    this.path = [];
    this.nums = [[], [], [], []];
    this.z = this.z.map(() => []);
    this.pending = 0;
  }

  async finish(): Promise<void> {
    const dir = partsDirFor(this.out);
    if (this.pending > 0 || this.next === 0) this.commit();
    const tmp = join(dirname(this.out), `.${basename(this.out)}.${process.pid}.tmp`);
    try {
      joinParquet(partFiles(dir, readdirSync(dir)), tmp, [{ key: POINTS_KEY, value: '1' }, ...kvOf(this.position)]);
      renameSync(tmp, this.out);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    rmSync(dir, { recursive: true, force: true });
  }

  close(): void {}
}
