/** `pnpm evaluate [--run DIR | --model FILE] [--data …]`: thin wrapper over evaluate(). */
import { DEVICES, type Device } from '@aae-map/infer/devices';
import { action, cliProgram, examples, Option, wholeNumber } from '@aae-map/shared/cli';

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
}

const program = cliProgram(
  'evaluate',
  'Score a model on held-out labelled images: classification error, kNN accuracy in 2-D, trustworthiness, silhouette. Prints a table and writes eval.json.',
)
  .option('--run <dir>', 'training run to score; it is exported to a temporary ONNX file (default: the latest run under --runs)')
  .option('--model <file>', 'exported ONNX model to score, instead of --run')
  .option('--runs <dir>', 'where to look for the latest run', 'runs')
  .option('--data <images>', 'IDX test images, or a folder with one subfolder of images per class (default: MNIST t10k, 10,000 images)')
  .option('--data-labels <labels>', 'IDX test labels, with --data')
  .option(
    '--train-data <images>',
    'IDX images, or a folder as --data, that kNN and the cluster labels are fitted on (default: MNIST train, 60,000 images; needed with a folder --data)',
  )
  .option('--train-labels <labels>', 'IDX labels, with --train-data')
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
  .option('--no-progress', 'no progress bars on stderr')
  .addHelpText(
    'after',
    examples(
      'pnpm evaluate --run runs/mnist-1000',
      'pnpm evaluate --model model.onnx --limit 2000',
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
      });
      console.log(formatReport(report));
      console.log(`wrote ${outFile}`);
    }),
  );

await program.parseAsync();
