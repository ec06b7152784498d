/**
 * A trained checkpoint's encoder as a tfjs forward pass: what evaluate uses and what the export
 * parity test compares the ONNX graph against.
 */
import { encoderWeightNames, type Manifest, readCheckpoint } from '@aae-map/shared';
import { ensureBackend } from '../backend.ts';
import type { InputRows } from '../data/dataset.ts';
import { FlatTensors } from '../kernels/flat-tensors.ts';
import { type Encodings, encodeImages } from './encode-images.ts';
import { TfWeights } from './model.ts';

export interface LoadedModel {
  manifest: Manifest;
  /**
   * Encodes `count` raw uint8 images of H×W×channels values (row-major, one after another),
   * normalised inside exactly as `manifest.architecture.normalization` says; or `count` float32
   * feature vectors, standardised as `manifest.architecture.standardization` says.
   */
  encode(pixels: InputRows, count: number): Promise<Encodings>;
  /** Frees the tfjs tensors. */
  dispose(): void;
}

/** Loads a run directory's checkpoint (Contract 1). Uses the active tfjs backend, or picks one with `auto`. */
export async function loadModel(runDir: string): Promise<LoadedModel> {
  await ensureBackend();
  const { manifest, weights } = await readCheckpoint(runDir);
  const a = manifest.architecture;
  const names = encoderWeightNames(a);
  const flat = new FlatTensors(names.map((n) => [n, manifest.weights.find((w) => w.name === n)!.shape]));
  for (const n of names) flat.view(n).set(weights.get(n)!);
  const tfw = new TfWeights();
  tfw.upload(flat);
  return {
    manifest,
    encode: (pixels, count) => encodeImages(tfw.tensors, a, manifest.projection, pixels, count),
    dispose: () => tfw.dispose(),
  };
}
