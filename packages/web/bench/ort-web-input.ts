/** What both sides of `pnpm bench:ort-web` feed the model. */
import { INPUT_NAME } from '@aae-map/shared';

export { INPUT_NAME };

/** Runs before timing: the first runs are slower while Chromium's TurboFan compiles the module. */
export const WARM_UP_RUNS = 3;

/** `batch` 28x28 gray images of fixed pseudo-random bytes. */
export function benchInput(batch: number): Uint8Array {
  const x = new Uint8Array(batch * 28 * 28);
  for (let i = 0; i < x.length; i++) x[i] = (i * 2654435761) >>> 24;
  return x;
}
