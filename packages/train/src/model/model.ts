/**
 * The AAE's networks as functions of named weight tensors (names and shapes from Contract 1's
 * `modelWeightShapes`). Encoder: x → hidden ReLU layers → y logits (softmax n) and z (linear d).
 * Decoder: r → hidden ReLU layers → tanh pixels (or linear values, for inputs beyond [-1, 1]). Discriminators: input → hidden ReLU → 2 logits.
 */

import { type Architecture, modelWeightShapes } from '@aae-map/shared';
import * as tf from '@tensorflow/tfjs-core';
import { FlatTensors } from '../kernels/flat-tensors.ts';
import type { Rng } from '../rng.ts';
import { type Activation, type DenseImpl, denseBackward, denseT, type GradNeeds, naiveDense } from './dense.ts';
import { circlePoints } from './projection.ts';

export type WeightTensors = Map<string, tf.Tensor>;

/** How one network runs in a pass: are its weights trained, does its input need a gradient. */
export interface Pass {
  train: boolean;
  inputGrad: boolean;
  impl: DenseImpl;
  /** 'custom' layers append their feature-major input and output here (see traceEncoder). */
  record?: TracedLayer[];
}

/** One feature-major layer's input and output, kept for a later backward pass. */
export interface TracedLayer {
  name: string;
  xT: tf.Tensor2D;
  yT: tf.Tensor2D;
}

export const inference = (impl: DenseImpl = 'custom'): Pass => ({ train: false, inputGrad: false, impl });

/** One layer; `x` is feature-major ([features, batch]) for 'custom', batch-major for 'naive'. */
function layer(w: WeightTensors, name: string, x: tf.Tensor2D, act: Activation, needs: GradNeeds, pass: Pass): tf.Tensor2D {
  const kernel = w.get(`${name}/kernel`) as tf.Tensor2D;
  const bias = w.get(`${name}/bias`) as tf.Tensor1D;
  if (pass.impl === 'naive') return naiveDense(x, kernel, bias, act);
  const y = denseT(x, kernel, bias, act, needs);
  pass.record?.push({ name, xT: x, yT: y });
  return y;
}

/**
 * Networks take and return batch-major tensors ([batch, features]); the 'custom' layers run
 * feature-major in between, so inputs and outputs are transposed (transposition is its own inverse).
 */
const layout = (x: tf.Tensor2D, impl: DenseImpl): tf.Tensor2D => (impl === 'custom' ? tf.transpose(x) : x);

/** The hidden ReLU stack of one network. Later layers need their input's gradient whenever anything before them is trained. */
function trunk(w: WeightTensors, a: Architecture, prefix: string, x: tf.Tensor2D, pass: Pass): tf.Tensor2D {
  let h = x;
  a.hidden.forEach((_, i) => {
    const needs = { weights: pass.train, input: pass.inputGrad || (pass.train && i > 0) };
    h = layer(w, `${prefix}/dense${i}`, h, 'relu', needs, pass);
  });
  return h;
}

function outputNeeds(pass: Pass): GradNeeds {
  return { weights: pass.train, input: pass.train || pass.inputGrad };
}

export interface Encoded {
  /** [B, n] unnormalised cluster scores; y = softmax(logits). */
  logits: tf.Tensor2D;
  /** [B, d] style; absent when not asked for. */
  z?: tf.Tensor2D;
}

export function encode(w: WeightTensors, a: Architecture, x: tf.Tensor2D, pass: Pass, withZ = true): Encoded {
  const h = trunk(w, a, 'encoder', layout(x, pass.impl), pass);
  const logits = layout(layer(w, 'encoder/y', h, 'linear', outputNeeds(pass), pass), pass.impl);
  const z = withZ ? layout(layer(w, 'encoder/z', h, 'linear', outputNeeds(pass), pass), pass.impl) : undefined;
  return { logits, z };
}

/**
 * The encoder's forward pass ('custom' layers) with every layer's input and output kept, so
 * that its backward pass can run later (encoderGrads) without a second forward pass: the
 * generator phase backpropagates through the encoder outputs the discriminator phase computed,
 * since the discriminator updates in between do not touch the encoder.
 */
export interface EncoderTrace {
  /** [B, n] and [B, d], batch-major like encode()'s. */
  logits: tf.Tensor2D;
  z: tf.Tensor2D;
  /** The hidden layers, then the two heads (y, z). */
  layers: TracedLayer[];
}

export function traceEncoder(w: WeightTensors, a: Architecture, x: tf.Tensor2D): EncoderTrace {
  const layers: TracedLayer[] = [];
  const { logits, z } = encode(w, a, x, { ...inference('custom'), record: layers });
  return { logits, z: z!, layers };
}

/** The gradients of `names` (encoder weights) from dL/dlogits and dL/dz, backpropagated through a trace. */
export function encoderGrads(w: WeightTensors, trace: EncoderTrace, dLogits: tf.Tensor2D, dZ: tf.Tensor2D, names: string[]): tf.Tensor[] {
  const grads = new Map<string, tf.Tensor>();
  const back = (i: number, dyT: tf.Tensor2D, act: Activation, input: boolean) => {
    const { name, xT, yT } = trace.layers[i]!;
    const out = denseBackward(xT, yT, dyT, w.get(`${name}/kernel`) as tf.Tensor2D, act, { input, weights: true });
    grads.set(`${name}/kernel`, out[input ? 1 : 0]!);
    grads.set(`${name}/bias`, out[input ? 2 : 1]!);
    return input ? (out[0] as tf.Tensor2D) : undefined;
  };
  const hidden = trace.layers.length - 2;
  let dh = tf.add(back(hidden, tf.transpose(dLogits), 'linear', true)!, back(hidden + 1, tf.transpose(dZ), 'linear', true)!) as tf.Tensor2D;
  for (let i = hidden - 1; i >= 0; i--) dh = back(i, dh, 'relu', i > 0) ?? dh;
  return names.map((n) => {
    const g = grads.get(n);
    if (!g) throw new Error(`encoderGrads: no gradient for ${n}`);
    return g;
  });
}

