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
 * remainder goes one each to classes in a seeded random order. Images with unknown labels (-1)
 * are never picked. Deterministic for a given seed.
 */
export function balancedSplit(labels: Int32Array, classes: number, count: number, seed: number): LabelledSplit {
  if (!Number.isInteger(count) || count < 0) throw new UserError(`--labels must be a whole number >= 0, got ${count}`);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((l, i) => {
    if (l >= 0 && l < classes) byClass[l]!.push(i);
  });
  const known = byClass.reduce((s, c) => s + c.length, 0);
  if (count > known) throw new UserError(`--labels ${count} asks for more labelled images than the ${known} with labels in the training set`);
  const rng = new Rng(seed);
  const quota = new Array<number>(classes).fill(Math.floor(count / classes));
  const order = rng.shuffle(Array.from({ length: classes }, (_, k) => k));
  for (let r = 0; r < count % classes; r++) quota[order[r]!]!++;
  const picked: number[] = [];
  for (let k = 0; k < classes; k++) {
    const pool = rng.shuffle(byClass[k]!.slice());
    if (pool.length < quota[k]!) {
      throw new UserError(`--labels ${count} needs ${quota[k]} labelled images of class ${k} but the training set has ${pool.length}; use fewer labels`);
    }
    picked.push(...pool.slice(0, quota[k]));
  }
  return splitFromLabelled(Int32Array.from(picked), labels.length);
}

/** The split whose labelled part is `labelled` (any order) among `count` images. */
export function splitFromLabelled(labelled: Int32Array, count: number): LabelledSplit {
  const sorted = labelled.slice().sort();
  const isLabelled = new Uint8Array(count);
  sorted.forEach((i) => (isLabelled[i] = 1));
  const unlabelled = new Int32Array(count - sorted.length);
  let u = 0;
  for (let i = 0; i < count; i++) if (!isLabelled[i]) unlabelled[u++] = i;
  return { labelled: sorted, unlabelled };
}
