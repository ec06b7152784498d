/**
 * Holds out a seeded share of the labelled images as the test set when a folder comes without
 * a test folder. Each class gives the same share (rounded), so small classes are neither
 * emptied nor left out of the test set by chance.
 */
import { UserError } from '@aae-map/shared';
import { Rng } from '../rng.ts';
import { type ImageSplit, subsetSplit } from './dataset.ts';
import { balancedSplit } from './labelled-split.ts';

/**
 * Seed of the validation pick. Fixed, not the run's seed, so that runs of one recipe with
 * different seeds are scored on the same images, as they are on the test set.
 */
const VALIDATION_SEED = 0x7a11d;

/** Indices (ascending) of the held-out images: round(fraction × n_k) of each class k's n_k. */
export function heldOutIndices(labels: Int32Array, classes: number, fraction: number, seed: number): Int32Array {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((l, i) => {
    if (l >= 0 && l < classes) byClass[l]!.push(i);
  });
  const rng = new Rng(seed);
  const picked = byClass.flatMap((pool) => rng.shuffle(pool).slice(0, Math.round(fraction * pool.length)));
  return Int32Array.from(picked).sort();
}

/** Splits `split` into the images not in `held` and those in it, both in their original order. */
export function splitOff(split: ImageSplit, held: Int32Array, pixelsPerImage: number): { rest: ImageSplit; held: ImageSplit } {
  const isHeld = new Uint8Array(split.count);
  for (const i of held) isHeld[i] = 1;
  const rest = new Int32Array(split.count - held.length);
  let r = 0;
  for (let i = 0; i < split.count; i++) if (!isHeld[i]) rest[r++] = i;
  return { rest: subsetSplit(split, rest, pixelsPerImage), held: subsetSplit(split, held, pixelsPerImage) };
}

/**
 * Holds out `count` labelled images of `split`, class-balanced as the labelled subset is
 * (balancedSplit), as a validation set: the run trains on the rest.
 */
export function validationSplit(
  split: ImageSplit,
  classes: number,
  count: number,
  pixelsPerImage: number,
): { rest: ImageSplit; held?: ImageSplit; heldIndices: Int32Array } {
  if (count === 0) return { rest: split, heldIndices: new Int32Array(0) };
  const known = split.labels.reduce((n, l) => n + (l >= 0 && l < classes ? 1 : 0), 0);
  if (count >= known) throw new UserError(`--validation ${count} must be fewer than the ${known} labelled training images`);
  const heldIndices = balancedSplit(split.labels, classes, count, VALIDATION_SEED).labelled;
  return { ...splitOff(split, heldIndices, pixelsPerImage), heldIndices };
}
