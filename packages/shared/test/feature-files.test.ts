/**
 * The feature and label readers on real files: .npy of every float width and byte order, Fortran
 * order and gzip; CSV with and without a header, an id column, class names; and each bad file as
 * one UserError line that names the file and the problem.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { featureFormat, featureSetName, halfToNumber, readClassNames, readFeatures, readLabels, UserError } from '@aae-map/shared';
import { bytesOf, npyBytes } from '../../../test/fixtures/npy.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aae-feature-files-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const file = async (name: string, data: string | Uint8Array) => {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
};

/** The 2×3 matrix every format below encodes. */
const M = [1.5, -2, 0.25, 1024, 3, -0.5];

function rejects(p: Promise<unknown>, message: RegExp) {
  return assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof UserError, String(err));
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, message);
    return true;
  });
}

test('float16, float32, float64, big-endian, Fortran-order and gzipped .npy all read as the same float32 rows', async () => {
  const half = new Uint16Array([0x3e00, 0xc000, 0x3400, 0x6400, 0x4200, 0xb800]);
  const big = new DataView(new ArrayBuffer(24));
  for (const [i, v] of M.entries()) big.setFloat32(i * 4, v, false);
  const fortran = Float64Array.from([0, 3, 1, 4, 2, 5], (i) => M[i]!);
  const files = [
    await file('f2.npy', npyBytes('<f2', [2, 3], new Uint8Array(half.buffer))),
    await file('f4.npy', npyBytes('<f4', [2, 3], bytesOf(Float32Array.from(M)))),
    await file('f8.npy', npyBytes('<f8', [2, 3], bytesOf(Float64Array.from(M)))),
    await file('be.npy', npyBytes('>f4', [2, 3], new Uint8Array(big.buffer))),
    await file('fortran.npy', npyBytes('<f8', [2, 3], bytesOf(fortran), true)),
    await file('packed.npy.gz', gzipSync(npyBytes('<f4', [2, 3], bytesOf(Float32Array.from(M))))),
  ];
  for (const f of files) {
    const m = await readFeatures(f);
    assert.deepEqual([m.count, m.dim, Array.from(m.values)], [2, 3, M], f);
  }
  assert.equal(halfToNumber(0x7c00), Number.POSITIVE_INFINITY);
  assert.equal(halfToNumber(0x0001), 2 ** -24);
  assert.deepEqual([featureFormat('a/x.CSV.gz'), featureFormat('x.npy'), featureFormat('x-idx3-ubyte')], ['csv', 'npy', undefined]);
  assert.equal(featureSetName('/data/digits.csv.gz'), 'digits');
});

test('a CSV of numbers reads with or without a header; --id-column takes a column out as row ids', async () => {
  const plain = await readFeatures(await file('plain.csv', '1.5,-2,.25\r\n1024,3e0,-0.5\n\n'));
  assert.deepEqual([plain.count, plain.dim, Array.from(plain.values), plain.ids], [2, 3, M, undefined]);
  const withIds = await readFeatures(await file('ids.csv', '\uFEFFa,id,b,c\n1.5,"x, 1",-2,0.25\n1024,y,3,-0.5\n'), 'id');
  assert.deepEqual([withIds.dim, Array.from(withIds.values), withIds.ids], [3, M, ['x, 1', 'y']]);
});

test('labels: int64 .npy with -1; a CSV of indices with empty cells; a CSV of names, sorted into classes', async () => {
  const npy = await file('l.npy', npyBytes('<i8', [4], bytesOf(BigInt64Array.from([2n, -1n, 0n, 7n]))));
  assert.deepEqual(Array.from((await readLabels(npy, 4, 'x.npy')).labels), [2, -1, 0, 7]);
  const nan = await file('lf.npy', npyBytes('<f8', [3, 1], bytesOf(Float64Array.from([1, Number.NaN, 0]))));
  assert.deepEqual(Array.from((await readLabels(nan, 3, 'x.npy')).labels), [1, -1, 0]);
  const csv = await file('l.csv', 'label\n3\n\n-1\n0\n');
  // The blank line is a blank line, not an empty cell: one column has no separator to show it.
  assert.deepEqual(Array.from((await readLabels(csv, 3, 'x.csv')).labels), [3, -1, 0]);
  const names = await file('names.csv', 'id,label\na,virginica\nb,\nc,setosa\nd,virginica\n');
  const col = await readLabels(names, 4, 'x.csv');
  assert.deepEqual(
    [Array.from(col.labels), col.classNames],
    [
      [1, -1, 0, 1],
      ['setosa', 'virginica'],
    ],
  );
  assert.deepEqual(await readClassNames(await file('n.json', '["cat", "dog"]'), 1), ['cat', 'dog']);
});

test('each bad file is one line naming it and the problem', async () => {
  await rejects(
    readFeatures(await file('ints.npy', npyBytes('<i8', [1, 2], new Uint8Array(16)))),
    /ints\.npy: dtype '<i8' is not supported for features; save float32/,
  );
  await rejects(
    readFeatures(await file('strings.npy', npyBytes('<U3', [2], new Uint8Array(24)))),
    /strings\.npy: dtype '<U3' is not supported/,
  );
  await rejects(
    readFeatures(await file('cut.npy', npyBytes('<f4', [2, 3], new Uint8Array(20)))),
    /cut\.npy is truncated: its header says shape \(2, 3\) of '<f4', 24 bytes of data, and the file has 20/,
  );
  await rejects(
    readFeatures(await file('head.npy', npyBytes('<f4', [2, 3], new Uint8Array(24)).subarray(0, 30))),
    /head\.npy is truncated \(header\)/,
  );
  await rejects(
    readFeatures(await file('flat.npy', npyBytes('<f4', [3], new Uint8Array(12)))),
    /flat\.npy has shape \(3\); features must be a 2-D array/,
  );
  await rejects(readFeatures(await file('notnpy.npy', 'hello')), /notnpy\.npy is not a \.npy file/);
  await rejects(readFeatures(await file('ragged.csv', '1,2,3\n4,5\n')), /ragged\.csv row 2 has 2 cells but row 1 has 3/);
  await rejects(readFeatures(await file('word.csv', 'a,b\n1,2\n3,four\n')), /word\.csv row 3, column 'b': 'four' is not a number/);
  await rejects(readFeatures(await file('hole.csv', '1,2\n3,\n')), /hole\.csv row 2, column 2: is empty/);
  await rejects(
    readFeatures(await file('nan.npy', npyBytes('<f4', [1, 2], bytesOf(Float32Array.from([1, Number.NaN]))))),
    /nan\.npy row 1, column 2 is NaN/,
  );
  await rejects(readFeatures(await file('noid.csv', 'a,b\n1,2\n'), 'id'), /noid\.csv has no column 'id'/);
  const labels = await file('three.npy', npyBytes('<i8', [3], new Uint8Array(24)));
  await rejects(readLabels(labels, 4, 'data.npy'), /three\.npy has 3 labels but data\.npy has 4 rows/);
  await rejects(readLabels(await file('neg.csv', '0\n-2\n'), 2, 'd'), /neg\.csv: label 2 is -2/);
  await rejects(
    readLabels(await file('wide.csv', 'a,b\n1,2\n'), 1, 'd'),
    /wide\.csv has 2 columns; give one column of labels, or a header naming the 'label' column/,
  );
  await rejects(readClassNames(await file('few.json', '["a"]'), 2), /few\.json names 1 classes but the labels go up to 2/);
});
