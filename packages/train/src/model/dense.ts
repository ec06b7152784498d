/**
 * Dense layers with two implementations:
 * - 'custom' (the default): feature-major. Activations are [features, batch] and a layer computes
 *   yᵀ = act(Wᵀ·xᵀ + b) with a tf.customGrad. On tfjs-wasm only the second operand of a matMul is
 *   repacked (XNNPACK weight packing, about 3.5 ms per million floats, paid again whenever that
 *   tensor is new), and XNNPACK's matMul with a transpose flag is ~10× slower (docs/design.md,
 *   Speed). Feature-major, every product has the big weight matrix first (Wᵀ forward, W for the
 *   input's gradient) and a small activation second, so no weight is repacked after an update.
 *   It also skips gradients the caller says are not needed (the pixels' gradient, a frozen
 *   discriminator's weights). On wasm the products run in generated SIMD kernels (matMul2d,
 *   simd-gemm.ts), which suit the same layout: a strip of the big first operand stays in L1
 *   while the small second one streams. They read Wᵀ from W itself (a strip at a time), so
 *   each kernel is stored, updated and loaded into each replica once.
 * - 'naive': batch-major tf.fused.matMul with tfjs's default gradient, kept for the benchmark's
 *   baseline.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from '../kernels/wasm-matmul.ts';

export type Activation = 'relu' | 'linear' | 'tanh';
export type DenseImpl = 'custom' | 'naive';

/** Which gradients backprop needs from this layer. Both false: forward only (no tape). */
export interface GradNeeds {
  input: boolean;
  weights: boolean;
}

export const NO_GRADS: GradNeeds = { input: false, weights: false };

/** Batch-major naive layer: y = act(x·W + b) for x [batch, in], with tfjs's own gradient. */
export function naiveDense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, act: Activation): tf.Tensor2D {
  const y = tf.fused.matMul({ a: x, b: w, bias: b, activation: act === 'relu' ? 'relu' : 'linear' }) as tf.Tensor2D;
  return act === 'tanh' ? tf.tanh(y) : y;
}

function forwardT(xT: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, act: Activation): tf.Tensor2D {
  const pre = tf.add(matMul2d(w, xT, true), tf.reshape(b, [-1, 1])) as tf.Tensor2D;
  return act === 'relu' ? tf.relu(pre) : act === 'tanh' ? tf.tanh(pre) : pre;
}

/** dL/d(pre-activation) from dL/dy and the layer's output y (either layout). */
function preActivationGrad(dy: tf.Tensor2D, y: tf.Tensor2D, act: Activation): tf.Tensor2D {
  if (act === 'relu') return tf.mul(dy, tf.step(y));
  if (act === 'tanh') return tf.mul(dy, tf.sub(1, tf.square(y)));
  return dy;
}

/**
 * Backprop through one feature-major layer from its input xT, output yT and dL/dyT: the
 * gradients `needs` asks for, in the order [dL/dxT, dL/dW, dL/db].
 */
export function denseBackward(
  xT: tf.Tensor2D,
  yT: tf.Tensor2D,
  dyT: tf.Tensor2D,
  w: tf.Tensor2D,
  act: Activation,
  needs: GradNeeds,
): tf.Tensor[] {
  const dpreT = preActivationGrad(dyT, yT, act);
  const grads: tf.Tensor[] = [];
  if (needs.input) grads.push(matMul2d(w, dpreT));
  if (needs.weights) grads.push(matMul2d(xT, tf.transpose(dpreT)), tf.sum(dpreT, 1));
  return grads;
}

/** Feature-major layer: xT [in, batch] → yT [out, batch], given the kernel W [in, out]. Gradients are taken with respect to xT, W and b. */
export function denseT(xT: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, act: Activation, needs: GradNeeds): tf.Tensor2D {
  if (!needs.input && !needs.weights) return forwardT(xT, w, b, act);
  // customGrad differentiates only its arguments, so tensors that need no gradient are closed
  // over instead. Backprop must read x and y from `saved`: the tape disposes the forward
  // pass's intermediates (such as x, the previous layer's output) before it runs. W is a
  // weight that outlives the pass, and saving it would copy it (wasm's Identity copies).
  const args: tf.Tensor[] = [];
  if (needs.input) args.push(xT);
  if (needs.weights) args.push(w, b);
  const f = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = inputs[inputs.length - 1] as tf.GradSaveFunc;
    const yT = forwardT(xT, w, b, act);
    save([xT, yT]);
    return {
      value: yT,
      gradFunc: (dyT: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sy] = saved as tf.Tensor2D[];
        return denseBackward(sx!, sy!, dyT as tf.Tensor2D, w, act, needs);
      },
    };
  });
  return f(...args) as tf.Tensor2D;
}
