/**
 * The map a checkpoint ships: P and the heads' places for the current weights. In n-D mode the
 * heads' order around the circle follows the clusters' co-assignment on the first training
 * images (model/head-order.ts); test and validation images never choose it.
 */
import type { Architecture } from '@aae-map/shared';
import type { ImageSplit } from '../data/dataset.ts';
import { encodeImages } from '../model/encode-images.ts';
import { coAssignment, headOrder } from '../model/head-order.ts';
import type { WeightTensors } from '../model/model.ts';
import { headRows, type MapProjection, projectionFor } from '../model/projection.ts';

/** Training images whose q(y|x) set the order: enough for a stable S, a second or two to encode. */
export const ORDER_IMAGES = 10_000;

export async function mapLayout(w: WeightTensors, a: Architecture, heads: Float32Array, train: ImageSplit): Promise<MapProjection> {
  const rows = headRows(heads, a.clusters, a.styleDim);
  const unordered = projectionFor(a.mode, rows, a.headScale);
  if (a.mode !== 'nd' || train.count === 0) return unordered;
  const count = Math.min(ORDER_IMAGES, train.count);
  const { clusterProb } = await encodeImages(w, a, unordered.projection, train.pixels, count);
  return projectionFor(a.mode, rows, a.headScale, headOrder(coAssignment(clusterProb, count, a.clusters), a.clusters));
}
