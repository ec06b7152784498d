/** Seeded synthetic data for the metric tests. */

/**
 * Reproducible numbers in [0, 1) from `seed`: the fractional part of a scaled sine (a classic
 * shader hash). Plenty random for test data, and one line.
 */
export function seeded(seed: number): () => number {
  let i = 0;
  return () => {
    const x = Math.sin(++i * 12.9898 + seed * 78.233) * 43758.5453;
    return x - Math.floor(x);
  };
}

/**
 * `perBlob` 2-D points around each of `blobs` centres on a circle of radius `radius`, each
 * within `spread` of its centre (uniform in a square). Labels are the blob index.
 */
export function blobs2d(
  blobs: number,
  perBlob: number,
  radius: number,
  spread: number,
  seed: number,
): { points: Float32Array; labels: Int32Array } {
  const rand = seeded(seed);
  const n = blobs * perBlob;
  const points = new Float32Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const b = i % blobs;
    const angle = (2 * Math.PI * b) / blobs;
    points[2 * i] = radius * Math.cos(angle) + spread * (2 * rand() - 1);
    points[2 * i + 1] = radius * Math.sin(angle) + spread * (2 * rand() - 1);
    labels[i] = b;
  }
  return { points, labels };
}

/** The deterministic data the sklearn reference numbers in the tests were computed on. */
export function sineData(n = 120, dim = 10): { high: Float32Array; low: Float32Array; labels: Int32Array } {
  const high = new Float32Array(n * dim);
  const low = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) high[i * dim + d] = Math.sin(1.7 * i + 2.3 * d + 0.1 * i * d);
    low[2 * i] = high[i * dim]! + 0.3 * high[i * dim + 1]!;
    low[2 * i + 1] = high[i * dim + 2]!;
    labels[i] = i % 3;
  }
  return { high, low, labels };
}
