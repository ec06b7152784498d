/** `pnpm sample-images --out images/ --count 1000`: thin wrapper over writeSampleImages. */
import { Command } from 'commander';
import { runCli } from '@aae-map/shared';
import { wholeNumber } from './cli-args.ts';

const program = new Command('sample-images')
  .description('Write real MNIST test digits as PNG files, one subfolder per label, to try embed on.')
  .requiredOption('--out <dir>', 'folder to write <label>/<index>.png into')
  .option('--count <n>', 'how many test images (1 to 10000)', wholeNumber, 1000)
  .addHelpText('after', '\nExample:\n  pnpm sample-images --out images/ --count 1000\n  pnpm embed --input images/ --out points.csv --plot map.png')
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .action((opts: { out: string; count: number }) =>
    runCli(async () => {
      const { writeSampleImages } = await import('./sample-images.ts');
      const files = await writeSampleImages(opts.out, opts.count);
      console.log(`wrote ${files.length} MNIST test digits to ${opts.out} (one folder per label)`);
    }),
  );

await program.parseAsync();
