/**
 * The encoder's inference pass on raw uint8 images, in chunks: what the exported ONNX graph
 * computes (Contract 2), so training-time metrics, `loadModel` and the export parity test agree.
 */

import type { Architecture } from '@aae-map/shared';
import * as tf from '@tensorflow/tfjs-core';
import { readInto } from '../backend.ts';
import { encode, inference, represent, type WeightTensors } from './model.ts';

export interface Encodings {
  /** [count, 2] representation · P */
  point: Float32Array;
  /** [count, n] softmax y */
  clusterProb: Float32Array;
  /** [count, d] z */
  style: Float32Array;
  /** [count, d] y·W_c + z */
  representation: Float32Array;
}

export async function encodeImages(
  w: WeightTensors,
  a: Architecture,
  projection: number[][],
  pixels: Uint8Array,
  count: number,
  chunk = 500,
): Promise<Encodings> {
  const px = a.inputHeight * a.inputWidth * a.channels;
  if (pixels.length < count * px) throw new Error(`encodeImages: ${pixels.length} bytes for ${count} images of ${px} pixels`);
  const { clusters: n, styleDim: d } = a;
  const out: Encodings = {
    point: new Float32Array(count * 2),
    clusterProb: new Float32Array(count * n),
    style: new Float32Array(count * d),
    representation: new Float32Array(count * d),
  };
  const p = tf.tensor2d(projection.flat(), [d, 2]);
  for (let start = 0; start < count; start += chunk) {
    const m = Math.min(chunk, count - start);
    const parts = tf.tidy(() => {
      const raw = tf.tensor2d(pixels.subarray(start * px, (start + m) * px), [m, px], 'int32');
      const x = tf.add(tf.mul(tf.cast(raw, 'float32'), a.normalization.scale), a.normalization.offset) as tf.Tensor2D;
      const { logits, z } = encode(w, a, x, inference());
      const y = tf.softmax(logits);
      const r = represent(w, y, z!);
      return [y, z!, r, tf.matMul(r, p)];
    });
    const rowsOf = (a: Float32Array, width: number) => a.subarray(start * width, (start + m) * width);
    try {
      await readInto(parts, [rowsOf(out.clusterProb, n), rowsOf(out.style, d), rowsOf(out.representation, d), rowsOf(out.point, 2)]);
    } finally {
      tf.dispose(parts);
    }
  }
  p.dispose();
  return out;
}

/** Index of the largest value in each row of a [count, n] matrix. */
export function argmaxRows(m: Float32Array, n: number): Int32Array {
  const out = new Int32Array(m.length / n);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let k = 1; k < n; k++) if (m[i * n + k]! > m[i * n + best]!) best = k;
    out[i] = best;
  }
  return out;
}
