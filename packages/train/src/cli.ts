/** `pnpm train`: thin commander wrapper over train(); with no flags it trains the default MNIST run. */
import { action, cliProgram } from '@aae-map/shared/cli';
import { fromParsed, TRAIN_FLAGS } from './run/flags.ts';

const program = cliProgram(
  'train',
  'Train a semi-supervised adversarial autoencoder with a 2-D map; checkpoints, metrics.jsonl and map.png go to the run directory every epoch.',
)
  .addHelpText(
    'after',
    '\nExamples:\n  pnpm train                                   # MNIST, n-D mode, 1000 labels\n  pnpm train --style-dim 2 --labels 100        # 2-D mode\n  pnpm train --labels 0 --clusters 20 --style-dim 2\n  pnpm train --resume --name mnist-nd-1000 --epochs 20\n  pnpm train --data my-images-idx3-ubyte --test-data t10k-images-idx3-ubyte\n  pnpm train --data /usr/share/datasets/fashion-mnist   # train-*/t10k-* IDX files, gzip or not\n  pnpm train --data features.npy --data-labels labels.npy   # feature vectors [N, D] (.npy, .csv or .parquet)\n  pnpm train --data photos/ --size 32x24 --labels 500   # photos/<class>/*.jpg, photos/unlabeled/*\n  pnpm train --data scans/ --clusters 12 --test held-out/',
  )
  .action(
    action(async (values: Record<string, unknown>) => {
      const { train } = await import('./run/train.ts');
      const { dataFromFlags } = await import('./data/data-flags.ts');
      const parsed = fromParsed(values);
      const data = await dataFromFlags(parsed.data);
      // Ctrl-C stops after the current iteration; the last complete epoch stays resumable.
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      const result = await train({ ...parsed.options, data, signal: stop.signal });
      const last = result.metrics.at(-1);
      const err = last?.testError;
      console.log(
        `${result.runDir}: ${result.manifest.epochs} epochs on ${result.backend.name}` +
          (err === null || err === undefined ? '' : `, test error ${(100 * err).toFixed(2)}%`) +
          `; checkpoint ${result.runDir}/manifest.json, map ${result.runDir}/map.png`,
      );
    }),
  );

for (const flag of TRAIN_FLAGS) program.addOption(flag.option);

await program.parseAsync();
