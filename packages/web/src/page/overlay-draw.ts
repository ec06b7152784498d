/** What is drawn over the points with the 2D context: cluster heads and the hovered point's ring. */
import type { ViewTransform } from './view-transform.ts';

/** Black crosses with a white halo and their label, like the heads in `embed --plot`'s PNG. */
export function drawHeads(ctx: CanvasRenderingContext2D, view: ViewTransform, heads: number[][], labels: string[], dpr: number): void {
  const r = 6 * dpr;
  ctx.save();
  ctx.lineCap = 'round';
  ctx.font = `bold ${13 * dpr}px system-ui, sans-serif`;
  heads.forEach((h, k) => {
    const x = view.sx(h[0]!);
    const y = view.sy(h[1]!);
    ctx.beginPath();
    ctx.moveTo(x - r, y - r);
    ctx.lineTo(x + r, y + r);
    ctx.moveTo(x - r, y + r);
    ctx.lineTo(x + r, y - r);
    for (const [colour, width] of [
      ['#fff', 5],
      ['#000', 2.5],
    ] as const) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = width * dpr;
      ctx.stroke();
    }
    const label = labels[k] ?? String(k);
    ctx.lineWidth = 3 * dpr;
    ctx.strokeStyle = '#fff';
    ctx.strokeText(label, x + r + 2 * dpr, y - r);
    ctx.fillStyle = '#000';
    ctx.fillText(label, x + r + 2 * dpr, y - r);
  });
  ctx.restore();
}

export function drawRing(ctx: CanvasRenderingContext2D, x: number, y: number, dpr: number): void {
  ctx.save();
  ctx.beginPath();
  ctx.arc(x, y, 6 * dpr, 0, 2 * Math.PI);
  ctx.lineWidth = 2 * dpr;
  ctx.strokeStyle = '#000';
  ctx.stroke();
  ctx.restore();
}
