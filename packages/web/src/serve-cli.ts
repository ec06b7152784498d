/** `pnpm serve [--port 8080] [--root DIR] [--model FILE]`: thin wrapper over startServer. */
import { action, cliProgram, example, port } from '@aae-map/shared/cli';

interface ServeCliOptions {
  port: number;
  root: string;
  model: string;
}

/**
 * SIGTERM (a service manager, `kill`) and SIGINT (Ctrl-C) close the server and end the process,
 * with esbuild's service child, which exits when its pipe to us closes. A second signal, or a
 * close that hangs, ends it at once.
 */
function stopOnSignals(server: { close(): Promise<void> }): void {
  const stop = (signal: NodeJS.Signals) => {
    process.once(signal, () => process.exit(1));
    setTimeout(() => process.exit(1), 3000).unref();
    server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const program = cliProgram(
  'serve',
  'Serve the map page on 127.0.0.1: drop images (or a folder) to embed them in the browser, or open a points.csv from embed.',
)
  .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', port, 8080)
  .option('--root <dir>', 'folder served to the page: images, and points.csv files whose paths are relative to it', '.')
  .option('--model <file>', 'ONNX model from pnpm export, loaded by the page (it also takes a dropped one)', 'model.onnx')
  .addHelpText(
    'after',
    example(
      'pnpm sample-images --out images/ --count 1000',
      'pnpm serve --model model.onnx --root images/',
      'then open http://127.0.0.1:8080/ and drop the images/ folder on the page',
    ),
  )
  .action(
    action(async (opts: ServeCliOptions) => {
      const { startServer } = await import('./index.ts');
      const s = await startServer(opts);
      const model = s.modelFound ? `model ${s.model}` : `no model at ${s.model} (drop one on the page, or pass --model)`;
      console.log(`serving ${s.url} (${model}; files from ${s.root}); Ctrl-C stops`);
      stopOnSignals(s);
    }),
  );

await program.parseAsync();
