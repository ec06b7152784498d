/** ‖row‖² of each row of `x` [n, dim] (row-major), summed in float64: the ‖a‖² + ‖b‖² − 2a·b of distances from products. */
export function squaredNorms(x: Float32Array, dim: number): Float64Array {
  const n = x.length / dim;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = i * dim; d < (i + 1) * dim; d++) s += x[d]! * x[d]!;
    out[i] = s;
  }
  return out;
}
