/** `embed --input images/ --out points.csv`: thin wrapper over embedFolder. */
import { Command, Option } from 'commander';
import { DEFAULT_MAX_PIXELS, runCli } from '@aae-map/shared';
import { wholeNumber } from './cli-args.ts';
import { defaultThreads } from './thread-split.ts';

interface EmbedCliOptions {
  model: string;
  input: string;
  out: string;
  batch: number;
  threads: number;
  workers: number;
  device: 'auto' | 'cpu' | 'cuda' | 'webgpu';
  style?: boolean;
  plot?: string;
  resume?: boolean;
  maxPixels: number;
}

const split = defaultThreads();

const program = new Command('embed')
  .description('Project every image under a folder onto the 2-D map of an exported model; writes one CSV row per image.')
  .requiredOption('--input <dir>', 'folder of png/jpg/jpeg/webp/gif/tiff images, walked recursively')
  .requiredOption('--out <file>', 'CSV to write: path,x,y,cluster,confidence[,z0..]; bad files go to <out>.errors.csv')
  .option('--model <file>', 'ONNX model from pnpm export', 'model.onnx')
  .option('--batch <n>', 'images per batch, decoded, run and written together (cpu runs them 256 at a time)', wholeNumber, 1024)
  .option('--threads <n>', 'onnxruntime threads (0 = onnxruntime chooses); once all is decoded, the decode workers\' cores join', wholeNumber, split.threads)
  .option('--workers <n>', 'decode worker threads', wholeNumber, split.workers)
  .addOption(new Option('--device <name>', 'where the model runs; auto = cuda if it loads, else cpu').choices(['auto', 'cpu', 'cuda', 'webgpu']).default('auto'))
  .option('--style', 'add the style vector as columns z0..z{d-1}')
  .option('--plot <png>', 'also draw the map, coloured by subfolder (or cluster)')
  .option('--resume', 'keep the rows already in --out and embed only the remaining files')
  .option('--max-pixels <n>', 'skip (and list) images of more pixels, and files of more than 4 bytes a pixel of it', wholeNumber, DEFAULT_MAX_PIXELS)
  .addHelpText('after', '\nExit status: 0 all embedded, 3 some files skipped, 2 usage or input error.\n\nExample:\n  pnpm sample-images --out images/ --count 1000\n  pnpm embed --model model.onnx --input images/ --out points.csv --plot map.png')
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .action((opts: EmbedCliOptions) =>
    runCli(async () => {
      const { embedFolder } = await import('./embed.ts');
      const s = await embedFolder(opts);
      const parts = [`embedded ${s.embedded} files in ${s.seconds.toFixed(1)} s (${Math.round(s.filesPerSecond)} files/s) on ${s.device}`];
      if (s.previous > 0) parts.push(`${s.previous} rows kept from the earlier run`);
      parts.push(`skipped ${s.skipped}${s.errorsTotal > 0 ? ` (${s.errorsTotal} listed in ${s.errorsFile})` : ''}`);
      if (s.ignored > 0) parts.push(`ignored ${s.ignored} files without an image extension`);
      console.log(parts.join('; '));
      if (s.errorsTotal > 0) process.exitCode = 3;
    }),
  );

await program.parseAsync();
