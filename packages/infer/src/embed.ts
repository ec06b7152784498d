/**
 * `embed`: walk a folder, decode in worker threads, run the model, append rows to points.csv.
 *
 * The walk streams and batches decode a few ahead of the model (pipeline.ts): the main thread
 * runs inference on batch k while the workers decode k+1, k+2, ...
 */
import { describeInput, MAX_SHARDS, Progress, type ShardSpec, shardName, UserError } from '@aae-map/shared';
import type { DecodeResult } from '@aae-map/shared/decode';
import { DecodePool } from './decode-pool.ts';
import { checkResumePoint, type InputSource, resolveInput, tarPositions } from './input-source.ts';
import { checkOutputPaths } from './output-paths.ts';
import { type Cells, cellsFor } from './outputs.ts';
import { type Batch, decodeInOrder } from './pipeline.ts';
import { type Earlier, earlierLast, type Outputs, openPointsOutput, readEarlier } from './points-output.ts';
import { DEFAULT_ROW_GROUP, isParquetOut, MAX_ROW_GROUP } from './points-sink.ts';
import { checkResumeMeta, checkSiblings, type RunMeta, readRunMeta, runMetaFor, writeRunMeta } from './run-meta.ts';
import { type Device, type EmbedModel, openModel } from './runtime.ts';
import { DEFAULT_BATCH, defaultThreads, MAX_BATCH, maxThreads } from './thread-split.ts';
import { handled } from './walk-batches.ts';

export interface EmbedOptions {
  /** Folder of images, walked recursively (a .tar in it is read as a shard), or one .tar shard. */
  input?: string | undefined;
  /** Instead of `input`: a file of image (or .tar) paths, one a line, relative to its folder; '-' reads standard input. */
  inputList?: string | undefined;
  /** The points CSV to write; a name ending in .parquet writes Parquet (parquet-outputs.ts). */
  out: string;
  /** With a .parquet `out`: rows per row group, each committed as a part as the run goes. @default DEFAULT_ROW_GROUP */
  rowGroup?: number;
  /** ONNX model from `pnpm export`. @default 'model.onnx' */
  model?: string;
  /** Images per inference call. @default 1024 */
  batch?: number;
  /**
   * onnxruntime intra-op threads; 0 lets onnxruntime choose. Once every batch is decoded, the
   * rest run on threads + workers threads (the decoders' cores are free then).
   * @default defaultThreads().threads (1 on 2 cores)
   */
  threads?: number;
  /** @default 'auto' */
  device?: Device;
  /** Add the style vector as columns z0..z{d-1}. @default false */
  style?: boolean;
  /** Also draw the map to this PNG. @default undefined (no plot) */
  plot?: string;
  /** Keep the rows already in `out` and embed only the files after them. @default false */
  resume?: boolean;
  /** Replace `out` and `plot` even when embed did not write them (output-paths.ts). @default false */
  overwrite?: boolean;
  /**
   * Put a ' before paths (and error reasons) that start with = + - @ tab CR or ', so that
   * spreadsheets do not run them as formulas; drop one leading ' to get the name back.
   * @default false (cells verbatim, RFC 4180)
   */
  safeCsv?: boolean;
  /** Decode worker threads. @default defaultThreads().workers (1 on 2 cores) */
  workers?: number;
  /** Images of more pixels, and files of more than 4 bytes a pixel of it, are skipped. @default DEFAULT_MAX_PIXELS (100 million) */
  maxPixels?: number;
  /**
   * Embed only this share of the input: the files whose path hashes to `index` mod `count`
   * (shared's shard.ts), so that `count` runs together embed each file once. @default undefined (all)
   */
  shard?: ShardSpec;
  /** Said on `log` once the run is accepted: where the shard came from (embed --shard auto). @default `shard K/N` */
  shardSource?: string;
  /** Convert images whose colour differs from the model's (shared's decode/colour.ts) instead of listing them as bad. @default false */
  convertColour?: boolean;
  /** Where progress and bad files are reported. @default process.stderr */
  log?: NodeJS.WriteStream;
}

export interface EmbedSummary {
  /** Files embedded by this run. */
  embedded: number;
  /** Files this run could not use (listed in errorsFile). */
  skipped: number;
  /** Files without an image extension, left alone. */
  ignored: number;
  /** Rows already in `out` from an earlier run (with resume). */
  previous: number;
  /** Rows in the errors file, earlier runs included; 0 when there is no file. */
  errorsTotal: number;
  errorsFile: string;
  seconds: number;
  filesPerSecond: number;
  /** The execution provider that ran the model. */
  device: 'cpu' | 'cuda' | 'webgpu';
}

