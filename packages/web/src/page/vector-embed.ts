/**
 * Feature vectors dropped on the page, for a model that takes them: a .npy (float16, float32 or
 * float64) or a CSV of numbers, read by the rules `embed` reads files with (the shared parsers),
 * run in batches, one point a row. Rows are named by their index, as `embed` names them, or by a
 * CSV column headed `id` (what `embed --id-column id` writes).
 */
import { DEFAULT_BATCH } from './embed-batch.ts';
import { appendOutputs } from './embed-run.ts';
import type { PageSession } from './ort-runtime.ts';
import { emptyPointSet, type PointSet } from './point-set.ts';
import {
  checkVectorDim,
  csvFeatures,
  csvRecords,
  type FeatureMatrix,
  type FeatureModelInfo,
  isPointsHeader,
  npyFeatures,
  parseCsv,
  refuseNonFinite,
} from './shared.ts';

/** The CSV column that names each row, when a vectors CSV has one. */
export const ID_COLUMN = 'id';

/** Whether a dropped file is vectors rather than a points.csv: any .npy, or a CSV whose header is not embed's. */
export function isVectorFile(name: string, text: string | undefined): boolean {
  if (/\.npy$/i.test(name)) return true;
  if (!/\.csv$/i.test(name) || text === undefined) return false;
  const end = text.indexOf('\n');
  const firstLine = (end < 0 ? text : text.slice(0, end)).replace(/^\uFEFF/, '').replace(/\r$/, '');
  return !isPointsHeader(parseCsv(firstLine)[0] ?? []);
}

/** The vectors in a .npy or CSV file; a bad file, or vectors of another D than the model's, is a UserError. */
export async function readVectorFile(file: File, info: FeatureModelInfo, modelName: string): Promise<FeatureMatrix> {
  let m: FeatureMatrix;
  if (/\.npy$/i.test(file.name)) m = npyFeatures(new Uint8Array(await file.arrayBuffer()), file.name);
  else {
    const text = await file.text();
    const id = csvRecords(text).header?.includes(ID_COLUMN) ? ID_COLUMN : undefined;
    m = csvFeatures(text, file.name, id);
  }
  checkVectorDim(file.name, m.dim, modelName, info.inputDim);
  return refuseNonFinite(m, file.name);
}

/** Embeds every row of `m`, `batch` rows at a time. */
export async function embedVectors(
  m: FeatureMatrix,
  session: PageSession,
  info: FeatureModelInfo,
  batch = DEFAULT_BATCH,
): Promise<{ points: PointSet; seconds: number }> {
  const start = performance.now();
  const points = emptyPointSet(m.count, info.styleDim);
  points.vectors = true;
  const paths = m.ids ?? Array.from({ length: m.count }, (_, i) => String(i));
  for (let from = 0; from < m.count; from += batch) {
    const n = Math.min(batch, m.count - from);
    const out = await session.run(m.values.subarray(from * m.dim, (from + n) * m.dim), n);
    appendOutputs(points, paths.slice(from, from + n), out, info);
  }
  return { points, seconds: (performance.now() - start) / 1000 };
}
