/**
 * End-of-epoch evaluation: accuracy of argmax y on the labelled subset, on the held-out test set
 * and on the --validation images (never the images trained on), and the test set's 2-D points
 * for map.png.
 * Without labels the clusters carry no class, so each cluster takes the majority true label of
 * the training images assigned to it (the test labels are not used to fit this mapping).
 */
import { type Architecture, inputValuesOf } from '@aae-map/shared';
import { type Dataset, type InputRows, subsetSplit } from '../data/dataset.ts';
import { argmaxRows, encodeImages } from '../model/encode-images.ts';
import type { WeightTensors } from '../model/model.ts';

export interface EpochEvaluation {
  /** Accuracy on the labelled training subset (null without labels). */
  labelledAccuracy: number | null;
  /** Accuracy on the test set (null when it has no labels). */
  testAccuracy: number | null;
  /** Accuracy on the images held out by --validation (null without them). */
  validationAccuracy: number | null;
  /** 'argmax' when clusters are classes (supervised), 'majority' for the unsupervised mapping. */
  accuracyMapping: 'argmax' | 'majority';
  /** 2-D points of the images plotted in map.png: the test set, or the first training images without one. */
  mapPoints: Float32Array;
  mapLabels: Int32Array;
}

const MAPPING_IMAGES = 10_000;

/** Fraction of predictions equal to known labels (entries with label -1 are skipped); null if none known. */
export function accuracy(pred: Int32Array, labels: Int32Array, mapping?: Int32Array): number | null {
  let right = 0;
  let known = 0;
  for (let i = 0; i < pred.length; i++) {
    if (labels[i]! < 0) continue;
    known++;
    if ((mapping ? mapping[pred[i]!]! : pred[i]!) === labels[i]) right++;
  }
  return known > 0 ? right / known : null;
}

/** For each cluster, the most frequent known label among the images assigned to it (-1 if none). */
export function majorityMapping(pred: Int32Array, labels: Int32Array, clusters: number, classes: number): Int32Array {
  const counts = Array.from({ length: clusters }, () => new Array<number>(classes).fill(0));
  pred.forEach((c, i) => {
    if (labels[i]! >= 0) counts[c]![labels[i]!]!++;
  });
  return Int32Array.from(counts, (row) => (row.some((v) => v > 0) ? row.indexOf(Math.max(...row)) : -1));
}

export async function evaluateEpoch(
  w: WeightTensors,
  a: Architecture,
  projection: number[][],
  ds: Dataset,
  labelled: Int32Array,
): Promise<EpochEvaluation> {
  const px = inputValuesOf(a);
  const classify = async (images: { pixels: InputRows }, count: number) =>
    argmaxRows((await encodeImages(w, a, projection, images.pixels, count)).clusterProb, a.clusters);
  const supervised = labelled.length > 0;
  let mapping: Int32Array | undefined;
  let labelledAccuracy: number | null = null;
  if (supervised) {
    const l = subsetSplit(ds.train, labelled, px);
    labelledAccuracy = accuracy(await classify(l, labelled.length), l.labels);
  } else if (ds.classNames.length > 0) {
    const n = Math.min(MAPPING_IMAGES, ds.train.count);
    const sample = subsetSplit(
      ds.train,
      Array.from({ length: n }, (_, i) => i),
      px,
    );
    mapping = majorityMapping(await classify(sample, n), sample.labels, a.clusters, ds.classNames.length);
  }
  const mapSplit = ds.test ?? { ...ds.train, count: Math.min(MAPPING_IMAGES, ds.train.count) };
  const enc = await encodeImages(w, a, projection, mapSplit.pixels, mapSplit.count);
  const mapLabels = mapSplit.labels.subarray(0, mapSplit.count);
  const testAccuracy = ds.test ? accuracy(argmaxRows(enc.clusterProb, a.clusters), ds.test.labels, mapping) : null;
  const v = ds.validation;
  const validationAccuracy = v ? accuracy(await classify(v, v.count), v.labels, mapping) : null;
  return {
    labelledAccuracy,
    testAccuracy,
    validationAccuracy,
    accuracyMapping: supervised ? 'argmax' : 'majority',
    mapPoints: enc.point,
    mapLabels,
  };
}
