/**
 * The search box: a substring (any case) or, written as /pattern/flags, a regular expression,
 * tested against each point's path and its class (the top-level folder).
 */

export type Query = { test(text: string): boolean; label: string } | { error: string };

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** undefined for an empty box (no search); an error says what is wrong with the pattern. */
export function parseQuery(text: string): Query | undefined {
  const q = text.trim();
  if (q === '') return undefined;
  const re = /^\/(.*)\/([a-z]*)$/s.exec(q);
  if (!re) {
    const sub = new RegExp(escapeRegExp(q), 'i');
    return { test: (s) => sub.test(s), label: `containing “${q}”` };
  }
  // g and y make test() remember where it stopped, which would skip matches.
  const flags = re[2]!.replace(/[gy]/g, '');
  try {
    const rx = new RegExp(re[1]!, flags);
    return { test: (s) => rx.test(s), label: `matching ${q}` };
  } catch (err) {
    // V8 says 'Invalid regular expression: /(/: Unterminated group'; the pattern is in the box already.
    const why = err instanceof Error ? err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(err);
    return { error: `not a regular expression: ${why}` };
  }
}

/** 1 for each point whose path, or the name of its class (classOf[i] into classNames), passes. */
export function searchMask(
  query: { test(text: string): boolean },
  paths: readonly string[],
  classOf?: ArrayLike<number>,
  classNames?: readonly string[],
): Uint8Array {
  const mask = new Uint8Array(paths.length);
  // Once per class rather than once per point.
  const classHit = (classNames ?? []).map((n) => query.test(n));
  for (let i = 0; i < paths.length; i++) {
    if ((classOf && classHit[classOf[i]!]) || query.test(paths[i]!)) mask[i] = 1;
  }
  return mask;
}
