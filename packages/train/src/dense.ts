/**
 * Dense layers y = act(x·W + b) with two gradient implementations:
 * - 'custom': a tf.customGrad with explicit transposes. On tfjs-wasm, matMul with a transpose
 *   flag is ~10× slower than tf.transpose + plain matMul (FACTS.md), and the default gradient of
 *   matMul uses the flags. It also skips gradients the caller says are not needed (the
 *   pixels' gradient, a frozen discriminator's weights), which tfjs cannot know here.
 * - 'naive': tf.fused.matMul with tfjs's default gradient, kept for the benchmark's baseline.
 */
import * as tf from '@tensorflow/tfjs-core';

export type Activation = 'relu' | 'linear' | 'tanh';
export type DenseImpl = 'custom' | 'naive';

/** Which gradients backprop needs from this layer. Both false: forward only (no tape). */
export interface GradNeeds {
  input: boolean;
  weights: boolean;
}

export const NO_GRADS: GradNeeds = { input: false, weights: false };

function forward(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, act: Activation): tf.Tensor2D {
  const y = tf.fused.matMul({ a: x, b: w, bias: b, activation: act === 'relu' ? 'relu' : 'linear' }) as tf.Tensor2D;
  return act === 'tanh' ? tf.tanh(y) : y;
}

/** dL/d(pre-activation) from dL/dy and the layer's output y. */
function preActivationGrad(dy: tf.Tensor2D, y: tf.Tensor2D, act: Activation): tf.Tensor2D {
  if (act === 'relu') return tf.mul(dy, tf.step(y));
  if (act === 'tanh') return tf.mul(dy, tf.sub(1, tf.square(y)));
  return dy;
}

function customDense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, act: Activation, needs: GradNeeds): tf.Tensor2D {
  // customGrad differentiates only its arguments, so tensors that need no gradient are closed
  // over instead. Backprop must read x and y from `saved`: the tape disposes the forward
  // pass's intermediates (such as x, the previous layer's output) before it runs. W is a
  // weight that outlives the pass, and saving it would copy it (wasm's Identity copies).
  const args: tf.Tensor[] = [];
  if (needs.input) args.push(x);
  if (needs.weights) args.push(w, b);
  const f = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = inputs[inputs.length - 1] as tf.GradSaveFunc;
    const y = forward(x, w, b, act);
    save([x, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sy] = saved as tf.Tensor2D[];
        const dpre = preActivationGrad(dy as tf.Tensor2D, sy!, act);
        const grads: tf.Tensor[] = [];
        // dx = dpre·Wᵀ, computed as (W·dpreᵀ)ᵀ: transposing the small [batch, out] matrices
        // is cheaper than transposing W.
        if (needs.input) grads.push(tf.transpose(tf.matMul(w, tf.transpose(dpre))));
        if (needs.weights) grads.push(tf.matMul(tf.transpose(sx!), dpre), tf.sum(dpre, 0));
        return grads;
      },
    };
  });
  return f(...args) as tf.Tensor2D;
}

export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, act: Activation, needs: GradNeeds, impl: DenseImpl): tf.Tensor2D {
  if (impl === 'naive' || (!needs.input && !needs.weights)) return forward(x, w, b, act);
  return customDense(x, w, b, act, needs);
}
