import sharp from 'sharp';
import { writeFileAtomic } from '../atomic-write.ts';
import { categoryColor } from './category-color.ts';
import { markPng } from './png-mark.ts';

export { categoryColor };

/** What a map plot shows: 2-D points coloured by category, with optional cluster heads marked. */
export interface ScatterData {
  /** x0, y0, x1, y1, ... */
  points: ArrayLike<number>;
  /** Category index per point (-1 = unknown, drawn grey). */
  categories: ArrayLike<number>;
  /** Legend names, indexed by category. */
  categoryNames: string[];
  /** Cluster heads in 2-D, drawn as black crosses with their index. */
  heads?: number[][];
  title?: string;
  /** @default 800 */
  size?: number;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function scatterSvg(d: ScatterData): string {
  const size = d.size ?? 800;
  const legendW = 140;
  const pad = 30;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i + 1 < d.points.length; i += 2) {
    xs.push(d.points[i]!);
    ys.push(d.points[i + 1]!);
  }
  for (const h of d.heads ?? []) {
    xs.push(h[0]!);
    ys.push(h[1]!);
  }
  const finite = (v: number[]) => v.filter(Number.isFinite);
  const lo = Math.min(...finite(xs), ...finite(ys));
  const hi = Math.max(...finite(xs), ...finite(ys));
  const span = hi > lo ? hi - lo : 1;
  // One scale for both axes, so the circle of heads stays a circle.
  const sx = (v: number) => pad + ((v - lo) / span) * (size - 2 * pad);
  const sy = (v: number) => size - pad - ((v - lo) / span) * (size - 2 * pad);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size + legendW}" height="${size}" viewBox="0 0 ${size + legendW} ${size}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  const n = Math.floor(d.points.length / 2);
  for (let i = 0; i < n; i++) {
    const x = d.points[2 * i]!;
    const y = d.points[2 * i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    parts.push(
      `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="1.6" fill="${categoryColor(d.categories[i] ?? -1)}" fill-opacity="0.6"/>`,
    );
  }
  (d.heads ?? []).forEach((h, k) => {
    const x = sx(h[0]!);
    const y = sy(h[1]!);
    parts.push(`<path d="M${x - 6} ${y - 6}L${x + 6} ${y + 6}M${x - 6} ${y + 6}L${x + 6} ${y - 6}" stroke="black" stroke-width="2.5"/>`);
    parts.push(`<text x="${x + 8}" y="${y - 8}" font-family="sans-serif" font-size="13" font-weight="bold">${k}</text>`);
  });
  d.categoryNames.forEach((name, i) => {
    const y = 40 + i * 20;
    if (y > size - 20) return;
    parts.push(`<circle cx="${size + 15}" cy="${y - 4}" r="6" fill="${categoryColor(i)}"/>`);
    parts.push(`<text x="${size + 28}" y="${y}" font-family="sans-serif" font-size="13">${escapeXml(name)}</text>`);
  });
  if (d.title) parts.push(`<text x="${pad}" y="20" font-family="sans-serif" font-size="15">${escapeXml(d.title)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/** Renders the scatter plot as SVG, rasterises it with sharp and writes a marked PNG atomically. */
export async function writeScatterPng(path: string, d: ScatterData): Promise<void> {
  const png = await sharp(Buffer.from(scatterSvg(d)))
    .png()
    .toBuffer();
  await writeFileAtomic(path, markPng(png));
}
