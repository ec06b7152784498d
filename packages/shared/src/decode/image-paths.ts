/**
 * Which files are images, and the order `embed` visits them in. Browser-safe (no node:path),
 * so that the page lists dropped folders in the same order as the CLI's walk.
 */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff'] as const;

/** Whether a file name (or '/'-separated path) ends in one of IMAGE_EXTENSIONS, in any case. */
export function isImageName(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  // As node's extname: a leading dot ('.png') is a hidden file's name, not an extension.
  return dot > 0 && (IMAGE_EXTENSIONS as readonly string[]).includes(base.slice(dot).toLowerCase());
}

/** Whether a file is read as a tar shard of images (the WebDataset layout), by `embed` and by the page. */
export const isTarName = (name: string) => name.toLowerCase().endsWith('.tar');

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Orders '/'-separated relative paths the way a depth-first walk that sorts each directory by
 * UTF-16 code units yields them: the lexicographic order of their segment lists.
 */
export function comparePaths(a: string, b: string): number {
  const sa = a.split('/');
  const sb = b.split('/');
  const n = Math.min(sa.length, sb.length);
  for (let i = 0; i < n; i++) {
    const c = byCodeUnits(sa[i]!, sb[i]!);
    if (c !== 0) return c;
  }
  return sa.length - sb.length;
}

/**
 * A key whose plain string order (code units) is comparePaths' order, for sorting or merging
 * many paths without splitting each: '/' becomes U+0000, which sorts below every character a
 * segment can hold (no file name holds NUL), so a segment that ends first sorts first.
 */
export const walkOrderKey = (path: string): string => (path.includes('/') ? path.replaceAll('/', '\0') : path);
