/** Runs the ONNX model over an in-memory set of images or feature vectors in batches. */
import type { EmbedModel } from '@aae-map/infer';
import { type Progress, UserError } from '@aae-map/shared';
import type { EvalData } from './datasets.ts';

export interface Embedded {
  /** [count, 2] */
  points: Float32Array;
  /** [count, clusters] */
  clusterProb: Float32Array;
}

export async function embedSet(model: EmbedModel, set: EvalData, batch: number, progress?: Progress): Promise<Embedded> {
  const n = model.info.clusters;
  const pixels = set.dim;
  const points = new Float32Array(set.count * 2);
  const clusterProb = new Float32Array(set.count * n);
  for (let start = 0; start < set.count; start += batch) {
    const count = Math.min(batch, set.count - start);
    const out = await model.run(set.values.subarray(start * pixels, (start + count) * pixels), count);
    points.set(out.point, start * 2);
    clusterProb.set(out.clusterProb, start * n);
    progress?.tick(count);
  }
  // A NaN point would silently poison every neighbour search and distance below.
  if (!points.every(Number.isFinite))
    throw new UserError(
      'the model produced non-finite 2-D points (NaN or Infinity); the checkpoint is broken, so retrain or pick another run',
    );
  return { points, clusterProb };
}
