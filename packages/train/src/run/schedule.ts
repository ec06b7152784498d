/**
 * Cosine learning-rate decay from `lr` to `lr·finalFraction`, evaluated every iteration from the
 * global step, so it runs inside the loop (the reference implementation's schedule never did)
 * and a resumed run picks up where it stopped.
 */
export function learningRate(step: number, totalSteps: number, lr: number, finalFraction: number): number {
  const t = totalSteps > 1 ? Math.min(1, Math.max(0, step / (totalSteps - 1))) : 1;
  const floor = lr * finalFraction;
  return floor + (lr - floor) * 0.5 * (1 + Math.cos(Math.PI * t));
}
