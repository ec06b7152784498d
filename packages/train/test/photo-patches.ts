/**
 * Folders of small patches cut from real colour photographs, one class per photograph: the four
 * scikit-image sample photos that scripts/ensure-test-data.mjs puts in .cache/photos/ (run by
 * `pnpm test` before the tests). Each photo is first shrunk so that its shorter side is
 * SHRUNK_SIDE pixels, so a 32×32 patch shows a fair part of it (fur, porcelain, a flag), not a
 * flat patch of one texture.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const PHOTOS_DIR = fileURLToPath(new URL('../../../.cache/photos/', import.meta.url));
const SHRUNK_SIDE = 160;

/** The photographs, sorted; throws with the command that fetches them when they are missing. */
export async function photoFiles(): Promise<string[]> {
  const files = (await readdir(PHOTOS_DIR).catch(() => [] as string[])).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
  if (files.length < 2) throw new Error(`no photographs in ${PHOTOS_DIR}: run node scripts/ensure-test-data.mjs (pnpm test runs it first)`);
  return files.map((f) => join(PHOTOS_DIR, f));
}

/** A photo's class: its name without extension, e.g. 'chelsea'. */
export const photoClass = (file: string): string => basename(file, extname(file));

export interface PatchOptions {
  /** Patches per photograph. */
  perPhoto: number;
  /** Side of a square patch. @default 32 */
  side?: number;
  /** Seeds the patch positions, so two folders from different seeds hold different patches. @default 1 */
  seed?: number;
  /** How each patch is written. @default 'png' */
  format?: 'png' | 'jpeg';
}

/** Writes `dir/<class>/<k>.<format>` for each photograph; returns the paths relative to `dir`. */
export async function writePatchFolder(dir: string, o: PatchOptions): Promise<string[]> {
  const side = o.side ?? 32;
  let s = (o.seed ?? 1) >>> 0;
  const rand = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  const paths: string[] = [];
  for (const file of await photoFiles()) {
    const meta = await sharp(file).metadata();
    const scale = SHRUNK_SIDE / Math.min(meta.width, meta.height);
    const [w, h] = [Math.round(meta.width * scale), Math.round(meta.height * scale)];
    const photo = sharp(await sharp(file).resize(w, h).removeAlpha().png().toBuffer());
    const cls = photoClass(file);
    await mkdir(join(dir, cls), { recursive: true });
    for (let k = 0; k < o.perPhoto; k++) {
      const region = { left: rand(w - side + 1), top: rand(h - side + 1), width: side, height: side };
      const path = `${cls}/${k}.${o.format === 'jpeg' ? 'jpg' : 'png'}`;
      await photo
        .clone()
        .extract(region)
        .toFormat(o.format ?? 'png')
        .toFile(join(dir, path));
      paths.push(path);
    }
  }
  return paths;
}

/** Writes gray pixels as an RGB PNG, each value in all three channels: a gray image stored as colour. */
export async function writeGrayAsRgb(file: string, pixels: Uint8Array, width: number, height: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await sharp(Buffer.from(pixels), { raw: { width, height, channels: 1 } })
    .toColourspace('srgb')
    .png()
    .toFile(file);
}
