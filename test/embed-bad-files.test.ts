/**
 * A messy folder: corrupt, empty, non-image and dangling-link files among good PNGs, a JPEG and
 * a WebP, in nested folders with unicode, space, comma and quote names. Every good file must be
 * embedded, every bad one reported (stderr and <out>.errors.csv), exit code 3. Bad models and
 * inputs get one line and exit code 2.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeWithSharp, errorsPathFor, writeSampleImages } from '@aae-map/infer';
import { comparePaths, readMnist } from '@aae-map/shared';
import { assertRefused, makeModel, readCsvFile, runEmbed } from './embed-helpers.ts';

let tmp: string;
let model: string;
let input: string;
const GOOD = [
  'digits/7.png',
  'digits/two/2.png',
  'digits/deeper/nested/folder/digit.png',
  'ünïcødé 数字.png',
  'with space.png',
  'comma,"quote".png',
  'photo.JPG',
  'scan.webp',
];
const BAD = ['empty.png', 'corrupt.png', 'not-really.jpg', 'dangling.png', 'digits/bad-crc.png'];

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'embed-bad-'));
  model = await makeModel(tmp);
  input = join(tmp, 'messy');
  // Real MNIST PNGs to copy under other names, and a JPEG and WebP that need sharp and a resize.
  const samples = join(tmp, 'samples');
  const [seven, two] = await writeSampleImages(samples, 2);
  const png = await readFile(join(samples, seven!));
  const write = async (rel: string, data: Uint8Array | string) => {
    await mkdir(dirname(join(input, rel)), { recursive: true });
    await writeFile(join(input, rel), data);
  };
  await write('digits/7.png', png);
  await write('digits/two/2.png', await readFile(join(samples, two!)));
  for (const rel of GOOD.slice(2, 6)) await write(rel, png);
  // sharp is infer's dependency, not the root's.
  const sharp = createRequire(new URL('../packages/infer/package.json', import.meta.url))(
    'sharp',
  ) as typeof import('../packages/infer/node_modules/sharp/lib/index.js');
  const mnist = await readMnist('test');
  const digit = Buffer.from(mnist.pixels.subarray(0, 784));
  await write(
    'photo.JPG',
    await sharp(digit, { raw: { width: 28, height: 28, channels: 1 } })
      .resize(56, 56)
      .jpeg()
      .toBuffer(),
  );
  await write(
    'scan.webp',
    await sharp(digit, { raw: { width: 28, height: 28, channels: 1 } })
      .resize(40, 40)
      .webp()
      .toBuffer(),
  );
  await write('empty.png', new Uint8Array(0));
  await write('corrupt.png', png.subarray(0, png.length - 40));
  await write('not-really.jpg', 'this is a text file with an image extension\n');
  await write(
    'digits/bad-crc.png',
    Uint8Array.from(png, (v, i) => (i === 40 ? v ^ 0x55 : v)),
  );
  await symlink(join(input, 'gone.png'), join(input, 'dangling.png'));
  await write('README.txt', 'not an image, ignored');
  await mkdir(join(input, 'empty-folder'));
  // The bad-CRC copy must really be damaged for this test to mean anything.
  await assert.rejects(decodeWithSharp(await readFile(join(input, 'digits/bad-crc.png')), 28, 28, new Uint8Array(784), 0));
});
after(() => rm(tmp, { recursive: true, force: true }));

test('every good file is embedded, every bad one reported, exit code 3', async () => {
  const out = join(tmp, 'points.csv');
  const r = await runEmbed(['--model', model, '--input', input, '--out', out, '--batch', '3']);
  assert.equal(r.code, 3, r.stderr);
  const rows = (await readCsvFile(out)).slice(1);
  assert.deepEqual(
    rows.map((row) => row[0]),
    [...GOOD].sort(comparePaths),
  );
  for (const row of rows)
    assert.ok(
      row.slice(1).every((v) => Number.isFinite(Number(v))),
      `numeric row for ${row[0]}`,
    );
  const errors = await readCsvFile(errorsPathFor(out));
  assert.deepEqual(errors[0], ['path', 'reason']);
  assert.deepEqual(
    errors
      .slice(1)
      .map((e) => e[0])
      .sort(),
    [...BAD].sort(),
  );
  const reason = Object.fromEntries(errors.slice(1).map(([p, why]) => [p, why]));
  assert.equal(reason['empty.png'], 'empty file');
  assert.equal(reason['dangling.png'], 'cannot stat (ENOENT)');
  for (const p of BAD) {
    assert.ok(reason[p]!.length > 0 && !reason[p]!.includes('\n'), `${p}: one-line reason`);
    assert.ok(r.stderr.includes(`skipped ${p}: ${reason[p]}`), `${p} reported on stderr`);
  }
  assert.match(
    r.stdout,
    new RegExp(`embedded ${GOOD.length} files .* skipped ${BAD.length} \\(${BAD.length} listed in .*errors\\.csv\\); ignored 1 files`),
  );
});

/** The exported model with its `point` output renamed: valid ONNX, wrong signature. */
async function renamedOutputModel(): Promise<string> {
  // onnx-proto is shared's dependency, not the root's.
  const { onnx } = createRequire(new URL('../packages/shared/package.json', import.meta.url))('onnx-proto');
  const m = onnx.ModelProto.decode(await readFile(model));
  for (const node of m.graph.node) node.output = node.output.map((o: string) => (o === 'point' ? 'xy' : o));
  for (const out of m.graph.output) if (out.name === 'point') out.name = 'xy';
  const file = join(tmp, 'renamed.onnx');
  await writeFile(file, onnx.ModelProto.encode(m).finish());
  return file;
}

test('a missing input, a bad model and a bad flag each get one line and exit code 2', async () => {
  const garbage = join(tmp, 'garbage.onnx');
  await writeFile(garbage, 'definitely not protobuf');
  const renamed = await renamedOutputModel();
  const cases: [string[], RegExp][] = [
    [['--model', model, '--input', join(tmp, 'nope'), '--out', join(tmp, 'x.csv')], /--input .*nope does not exist/],
    [['--model', garbage, '--input', input, '--out', join(tmp, 'x.csv')], /garbage\.onnx is not a valid ONNX model/],
    [
      ['--model', renamed, '--input', input, '--out', join(tmp, 'x.csv')],
      /renamed\.onnx: the graph has no output 'point' \(it has \[xy, cluster_prob, style, representation\]\)/,
    ],
    [['--model', join(tmp, 'missing.onnx'), '--input', input, '--out', join(tmp, 'x.csv')], /cannot read model .*missing\.onnx \(ENOENT\)/],
    [['--model', model, '--input', input, '--out', join(tmp, 'x.csv'), '--batch', 'lots'], /--batch.*expected a whole number/],
  ];
  for (const [args, message] of cases) assertRefused(await runEmbed(args), message, args.join(' '));
});
