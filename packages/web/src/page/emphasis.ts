/**
 * Highlighting subsets of the map (search hits, a confidence range, a selection): each point has
 * a level, 2 (full colour), 1 (half washed out) or 0 (mostly white), and the levels are drawn in
 * that order from 0 up, so the highlighted points lie on top. Each pass keeps the shuffled draw
 * order, and together they draw each point once, so a frame costs what it did without one.
 */
import { HIDDEN, type SplatInput } from './point-splat.ts';

/** How much white is mixed into the colours of levels 0 and 1. */
const FADE = [0.8, 0.5];

export const LEVELS = 3;

function faded(palette: Uint32Array, fade: number): Uint32Array {
  return palette.map((c) => {
    if (c === HIDDEN) return c;
    const mix = (shift: number) => Math.round(((c >>> shift) & 255) * (1 - fade) + 255 * fade) << shift;
    return ((255 << 24) | mix(16) | mix(8) | mix(0)) >>> 0;
  });
}

/** The splat passes for `input` with each point drawn at its level; one pass when there are no levels. */
export function emphasisLayers(input: SplatInput, levels: Uint8Array | undefined): SplatInput[] {
  if (!levels) return [input];
  const { order } = input;
  const counts = new Array<number>(LEVELS).fill(0);
  for (let n = 0; n < order.length; n++) counts[levels[order[n]!]!]!++;
  const orders = counts.map((c) => new Uint32Array(c));
  const filled = new Array<number>(LEVELS).fill(0);
  for (let n = 0; n < order.length; n++) {
    const i = order[n]!;
    const l = levels[i]!;
    orders[l]![filled[l]!++] = i;
  }
  return orders.flatMap((o, l) =>
    o.length === 0 ? [] : [{ ...input, order: o, palette: l < FADE.length ? faded(input.palette, FADE[l]!) : input.palette }],
  );
}
