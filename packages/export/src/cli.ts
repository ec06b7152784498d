/** `pnpm export model.onnx [--run DIR]`: thin wrapper over exportModel. */
import { action, cliProgram, examples, Option } from '@aae-map/shared/cli';
import { QUANTIZE_MODES, type QuantizeMode } from './quantize-modes.ts';

interface ExportCliOptions {
  run?: string;
  runs: string;
  quantize?: QuantizeMode;
}

const program = cliProgram('export', 'Write the encoder and its 2-D map from a training checkpoint as one ONNX graph.')
  .argument('<output>', 'ONNX file to write, e.g. model.onnx')
  .option('--run <dir>', 'checkpoint directory to export (default: the latest run under --runs)')
  .option('--runs <dir>', 'where to look for the latest run when --run is not given', 'runs')
  .addOption(
    new Option(
      '--quantize <type>',
      'store the hidden layers as int8 weights: the model then takes about a third of the CPU time (docs/model-format.md)',
    ).choices(QUANTIZE_MODES),
  )
  .addHelpText('after', examples('pnpm export model.onnx --run runs/mnist-100', 'pnpm export model-int8.onnx --quantize int8'))
  .action(
    action(async (output: string, opts: ExportCliOptions) => {
      const { exportModel, latestRun } = await import('./index.ts');
      const runDir = opts.run ?? (await latestRun(opts.runs));
      const s = await exportModel(runDir, output, { quantize: opts.quantize });
      const mode = s.mode === 'nd' ? `${s.clusters}-D` : '2-D';
      console.log(
        `wrote ${s.outFile} (${(s.bytes / 1e6).toFixed(2)} MB) from ${s.runDir} (${s.epochs} epochs): ` +
          `${s.inputKind === 'features' ? 'float32' : 'uint8'} [N, ${[...s.inputSize, ...(s.channels === 1 ? [] : [s.channels])].join(', ')}] -> ${s.clusters} clusters, ${mode} representation, ${s.weights} weights, opset ${s.opset}`,
      );
    }),
  );

await program.parseAsync();
