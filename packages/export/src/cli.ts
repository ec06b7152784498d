/** `pnpm export model.onnx [--run DIR]`: thin wrapper over exportModel. */
import { action, cliProgram, example } from '@aae-map/shared/cli';

interface ExportCliOptions {
  run?: string;
  runs: string;
}

const program = cliProgram('export', 'Write the encoder and its 2-D map from a training checkpoint as one ONNX graph.')
  .argument('<output>', 'ONNX file to write, e.g. model.onnx')
  .option('--run <dir>', 'checkpoint directory to export (default: the latest run under --runs)')
  .option('--runs <dir>', 'where to look for the latest run when --run is not given', 'runs')
  .addHelpText('after', example('pnpm export model.onnx --run runs/mnist-100'))
  .action(
    action(async (output: string, opts: ExportCliOptions) => {
      const { exportModel, latestRun } = await import('./index.ts');
      const runDir = opts.run ?? (await latestRun(opts.runs));
      const s = await exportModel(runDir, output);
      const mode = s.mode === 'nd' ? `${s.clusters}-D` : '2-D';
      console.log(
        `wrote ${s.outFile} (${(s.bytes / 1e6).toFixed(2)} MB) from ${s.runDir} (${s.epochs} epochs): ` +
          `${s.inputKind === 'features' ? 'float32' : 'uint8'} [N, ${[...s.inputSize, ...(s.channels === 1 ? [] : [s.channels])].join(', ')}] -> ${s.clusters} clusters, ${mode} representation, opset ${s.opset}`,
      );
    }),
  );

await program.parseAsync();
