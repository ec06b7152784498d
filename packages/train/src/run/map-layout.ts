/**
 * The map a checkpoint ships: P and the heads' places for the current weights. In n-D mode the
 * heads' order around the circle is the one that brings the first training images nearest to
 * their heads (model/head-order.ts); test and validation images never choose it.
 */
import type { Architecture } from '@aae-map/shared';
import type { ImageSplit } from '../data/dataset.ts';
import { encodeImages } from '../model/encode-images.ts';
import { headOrder, placementMatrix } from '../model/head-order.ts';
import type { WeightTensors } from '../model/model.ts';
import { headRows, type MapProjection, projectionFor } from '../model/projection.ts';

/** Training images that set the order: enough for a stable K, a second or two to encode. */
const ORDER_IMAGES = 10_000;

export async function mapLayout(w: WeightTensors, a: Architecture, heads: Float32Array, train: ImageSplit): Promise<MapProjection> {
  const rows = headRows(heads, a.clusters, a.styleDim);
  // projectionFor puts the heads s·e_k on a circle of radius s = headScale, as placementMatrix assumes.
  const unordered = projectionFor(a.mode, rows, a.headScale);
  if (a.mode !== 'nd' || train.count === 0) return unordered;
  const count = Math.min(ORDER_IMAGES, train.count);
  const { clusterProb, representation } = await encodeImages(w, a, unordered.projection, train.pixels, count);
  const k = placementMatrix(clusterProb, representation, count, a.clusters, a.headScale);
  return projectionFor(a.mode, rows, a.headScale, headOrder(k, a.clusters));
}
