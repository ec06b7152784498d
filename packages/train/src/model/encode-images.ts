/**
 * The encoder's inference pass on raw uint8 images or float32 feature vectors, in chunks: what
 * the exported ONNX graph computes (Contract 2), so training-time metrics, `loadModel` and the
 * export parity test agree.
 */

import { type Architecture, inputValuesOf } from '@aae-map/shared';
import * as tf from '@tensorflow/tfjs-core';
import { readInto } from '../backend.ts';
import type { InputRows } from '../data/dataset.ts';
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
  pixels: InputRows,
  count: number,
  chunk = 500,
): Promise<Encodings> {
  const px = inputValuesOf(a);
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
      const x = inputTensor(a, pixels.subarray(start * px, (start + m) * px), m, px);
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

/** Rows of pixels or features as the encoder's input, scaled as the exported graph scales them. */
function inputTensor(a: Architecture, rows: InputRows, m: number, px: number): tf.Tensor2D {
  const s = a.standardization;
  if (s) return tf.div(tf.sub(tf.tensor2d(rows, [m, px], 'float32'), tf.tensor1d(s.mean)), tf.tensor1d(s.std));
  const raw = tf.tensor2d(rows, [m, px], 'int32');
  return tf.add(tf.mul(tf.cast(raw, 'float32'), a.normalization.scale), a.normalization.offset);
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