export { DEFAULT_BATCH, MAX_BATCH };

/** The flags' ranges and combinations, before any file is touched. */
export function checkOptions(o: EmbedOptions): void {
  const batch = o.batch ?? DEFAULT_BATCH;
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH)
    throw new UserError(`--batch must be an integer from 1 to ${MAX_BATCH}, got ${batch}`);
  const max = maxThreads();
  const cap = `at most ${max} (4 per core here)`;
  const threads = o.threads ?? 0;
  if (!Number.isInteger(threads) || threads < 0 || threads > max)
    throw new UserError(`--threads must be a whole number (0 = let onnxruntime choose), ${cap}, got ${threads}`);
  if (o.workers !== undefined && (!Number.isInteger(o.workers) || o.workers < 1 || o.workers > max))
    throw new UserError(`--workers must be a positive integer, ${cap}, got ${o.workers}`);
  if (o.overwrite && o.resume) throw new UserError('--overwrite starts --out over and --resume keeps its rows; pass only one of them');
  if (o.maxPixels !== undefined && (!Number.isSafeInteger(o.maxPixels) || o.maxPixels < 1))
    throw new UserError(`--max-pixels must be a positive whole number, got ${o.maxPixels}`);
  const rowGroup = o.rowGroup ?? DEFAULT_ROW_GROUP;
  if (!Number.isInteger(rowGroup) || rowGroup < 1 || rowGroup > MAX_ROW_GROUP)
    throw new UserError(`--row-group must be an integer from 1 to ${MAX_ROW_GROUP}, got ${rowGroup}`);
  if (o.resume && o.inputList !== undefined && !isParquetOut(o.out))
    throw new UserError('--resume with --input-list needs a .parquet --out (its parts record how far into the list the run got)');
  const s = o.shard;
  if (
    s &&
    !(Number.isInteger(s.count) && s.count >= 1 && s.count <= MAX_SHARDS && Number.isInteger(s.index) && s.index >= 0 && s.index < s.count)
  )
    throw new UserError(`--shard must be K/N with N from 1 to ${MAX_SHARDS} and K from 0 to N-1, got ${s.index}/${s.count}`);
}

/**
 * Whatever can refuse a run without the model, so that a refusal comes before any work: the
 * flags, --input, the output paths, and with --resume what the earlier run left.
 */
async function checkBeforeWork(
  opts: EmbedOptions,
  model: string,
): Promise<{ cells: Cells; earlier: Earlier | undefined; source: InputSource; meta: RunMeta }> {
  checkOptions(opts);
  const source = await resolveInput(opts);
  await checkOutputPaths({ ...opts, input: source.protect, model, overwrite: opts.overwrite ?? false, resume: opts.resume ?? false });
  const cells = cellsFor(opts.safeCsv ?? false);
  const earlier = opts.resume ? await readEarlier(opts.out, cells) : undefined;
  await checkResumePoint(source, opts.out, earlierLast(earlier));
  const identity = {
    ...opts,
    input: source.protect ?? 'standard input',
    model,
    style: opts.style ?? false,
    safeCsv: opts.safeCsv ?? false,
  };
  const meta = await runMetaFor(identity);
  if (earlier) checkResumeMeta(opts.out, await readRunMeta(opts.out), meta, earlier.kind === 'csv' ? earlier.run.rows : earlier.parts.rows);
  await checkSiblings(opts.out, meta);
  return { cells, earlier, source, meta };
}

/** Writes one decoded batch: its errors first, then its points (see outputs.ts for why). */
class BatchWriter {
  embedded = 0;
  skipped = 0;
  ignored = 0;
  constructor(
    private readonly model: EmbedModel,
    private readonly outputs: Outputs,
    private readonly progress: Progress,
    private readonly log: NodeJS.WriteStream,
  ) {}

