import { stat } from 'node:fs/promises';
import { readCheckpoint, UserError, writeFileAtomic } from '@aae-map/shared';
import { type BuildOptions, buildModel, IR_VERSION, OPSET } from './graph-builder.ts';

/** What `exportModel` wrote. */
export interface ExportSummary {
  runDir: string;
  outFile: string;
  /** Size of the .onnx file. */
  bytes: number;
  opset: number;
  irVersion: number;
  inputKind: 'image' | 'features';
  /** [H, W] of the uint8 image input, or [D] of the float32 feature input. */
  inputSize: number[];
  /** 1: the input is gray [N, H, W] (or feature vectors); 3: RGB [N, H, W, 3]. */
  channels: number;
  clusters: number;
  styleDim: number;
  mode: 'nd' | '2d';
  /** Completed training epochs of the checkpoint. */
  epochs: number;
  /** How the hidden layers' weights are stored: float32, or quantized (BuildOptions.quantize). */
  weights: 'float32' | 'int8';
}

/**
 * Reads the checkpoint in `runDir` and writes its ONNX graph to `outFile` atomically. A bad
 * checkpoint throws a one-line UserError before anything is written.
 */
export async function exportModel(runDir: string, outFile: string, opts: BuildOptions = {}): Promise<ExportSummary> {
  if ((await stat(outFile).catch(() => undefined))?.isDirectory()) {
    throw new UserError(`${outFile} is a directory; give a file name such as model.onnx`);
  }
  const { manifest, weights } = await readCheckpoint(runDir);
  const bytes = buildModel(manifest, weights, opts);
  try {
    await writeFileAtomic(outFile, bytes);
  } catch (err) {
    throw new UserError(`cannot write ${outFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const a = manifest.architecture;
  return {
    runDir,
    outFile,
    bytes: bytes.byteLength,
    opset: OPSET,
    irVersion: IR_VERSION,
    inputKind: a.inputKind ?? 'image',
    inputSize: a.inputKind === 'features' ? [a.inputWidth] : [a.inputHeight, a.inputWidth],
    channels: a.channels,
    clusters: a.clusters,
    styleDim: a.styleDim,
    mode: a.mode,
    epochs: manifest.epochs,
    weights: opts.quantize ?? 'float32',
  };
}
