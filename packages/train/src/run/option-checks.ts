/**
 * Every check of resolved train options, each failure one line naming the flag (a UserError):
 * ranges, and the settings that do not go together or do not suit the data.
 */
import { UserError } from '@aae-map/shared';
import type { Dataset } from '../data/dataset.ts';
import { NEIGHBOUR_SPACES, type ResolvedOptions } from './options.ts';
import { checkReplicas } from './replicas.ts';

const isInt = (v: number, min: number) => Number.isInteger(v) && v >= min;

function check(ok: boolean, message: string): void {
  if (!ok) throw new UserError(message);
}

/** Throws on the first option out of range or out of place; `images` is false for feature vectors. */
export function checkOptions(r: ResolvedOptions, dataset: Dataset, images: boolean): void {
  check(isInt(r.epochs, 1), `--epochs must be a whole number >= 1, got ${r.epochs}`);
  check(isInt(r.batch, 2), `--batch must be a whole number >= 2, got ${r.batch}`);
  check(isInt(r.labels, 0), `--labels must be a whole number >= 0, got ${r.labels}`);
  check(isInt(r.clusters, 2), `--clusters must be a whole number >= 2, got ${r.clusters}`);
  check(
    r.styleDim === r.clusters || r.styleDim === 2,
    `--style-dim must be ${r.clusters} (n-D mode, = --clusters) or 2 (2-D mode), got ${r.styleDim}`,
  );
  check(r.headDistance > 0, `--head-distance must be > 0, got ${r.headDistance}`);
  check(r.hidden.length > 0 && r.hidden.every((h) => isInt(h, 1)), `hidden sizes must be whole numbers >= 1, got [${r.hidden}]`);
  check(Number.isInteger(r.seed), `--seed must be a whole number, got ${r.seed}`);
  check(r.lr > 0 && Number.isFinite(r.lr), `--lr must be a positive number, got ${r.lr}`);
  check(r.lrFinal > 0 && r.lrFinal <= 1, `lrFinal must be in (0, 1], got ${r.lrFinal}`);
  check(r.noiseStd >= 0, `noiseStd must be >= 0, got ${r.noiseStd}`);
  check(isInt(r.augment, 0), `--augment must be a whole number of pixels >= 0, got ${r.augment}`);
  check(r.augmentRotate >= 0 && r.augmentRotate <= 180, `--augment-rotate must be a number of degrees in [0, 180], got ${r.augmentRotate}`);
  check(r.augmentScale >= 0 && r.augmentScale < 1, `--augment-scale must be a number in [0, 1), got ${r.augmentScale}`);
  const { vat, balance, confidence, invariance, neighbours, agreement, stylePrior } = r;
  for (const [flag, v] of Object.entries({ vat, balance, confidence, invariance, neighbours, agreement, 'style-prior': stylePrior }))
    check(Number.isFinite(v) && v >= 0, `--${flag} must be a number >= 0, got ${v}`);
  check(
    (r.neighbours === 0 && r.agreement === 0) || r.invariance === 0,
    '--neighbours and --agreement take a neighbour as the second image of every pair, --invariance a warped copy; use one or the other',
  );
  check(
    !r.spectralLabels || r.labels === 0,
    '--spectral-labels trains on clusters of the neighbour graph in place of labels; use it with --labels 0',
  );
  check(r.reconstructY >= 0 && r.reconstructY <= 1, `--reconstruct-y must be a number from 0 to 1, got ${r.reconstructY}`);
  check(
    NEIGHBOUR_SPACES.includes(r.neighbourSpace),
    `--neighbour-space must be one of ${NEIGHBOUR_SPACES.join(', ')}, got ${r.neighbourSpace}`,
  );
  check(
    images || r.neighbourSpace === 'pixels',
    '--neighbour-space deskewed shears images, and feature vectors have none; leave it at pixels',
  );
  check(
    images || r.invariance === 0,
    '--invariance compares y on two warps of each image, and feature vectors have no pixels; leave it at 0',
  );
  check(
    images || (r.augment === 0 && r.augmentRotate === 0 && r.augmentScale === 0),
    '--augment, --augment-rotate and --augment-scale move pixels, and feature vectors have none; leave them at 0',
  );
  check(!images || r.standardize, '--no-standardize is for feature vectors; images are scaled to [-1, 1]');
  check(isInt(r.validation, 0), `--validation must be a whole number >= 0, got ${r.validation}`);
  check(
    r.validation === 0 || dataset.classNames.length > 0,
    '--validation scores held-out labelled images, and the training set has no labels',
  );
  check(r.trainLimit === undefined || isInt(r.trainLimit, 1), `--train-limit must be a whole number >= 1, got ${r.trainLimit}`);
  check(r.testLimit === undefined || isInt(r.testLimit, 1), `--test-limit must be a whole number >= 1, got ${r.testLimit}`);
  checkReplicas(r.replicas, r.batch);
  check(r.denseImpl === 'custom' || r.denseImpl === 'naive', `denseImpl must be 'custom' or 'naive', got ${r.denseImpl}`);
  if (r.labels > 0) {
    check(dataset.classNames.length > 0, `the training set has no labels; pass --labels 0 to train without them`);
    check(
      r.clusters >= dataset.classNames.length,
      `--clusters ${r.clusters} is fewer than the ${dataset.classNames.length} classes in the labels; use --clusters ${dataset.classNames.length} or more, or --labels 0`,
    );
  }
}
