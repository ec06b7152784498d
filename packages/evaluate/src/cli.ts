/** `pnpm evaluate [--run DIR | --model FILE] [--data …]`: thin wrapper over evaluate(). */
import { DEVICES, type Device } from '@aae-map/infer/devices';
import { action, cliProgram, convertColourOption, examples, Option, wholeNumber } from '@aae-map/shared/cli';

interface EvaluateCliOptions {
  run?: string;
  model?: string;
  runs: string;
  data?: string;
  dataLabels?: string;
  trainData?: string;
  trainLabels?: string;
  limit?: number;
  trainLimit?: number;
  out?: string;
  device: Device;
  threads: number;
  batch: number;
  progress: boolean;
  convertColour?: boolean;
}

const program = cliProgram(
  'evaluate',
  'Score a model on held-out labelled images: classification error, kNN accuracy in 2-D, trustworthiness, silhouette. Prints a table and writes eval.json.',
)
  .option('--run <dir>', 'training run to score; it is exported to a temporary ONNX file (default: the latest run under --runs)')
  .option('--model <file>', 'exported ONNX model to score, instead of --run')
  .option('--runs <dir>', 'where to look for the latest run', 'runs')
  .option(
    '--data <path>',
    'test set: an IDX image file (gzip or not), a folder holding an IDX set (its t10k files), a folder with one subfolder of images per class, or feature vectors (.npy, .csv, .parquet) (default: MNIST t10k, 10,000 images)',
  )
  .option(
    '--data-labels <labels>',
    'labels for --data: IDX (default: the file named like it, images→labels), or .npy/.csv/.parquet for vectors',
  )
  .option(
    '--train-data <path>',
    "the set kNN and the cluster labels are fitted on, in the same forms (default: the train files of --data's IDX folder, else MNIST train, 60,000 images; needed with an image folder or vectors)",
  )
  .option('--train-labels <labels>', 'labels for --train-data')
  .option(
    '--limit <n>',
    'use only the first n test images (of a folder, n spread over it), and n fit images unless --train-limit (default: all)',
    wholeNumber,
  )
  .option('--train-limit <n>', 'use only the first n fit images (default: all, or --limit)', wholeNumber)
  .option('--out <file>', 'where to write eval.json (default: <run>/eval.json, or <model>.eval.json beside the model)')
  .addOption(new Option('--device <name>', 'onnxruntime device').choices(DEVICES).default('cpu'))
  .option('--threads <n>', 'onnxruntime intra-op threads, 0 = its choice', wholeNumber, 0)
  .option('--batch <n>', 'images per model call (cpu runs them 256 at a time)', wholeNumber, 1024)
  .addOption(convertColourOption())
  .option('--no-progress', 'no progress bars on stderr')
  .addHelpText(
    'after',
    examples(
      'pnpm evaluate --run runs/mnist-1000',
      'pnpm evaluate --model model.onnx --limit 2000',
      'pnpm evaluate --model fashion.onnx --data /usr/share/datasets/fashion-mnist',
      'pnpm evaluate --model m.onnx --data test.npy --data-labels test-labels.npy --train-data train.npy --train-labels train-labels.npy',
      'pnpm evaluate --model photos.onnx --data photos-test --train-data photos',
    ),
  )
  .action(
    action(async (opts: EvaluateCliOptions) => {
      const { evaluate, formatReport } = await import('./index.ts');
      const limit = opts.limit;
      const { report, outFile } = await evaluate({
        run: opts.run,
        model: opts.model,
        runsDir: opts.runs,
        testImages: opts.data,
        testLabels: opts.dataLabels,
        fitImages: opts.trainData,
        fitLabels: opts.trainLabels,
        limit,
        fitLimit: opts.trainLimit ?? limit,
        out: opts.out,
        device: opts.device,
        threads: opts.threads,
        batch: opts.batch,
        progress: opts.progress,
        convertColour: opts.convertColour,
      });
      console.log(formatReport(report));
      console.log(`wrote ${outFile}`);
    }),
  );

await program.parseAsync();
