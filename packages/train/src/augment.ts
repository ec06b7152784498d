/**
 * Random translations of the training images. The supervised phase sees the same 1000 (or 100)
 * labelled images every few iterations and fits them within the first epoch (labelled accuracy
 * 100%, supervised loss near 0), after which the test error stops falling. Shifting each image
 * by a few pixels every time it is drawn turns it into a new example; digits keep their class
 * under such shifts, so the encoder learns the invariance instead of the pixels. Shifting the
 * unlabelled images too gave the same error and a tighter map. Without labels it only hurt
 * (unsupervised 2-D, 20 clusters: 56% error with it), so it is off by default there. README
 * "Measured results" has the figures.
 */
import type { Rng } from './rng.ts';

/**
 * Shifts each of `count` images (row-major height × width, packed in `x`) in place by its own
 * random (dy, dx), each uniform in [-maxShift, maxShift]; pixels shifted in are `fill`.
 */
export function shiftImages(x: Float32Array, count: number, height: number, width: number, maxShift: number, fill: number, rng: Rng): void {
  if (maxShift <= 0) return;
  const px = height * width;
  const tmp = new Float32Array(px);
  for (let k = 0; k < count; k++) {
    const dy = rng.int(2 * maxShift + 1) - maxShift;
    const dx = rng.int(2 * maxShift + 1) - maxShift;
    const img = x.subarray(k * px, (k + 1) * px);
    tmp.fill(fill);
    for (let r = Math.max(0, dy); r < Math.min(height, height + dy); r++) {
      const src = (r - dy) * width;
      const c0 = Math.max(0, dx);
      const c1 = Math.min(width, width + dx);
      tmp.set(img.subarray(src + c0 - dx, src + c1 - dx), r * width + c0);
    }
    img.set(tmp);
  }
}
