/**
 * `embed --input vectors.npy|.csv|.parquet`: one points.csv row per feature vector of a feature model,
 * named by its row index (0, 1, …) or by its CSV or Parquet `--id-column`. Vectors embed in one pass (a
 * million 64-D rows is 256 MB of floats and seconds of work), so there is no --resume, and the
 * file is written whole, atomically: a run that fails leaves nothing.
 */
import { rm } from 'node:fs/promises';
import {
  checkVectorDim,
  csvRecord,
  describeInput,
  type FeatureModelInfo,
  PointRowWriter,
  pointsColumns,
  readFeatures,
  UserError,
  writeFileAtomic,
} from '@aae-map/shared';
import { checkOptions, DEFAULT_BATCH, type EmbedOptions, type EmbedSummary } from './embed.ts';
import { checkOutputPaths } from './output-paths.ts';
import { cellsFor, errorsPathFor } from './outputs.ts';
import { plotPoints } from './plot-points.ts';
import { isParquetOut } from './points-sink.ts';
import { type EmbedModel, openModel } from './runtime.ts';

export interface EmbedVectorsOptions extends Omit<EmbedOptions, 'input' | 'inputList' | 'shard'> {
  /** The .npy, .csv or .parquet file of vectors. */
  input: string;
  /** A CSV or Parquet column holding each row's id, written as its path; the other columns are the features. @default none: the row index */
  idColumn?: string;
}

/** The model's info, once it is known to take vectors of `dim` features. */
function featureInfo(model: EmbedModel, modelFile: string, input: string, dim: number): FeatureModelInfo {
  const info = model.info;
  if (info.inputKind !== 'features')
    throw new UserError(
      `${modelFile} takes ${describeInput(info)}, and --input ${input} holds feature vectors; embed a folder of images with it`,
    );
  checkVectorDim(input, dim, modelFile, info.inputDim);
  return info;
}

/** The points.csv text of every row: embedded `batch` rows at a time. */
async function pointRows(
  model: EmbedModel,
  info: FeatureModelInfo,
  values: Float32Array,
  paths: string[],
  batch: number,
  withStyle: boolean,
): Promise<Uint8Array[]> {
  const { inputDim: dim, clusters, styleDim } = info;
  const writer = new PointRowWriter();
  const chunks: Uint8Array[] = [];
  for (let from = 0; from < paths.length; from += batch) {
    const n = Math.min(batch, paths.length - from);
    const out = await model.run(values.subarray(from * dim, (from + n) * dim), n);
    writer.rows(paths.slice(from, from + n), out, clusters, styleDim, withStyle);
    chunks.push(writer.take().slice());
  }
  return chunks;
}

/** Embeds every row of `opts.input` into `opts.out`; see EmbedVectorsOptions. */
export async function embedVectors(opts: EmbedVectorsOptions): Promise<EmbedSummary> {
  const start = performance.now();
  const modelFile = opts.model ?? 'model.onnx';
  checkOptions(opts);
  if (opts.resume) throw new UserError(`--resume is for folders of images; embedding ${opts.input} starts over and takes seconds`);
  if (isParquetOut(opts.out)) throw new UserError(`--out ${opts.out}: vectors are written as CSV; give --out points.csv`);
  const m = await readFeatures(opts.input, opts.idColumn);
  await checkOutputPaths({ ...opts, model: modelFile, overwrite: opts.overwrite ?? false, resume: false });
  const model = await openModel(modelFile, { device: opts.device ?? 'auto', threads: opts.threads ?? 0 });
  try {
    const info = featureInfo(model, modelFile, opts.input, m.dim);
    const cells = cellsFor(opts.safeCsv ?? false);
    const paths = (m.ids ?? Array.from({ length: m.count }, (_, i) => String(i))).map(cells.write);
    const header = new TextEncoder().encode(csvRecord(pointsColumns(opts.style ? model.info.styleDim : 0)));
    const rows = await pointRows(model, info, m.values, paths, opts.batch ?? DEFAULT_BATCH, opts.style ?? false);
    await writeFileAtomic(opts.out, Buffer.concat([header, ...rows]));
    // An errors list from an earlier run of this --out (checkOutputPaths found it to be ours) would describe other input.
    await rm(errorsPathFor(opts.out), { force: true });
    const seconds = (performance.now() - start) / 1000;
    if (opts.plot) await plotPoints(opts.out, opts.plot, model.info, opts.input, opts.safeCsv, 'vectors');
    return {
      embedded: m.count,
      skipped: 0,
      ignored: 0,
      previous: 0,
      errorsTotal: 0,
      errorsFile: errorsPathFor(opts.out),
      seconds,
      filesPerSecond: m.count / Math.max(seconds, 1e-9),
      device: model.provider,
    };
  } finally {
    await model.close();
  }
}
