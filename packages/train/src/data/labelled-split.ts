import { UserError } from '@aae-map/shared';
import { Rng } from '../rng.ts';

export interface LabelledSplit {
  /** Training-set indices whose labels are used, sorted ascending. */
  labelled: Int32Array;
  /** All other training-set indices, sorted ascending. */
  unlabelled: Int32Array;
}

/**
 * Picks `count` labelled images, class-balanced: each class gets floor(count / classes), and the
 * remainder goes one each to classes in a seeded random order. A class with fewer images gives
 * all it has, and its shortfall goes one each to classes with images to spare, in that order
 * (image folders are rarely balanced). Images with unknown labels (-1) are never picked.
 * Deterministic for a given seed.
 */
export function balancedSplit(labels: Int32Array, classes: number, count: number, seed: number): LabelledSplit {
  if (!Number.isInteger(count) || count < 0) throw new UserError(`--labels must be a whole number >= 0, got ${count}`);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((l, i) => {
    if (l >= 0 && l < classes) byClass[l]!.push(i);
  });
  const known = byClass.reduce((s, c) => s + c.length, 0);
  if (count > known)
    throw new UserError(`--labels ${count} asks for more labelled images than the ${known} with labels in the training set`);
  const rng = new Rng(seed);
  const quota = new Array<number>(classes).fill(Math.floor(count / classes));
  const order = rng.shuffle(Array.from({ length: classes }, (_, k) => k));
  for (let r = 0; r < count % classes; r++) quota[order[r]!]!++;
  let shortfall = 0;
  for (let k = 0; k < classes; k++) {
    shortfall += Math.max(0, quota[k]! - byClass[k]!.length);
    quota[k] = Math.min(quota[k]!, byClass[k]!.length);
  }
  // Ends: count <= known, so some class has room while a shortfall remains.
  while (shortfall > 0) {
    for (const k of order) {
      if (shortfall > 0 && quota[k]! < byClass[k]!.length) {
        quota[k]!++;
        shortfall--;
      }
    }
  }
  const picked: number[] = [];
  for (let k = 0; k < classes; k++) picked.push(...rng.shuffle(byClass[k]!.slice()).slice(0, quota[k]));
  return splitFromLabelled(Int32Array.from(picked), labels.length);
}

/** The split whose labelled part is `labelled` (any order) among `count` images. */
export function splitFromLabelled(labelled: Int32Array, count: number): LabelledSplit {
  const sorted = labelled.slice().sort();
  const isLabelled = new Uint8Array(count);
  for (const i of sorted) isLabelled[i] = 1;
  const unlabelled = new Int32Array(count - sorted.length);
  let u = 0;
  for (let i = 0; i < count; i++) if (!isLabelled[i]) unlabelled[u++] = i;
  return { labelled: sorted, unlabelled };
}
