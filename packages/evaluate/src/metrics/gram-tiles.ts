/**
 * The upper triangle of the Gram matrix X·Xᵀ, computed in 4×4 tiles and handed to a visitor
 * tile by tile, so that no n×n matrix is ever stored (10k points would need 400–800 MB).
 *
 * Speed in plain TypeScript comes from two things:
 * - a 4×4 register-blocked kernel: 16 accumulators in locals, 8 loads per 16 multiply-adds;
 * - skipping dimensions that are zero in all 4 rows of a row tile. MNIST images are about 80%
 *   background, so a 4-row tile touches about 300 of 784 pixels. Dense data simply gets no
 *   speed-up from this.
 * Products accumulate in float64 (JS numbers), so integer inputs such as raw pixels give exact
 * dot products.
 */

export const TILE = 4;

/**
 * Receives the tile of rows i0..i0+3 and columns j0..j0+3 (j0 ≥ i0): tile[r·4 + c] = x_{i0+r}·x_{j0+c}.
 * Indices ≥ n belong to zero padding and must be ignored. The tile array is reused.
 */
export type TileVisitor = (i0: number, j0: number, tile: Float64Array) => void;

/** Copies n rows of `dim` values into a zero-padded buffer with a multiple of 4 rows. */
function padRows(x: Float32Array, n: number, dim: number): Float32Array {
  const padded = new Float32Array(Math.ceil(n / TILE) * TILE * dim);
  padded.set(x.subarray(0, n * dim));
  return padded;
}

/**
 * Visits every tile on or above the diagonal once. `onRowTile(done, total)` reports progress in
 * pairs (tiles get cheaper as the rows go down, so rows would give a wrong ETA).
 */
export function forEachGramTile(
  x: Float32Array,
  dim: number,
  visit: TileVisitor,
  onRowTile?: (pairsDone: number, pairsTotal: number) => void,
): void {
  const n = x.length / dim;
  const a = padRows(x, n, dim);
  const rows = a.length / dim;
  const active = new Int32Array(dim);
  const packed = new Float64Array(dim * TILE);
  const tile = new Float64Array(TILE * TILE);
  const pairsTotal = (rows * (rows + TILE)) / 2;
  let pairsDone = 0;
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const m = packActive(a, dim, i0, active, packed);
    for (let j0 = i0; j0 < rows; j0 += TILE) {
      tileKernel(a, dim, j0, active, packed, m, tile);
      visit(i0, j0, tile);
    }
    pairsDone += (rows - i0) * TILE;
    onRowTile?.(pairsDone, pairsTotal);
  }
}

/**
 * Lists the dimensions where any of rows i0..i0+3 is non-zero, and packs those rows' values
 * there as packed[q·4 + r]. Returns how many dimensions are active.
 */
function packActive(a: Float32Array, dim: number, i0: number, active: Int32Array, packed: Float64Array): number {
  const r0 = i0 * dim;
  let m = 0;
  for (let k = 0; k < dim; k++) {
    const v0 = a[r0 + k]!;
    const v1 = a[r0 + dim + k]!;
    const v2 = a[r0 + 2 * dim + k]!;
    const v3 = a[r0 + 3 * dim + k]!;
    if (v0 === 0 && v1 === 0 && v2 === 0 && v3 === 0) continue;
    active[m] = k;
    packed[m * 4] = v0;
    packed[m * 4 + 1] = v1;
    packed[m * 4 + 2] = v2;
    packed[m * 4 + 3] = v3;
    m++;
  }
  return m;
}

/** tile[r·4 + c] = Σ over active k of packed row r · a[j0 + c, k]. */
function tileKernel(
  a: Float32Array,
  dim: number,
  j0: number,
  active: Int32Array,
  packed: Float64Array,
  m: number,
  tile: Float64Array,
): void {
  const b0 = j0 * dim;
  const b1 = b0 + dim;
  const b2 = b1 + dim;
  const b3 = b2 + dim;
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0,
    c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0,
    c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let q = 0; q < m; q++) {
    const k = active[q]!;
    const p = q * 4;
    const x0 = packed[p]!,
      x1 = packed[p + 1]!,
      x2 = packed[p + 2]!,
      x3 = packed[p + 3]!;
    const y0 = a[b0 + k]!,
      y1 = a[b1 + k]!,
      y2 = a[b2 + k]!,
      y3 = a[b3 + k]!;
    c00 += x0 * y0;
    c01 += x0 * y1;
    c02 += x0 * y2;
    c03 += x0 * y3;
    c10 += x1 * y0;
    c11 += x1 * y1;
    c12 += x1 * y2;
    c13 += x1 * y3;
    c20 += x2 * y0;
    c21 += x2 * y1;
    c22 += x2 * y2;
    c23 += x2 * y3;
    c30 += x3 * y0;
    c31 += x3 * y1;
    c32 += x3 * y2;
    c33 += x3 * y3;
  }
  tile[0] = c00;
  tile[1] = c01;
  tile[2] = c02;
  tile[3] = c03;
  tile[4] = c10;
  tile[5] = c11;
  tile[6] = c12;
  tile[7] = c13;
  tile[8] = c20;
  tile[9] = c21;
  tile[10] = c22;
  tile[11] = c23;
  tile[12] = c30;
  tile[13] = c31;
  tile[14] = c32;
  tile[15] = c33;
}