  /** `wide`: run the model on the decoders' cores too, which are idle from here on. */
  async write(batch: Batch, r: DecodeResult, wide: boolean): Promise<void> {
    const bad = [...batch.walkErrors, ...r.failed.map((f) => ({ path: batch.paths[f.index]!, reason: f.reason }))];
    for (const { path, reason } of bad) {
      this.outputs.errors.add(path, reason);
      this.log.write(`${this.log.isTTY ? '\r\x1b[2K' : ''}skipped ${path}: ${reason}\n`);
    }
    this.outputs.errors.flush();
    // More batches are coming: open the wide session meanwhile, for when decoding is done.
    if (!wide && r.ok.length > 0) void this.model.prepareWide().catch(() => undefined);
    const out = r.ok.length > 0 ? await this.model.run(r.pixels, r.ok.length, { wide }) : undefined;
    this.outputs.points.add(batch, r.ok, out, this.outputs.errors.count);
    this.embedded += r.ok.length;
    this.skipped += bad.length;
    this.ignored += batch.ignored;
    if (handled(batch) > 0) this.progress.tick(handled(batch));
  }
}

/** Embeds every image under `input` into `out`; see EmbedOptions. */
export async function embedFolder(opts: EmbedOptions): Promise<EmbedSummary> {
  const modelFile = opts.model ?? 'model.onnx';
  const { cells, earlier, source, meta } = await checkBeforeWork(opts, modelFile);
  const log = opts.log ?? process.stderr;
  const split = defaultThreads();
  // Workers take a while to start (25 ms from the bundle, more through tsx): start them first.
  const pool = new DecodePool(opts.workers ?? split.workers);
  const start = performance.now();
  let model: EmbedModel | undefined;
  let outputs: Outputs | undefined;
  try {
    const threads = opts.threads ?? split.threads;
    // Once the decoders are done, the model's last batches run on their cores too.
    const wideThreads = threads + pool.size;
    // The decode workers share the cores, so onnxruntime's threads must not spin (see OpenOptions.spin).
    model = await openModel(modelFile, { device: opts.device ?? 'auto', threads, spin: false, wideThreads });
    const info = model.info;
    if (info.inputKind !== 'image')
      throw new UserError(
        `${modelFile} takes ${describeInput(info)}, not images; give --input vectors.npy, vectors.csv or vectors.parquet`,
      );
    if (opts.shard) log.write(`${opts.shardSource ?? `shard ${shardName(opts.shard)}`}\n`);
    log.write(`device: ${model.provider}\n`);
    const shape = { clusters: model.info.clusters, styleDim: model.info.styleDim, withStyle: opts.style ?? false };
    const positions = earlier?.kind === 'csv' ? await tarPositions(source, earlier.run.last) : undefined;
    outputs = await openPointsOutput(opts.out, shape, cells, earlier, { rowGroup: opts.rowGroup, positions });
    // Before the first row (after the header), so that no row is ever in a file without its record.
    await writeRunMeta(opts.out, meta);
    // The bar's clock starts with the summary's, so its last rate is the one the summary gives.
    const progress = new Progress({ unit: 'files', label: 'embed', stream: log, startedAt: start });
    const writer = new BatchWriter(model, outputs, progress, log);
    const { width, height, channels } = info;
    const stage = {
      ...source.stage,
      after: outputs.resumeAfter,
      skip: outputs.skip,
      batch: opts.batch ?? DEFAULT_BATCH,
      width,
      height,
      channels,
      maxPixels: opts.maxPixels,
      convertColour: opts.convertColour ?? false,
      shard: opts.shard,
    };
    // The decode worker counts the files alongside the embedding, so the model need not wait for it.
    await decodeInOrder(
      stage,
      pool,
      (batch, decoded, done) => writer.write(batch, decoded, done),
      (n) => progress.setTotal(n),
    );
    await outputs.points.finish();
    progress.finish();
    outputs.errors.close();
    await writeRunMeta(opts.out, { ...meta, finished: true });
    const seconds = (performance.now() - start) / 1000;
    if (opts.plot) {
      // Loaded only here: the plot draws with sharp, which takes ~40 ms to load.
      const { plotPoints } = await import('./plot-points.ts');
      await plotPoints(opts.out, opts.plot, model.info, source.protect ?? 'standard input', opts.safeCsv);
    }
    return {
      embedded: writer.embedded,
      skipped: writer.skipped,
      ignored: writer.ignored,
      previous: outputs.previousRows,
      errorsTotal: outputs.errors.count,
      errorsFile: outputs.errors.path,
      seconds,
      filesPerSecond: (writer.embedded + writer.skipped) / Math.max(seconds, 1e-9),
      device: model.provider,
    };
  } finally {
    outputs?.points.close();
    outputs?.errors.close();
    await pool.close();
    await model?.close();
  }
}
