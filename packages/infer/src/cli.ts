/** `embed --input images/ --out points.csv`: thin wrapper over embedFolder. */
import { DEFAULT_MAX_PIXELS, type ShardSpec } from '@aae-map/shared';
import { action, cliProgram, convertColourOption, examples, Option, shardSpec, UserError, wholeNumber } from '@aae-map/shared/cli';
import { DEVICES, type Device } from './devices.ts';
import { DEFAULT_ROW_GROUP, MAX_ROW_GROUP } from './points-sink.ts';
import { DEFAULT_BATCH, defaultThreads, MAX_BATCH, maxThreads } from './thread-split.ts';

interface EmbedCliOptions {
  model: string;
  input?: string;
  inputList?: string;
  out: string;
  rowGroup: number;
  batch: number;
  threads: number;
  workers: number;
  device: Device;
  style?: boolean;
  plot?: string;
  resume?: boolean;
  overwrite?: boolean;
  safeCsv?: boolean;
  idColumn?: string;
  shard?: ShardSpec | 'auto';
  shards?: number;
  convertColour?: boolean;
}

const split = defaultThreads();

const program = cliProgram(
  'embed',
  'Project every image under a folder (or every feature vector of a file) onto the 2-D map of an exported model; writes one CSV row per image (vector).',
)
  .option(
    '--input <path>',
    'folder of png/jpg/jpeg/webp/gif/tiff images, walked recursively; a .tar in it (or given here) is read as a shard; or, for a model trained on feature vectors, a .npy [N, D], .csv or .parquet file of them (path = row index 0, 1, …)',
  )
  .option(
    '--input-list <file>',
    "instead of --input: image (or .tar) paths, one a line, relative to the file's folder, or absolute; - reads standard input",
  )
  .requiredOption(
    '--out <file>',
    'CSV to write: path,x,y,cluster,confidence[,z0..]; a name ending in .parquet writes Parquet. Bad files go to <out>.errors.csv. An existing file is replaced only if embed wrote it (see --overwrite); never the model or the input',
  )
  .option(
    '--row-group <n>',
    `with a .parquet --out: rows per row group, each committed to <out>.parts/ as the run goes (a kill loses at most one; at most ${MAX_ROW_GROUP})`,
    wholeNumber,
    DEFAULT_ROW_GROUP,
  )
  .option('--model <file>', 'ONNX model from pnpm export', 'model.onnx')
  .option(
    '--batch <n>',
    `images per batch, decoded, run and written together (cpu runs them 256 at a time; at most ${MAX_BATCH})`,
    wholeNumber,
    DEFAULT_BATCH,
  )
  .option(
    '--threads <n>',
    `onnxruntime threads (0 = onnxruntime chooses; at most ${maxThreads()}, 4 per core); once all is decoded, the decode workers' cores join`,
    wholeNumber,
    split.threads,
  )
  .option('--workers <n>', `decode worker threads (at most ${maxThreads()})`, wholeNumber, split.workers)
  .addOption(new Option('--device <name>', 'where the model runs; auto = cuda if it loads, else cpu').choices(DEVICES).default('auto'))
  .option('--style', 'add the style vector as columns z0..z{d-1}')
  .option('--plot <png>', 'also draw the map, coloured by subfolder (or cluster); replaces only a plot embed drew (see --overwrite)')
  .option('--resume', 'keep the rows already in --out and embed only the remaining files')
  .option(
    '--id-column <name>',
    'CSV or Parquet --input of vectors: the column that names each row, written as its path (default: the row index)',
  )
  .option(
    '--overwrite',
    'replace --out and --plot even if embed did not write them (never <out>.errors.csv, the model or files under --input)',
  )
  .option(
    '--safe-csv',
    "put a ' before paths that start with = + - @ tab, CR or ', so spreadsheets do not run them as formulas (drop one leading ' to get the name back); default: paths verbatim (RFC 4180)",
  )
  .option(
    '--max-pixels <n>',
    'skip (and list) images of more pixels, and files of more than 4 bytes a pixel of it',
    wholeNumber,
    DEFAULT_MAX_PIXELS,
  )
  .addOption(convertColourOption())
  .option(
    '--shard <K/N|auto>',
    'embed only share K (0 to N-1) of the files, by a hash of each path, so that N runs together embed each file once; auto reads a Slurm array task or a Kubernetes Indexed Job (docs/scale-out.md)',
    shardSpec,
  )
  .option('--shards <n>', "with --shard auto in a Kubernetes Indexed Job: N, the Job's completions", wholeNumber)
  .addHelpText(
    'after',
    '\nExit status: 0 all embedded, 3 some files skipped, 2 usage, input or output error (one line; DEBUG=1 adds the stack).\n' +
      examples(
        'pnpm sample-images --out images/ --count 1000',
        'pnpm embed --model model.onnx --input images/ --out points.csv --plot map.png',
        'pnpm embed --model vectors.onnx --input vectors.csv --id-column id --out points.csv',
      ),
  )
  .action(
    action(async (opts: EmbedCliOptions) => {
      const { featureFormat } = await import('@aae-map/shared');
      const vectors = opts.input !== undefined && featureFormat(opts.input) !== undefined;
      if (opts.idColumn !== undefined && !vectors) throw new UserError('--id-column is for a CSV or Parquet --input of feature vectors');
      if (opts.shard !== undefined && vectors) throw new UserError('--shard is for folders of images; a file of vectors embeds in one run');
      const { resolveShard } = await import('./shard-spec.ts');
      const { shard, source } = resolveShard(opts.shard, opts.shards);
      const s = vectors
        ? await (await import('./embed-vectors.ts')).embedVectors({ ...opts, input: opts.input! })
        : await (await import('./embed.ts')).embedFolder({ ...opts, shard, shardSource: source });
      const unit = vectors ? 'vectors' : 'files';
      const parts = [
        `embedded ${s.embedded} ${unit} in ${s.seconds.toFixed(1)} s (${Math.round(s.filesPerSecond)} ${unit}/s) on ${s.device}`,
      ];
      if (s.previous > 0) parts.push(`${s.previous} rows kept from the earlier run`);
      parts.push(`skipped ${s.skipped}${s.errorsTotal > 0 ? ` (${s.errorsTotal} listed in ${s.errorsFile})` : ''}`);
      if (s.ignored > 0) parts.push(`ignored ${s.ignored} files without an image extension`);
      console.log(parts.join('; '));
      if (s.errorsTotal > 0) process.exitCode = 3;
    }),
  );

await program.parseAsync();
