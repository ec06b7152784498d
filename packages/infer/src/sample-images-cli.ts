/** `pnpm sample-images --out images/ --count 1000`: thin wrapper over writeSampleImages. */
import { action, cliProgram, example, wholeNumber } from '@aae-map/shared/cli';

const program = cliProgram('sample-images', 'Write real MNIST test digits as PNG files, one subfolder per label, to try embed on.')
  .requiredOption('--out <dir>', 'folder to write <label>/<index>.png into')
  .option('--count <n>', 'how many test images (1 to 10000)', wholeNumber, 1000)
  .addHelpText(
    'after',
    example('pnpm sample-images --out images/ --count 1000', 'pnpm embed --input images/ --out points.csv --plot map.png'),
  )
  .action(
    action(async (opts: { out: string; count: number }) => {
      const { writeSampleImages } = await import('./sample-images.ts');
      const files = await writeSampleImages(opts.out, opts.count);
      console.log(`wrote ${files.length} MNIST test digits to ${opts.out} (one folder per label)`);
    }),
  );

await program.parseAsync();
