/**
 * Highlighting a subset of the map (search hits, a confidence range, a selection): the other
 * points are drawn first in washed-out colours, then the subset on top in full colour. Both
 * passes keep the shuffled draw order, and together they draw each point once, so a frame costs
 * what it did without a highlight.
 */
import { HIDDEN, type SplatInput } from './point-splat.ts';

/** How much white is mixed into the colour of points outside the subset. */
const FADE = 0.8;

function faded(palette: Uint32Array): Uint32Array {
  return palette.map((c) => {
    if (c === HIDDEN) return c;
    const mix = (shift: number) => Math.round(((c >>> shift) & 255) * (1 - FADE) + 255 * FADE) << shift;
    return ((255 << 24) | mix(16) | mix(8) | mix(0)) >>> 0;
  });
}

/** The splat passes for `input` with the points where `mask` is 1 emphasised; one pass without a mask. */
export function emphasisLayers(input: SplatInput, mask: Uint8Array | undefined): SplatInput[] {
  if (!mask) return [input];
  const { order } = input;
  let hits = 0;
  for (let n = 0; n < order.length; n++) hits += mask[order[n]!]!;
  const strong = new Uint32Array(hits);
  const weak = new Uint32Array(order.length - hits);
  let s = 0;
  let w = 0;
  for (let n = 0; n < order.length; n++) {
    const i = order[n]!;
    if (mask[i]) strong[s++] = i;
    else weak[w++] = i;
  }
  return [
    { ...input, order: weak, palette: faded(input.palette) },
    { ...input, order: strong },
  ];
}
