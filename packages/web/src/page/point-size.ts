/**
 * How big a dot is drawn, in canvas pixels: bigger while the points are few (at 100,000 big
 * dots merge into blobs), and growing as the square root of the zoom, so that zooming in on a
 * dense blob pulls its points apart and makes them easier to hit, within bounds.
 */

/** CSS pixels: below 2 a dot's colour is lost; above 16 neighbours hide each other. */
export const MIN_POINT_PX = 2;
export const MAX_POINT_PX = 16;

export function pointSize(count: number, zoom: number, dpr: number): number {
  const base = count < 2000 ? 5 : count < 20_000 ? 4 : 3;
  const css = Math.min(MAX_POINT_PX, Math.max(MIN_POINT_PX, base * Math.sqrt(zoom)));
  return Math.max(2, Math.round(css * dpr));
}