/**
 * tf.mean over all values, with tf.mean's gradient (dy · 1 / size, the same values) built from a
 * ones tensor the backend fills itself: tfjs's own builds it on the host, which on webgpu uploads
 * an array the size of the input at every step (two batches of images for the reconstruction).
 */
export const meanOnDevice = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  return {
    value: tf.mean(x) as tf.Scalar,
    gradFunc: (dy: tf.Tensor) =>
      tf.div(
        tf.mul(
          tf.reshape(
            dy,
            x.shape.map(() => 1),
          ),
          tf.fill(x.shape, 1, 'float32'),
        ),
        x.size,
      ),
  };
}) as (x: tf.Tensor) => tf.Scalar;

/**
 * The value of `f` and its gradients with respect to the weights `names`, in that order. The
 * value stays a tensor: WebGPU can only read it back asynchronously (Replica reads it).
 */
export function differentiate(w: WeightTensors, names: string[], f: () => tf.Scalar): { loss: tf.Scalar; grads: tf.Tensor[] } {
  const { value, grads } = tf.valueAndGrads(() => f())(names.map((n) => w.get(n)!));
  return { loss: value, grads };
}

/** x unchanged, with its gradient multiplied by `scale` on the way back. */
export function scaleGradient(x: tf.Tensor2D, scale: number): tf.Tensor2D {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.mul(dy, scale),
  }));
  return f(x) as tf.Tensor2D;
}

/** r = y·W_c + z, with W_c stored as `heads` (n × d). */
export function represent(w: WeightTensors, y: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(y, w.get('heads') as tf.Tensor2D), z);
}

export function decode(w: WeightTensors, a: Architecture, r: tf.Tensor2D, pass: Pass): tf.Tensor2D {
  const h = trunk(w, a, 'decoder', layout(r, pass.impl), pass);
  return layout(layer(w, 'decoder/out', h, a.decoderOutput ?? 'tanh', outputNeeds(pass), pass), pass.impl);
}

export function discriminate(w: WeightTensors, a: Architecture, which: 'disc_y' | 'disc_z', input: tf.Tensor2D, pass: Pass): tf.Tensor2D {
  const h = trunk(w, a, which, layout(input, pass.impl), pass);
  return layout(layer(w, `${which}/out`, h, 'linear', outputNeeds(pass), pass), pass.impl);
}

/**
 * Seeded initial weights: He-normal for ReLU layers, LeCun-normal for the linear/tanh outputs,
 * zero biases. Heads: headScale·I in n-D mode; in 2-D mode, evenly on a circle `headDistance` apart.
 */
export function initialWeights(a: Architecture, rng: Rng, headDistance: number): FlatTensors {
  const weights = new FlatTensors(modelWeightShapes(a));
  for (const name of weights.names) {
    const v = weights.view(name);
    const shape = weights.shape(name);
    if (name === 'heads') {
      if (a.mode === 'nd') for (let k = 0; k < a.clusters; k++) v[k * a.styleDim + k] = a.headScale;
      // Random heads start with close pairs, and Adam moves a head only about lr per step, so the
      // distance penalty could not part them within a run: start every pair at least η apart.
      else if (a.clusters > 1) v.set(circlePoints(a.clusters, headDistance / (2 * Math.sin(Math.PI / a.clusters))).flat());
    } else if (name.endsWith('/kernel')) {
      const relu = /\/dense\d+\/kernel$/.test(name);
      rng.fillNormal(v, Math.sqrt((relu ? 2 : 1) / shape[0]!));
    }
  }
  return weights;
}

/** Which weights each training phase updates. */
export function phaseWeightNames(a: Architecture): Record<'reconstruction' | 'discriminator' | 'generator' | 'supervised', string[]> {
  const all = modelWeightShapes(a).map(([n]) => n);
  const enc = all.filter((n) => n.startsWith('encoder/'));
  return {
    reconstruction: [...enc, ...all.filter((n) => n.startsWith('decoder/')), ...(a.mode === '2d' ? ['heads'] : [])],
    discriminator: all.filter((n) => n.startsWith('disc_')),
    generator: enc,
    supervised: enc.filter((n) => !n.startsWith('encoder/z/')),
  };
}

/** tfjs tensors mirroring (some of) a FlatTensors' values. */
export class TfWeights {
  readonly tensors: WeightTensors = new Map();

  /** Replaces the tensors for `names` with the current values in `src`. */
  upload(src: FlatTensors, names: Iterable<string> = src.names): void {
    // The cpu backend keeps a reference to the array it is given instead of copying it, and
    // webgpu keeps one until the tensor's first use, so they get private copies; wasm (and
    // tfjs-node) copy into their own memory at once.
    const copy = tf.getBackend() === 'cpu' || tf.getBackend() === 'webgpu';
    for (const name of names) {
      const view = src.view(name);
      this.replace(name, tf.tensor(copy ? view.slice() : view, src.shape(name)));
    }
  }

  /** Puts `t` under `name`, freeing the tensor it replaces. */
  replace(name: string, t: tf.Tensor): void {
    this.tensors.get(name)?.dispose();
    this.tensors.set(name, t);
  }

  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }
}
