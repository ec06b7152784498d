/**
 * How a file name becomes text in points.csv and errors.csv, losslessly, including names that
 * are not valid UTF-8 (which a UTF-8 string cannot hold: node reads `caf\xe9.png` as
 * `caf\uFFFD.png`, a file that does not exist, and two such names as the same string).
 *
 * In the text form, `%` followed by two hex digits stands for that byte. A name's bytes that are
 * not part of valid UTF-8 are written so (`caf\xe9.png` → `caf%E9.png`), and so is a `%` that
 * two hex digits follow (`a%20b.png` → `a%2520b.png`), which would otherwise read as an escape.
 * Every other character is the name's own, so a valid UTF-8 name without such a `%` (nearly
 * every name) is its own text form. Reading back: each `%XX` is byte XX, every other character
 * its UTF-8 bytes. Browser-safe.
 */

import { concatBytes } from '../bytes.ts';

const ESCAPE = /%[0-9A-Fa-f]{2}/;
const ESCAPES = /%[0-9A-Fa-f]{2}/g;
const SPLIT_ESCAPES = /(%[0-9A-Fa-f]{2})/;
const PERCENT_BEFORE_HEX = /%(?=[0-9A-Fa-f]{2})/g;
const HEX = '0123456789ABCDEF';

// ignoreBOM keeps a name's leading U+FEFF, which the decoder would otherwise drop.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** The text form of a name, or '/'-separated path, that is valid UTF-8 (as node gives it, or a browser). */
export function encodeName(name: string): string {
  return name.indexOf('%') < 0 ? name : name.replace(PERCENT_BEFORE_HEX, '%25');
}

/** The length of the valid UTF-8 sequence at `b[i]` (RFC 3629: no overlongs, surrogates or code points past U+10FFFF), or 0. */
function sequenceAt(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const [lo, hi] = c === 0xe0 ? [0xa0, 0xbf] : c === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const [lo, hi] = c === 0xf0 ? [0x90, 0xbf] : c === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** The text form of a name given as its bytes. */
export function encodeNameBytes(name: Uint8Array): string {
  try {
    return encodeName(utf8.decode(name));
  } catch {
    // Not valid UTF-8: escape the bytes outside valid sequences, one by one.
  }
  let out = '';
  let run = 0; // where the current run of valid sequences began
  for (let i = 0; i < name.length; ) {
    const n = sequenceAt(name, i);
    if (n > 0) {
      i += n;
      continue;
    }
    // The escape that follows a run starts with '%', so the run's own '%'s are judged within it.
    out += `${encodeName(utf8.decode(name.subarray(run, i)))}%${HEX[name[i]! >> 4]}${HEX[name[i]! & 15]}`;
    run = ++i;
  }
  return out + encodeName(utf8.decode(name.subarray(run)));
}

/**
 * The bytes a text-form name or path stands for; undefined when it holds no escape, which means
 * the string itself is the name.
 */
export function decodeNameBytes(text: string): Uint8Array | undefined {
  if (text.indexOf('%') < 0 || !ESCAPE.test(text)) return undefined;
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const m of text.matchAll(ESCAPES)) {
    parts.push(utf8Encoder.encode(text.slice(from, m.index)), Uint8Array.of(parseInt(m[0].slice(1), 16)));
    from = m.index! + 3;
  }
  parts.push(utf8Encoder.encode(text.slice(from)));
  return concatBytes(parts);
}

/** The URL path of a text-form path: its escapes already are URL escapes of the same bytes, and the rest is URL-encoded. */
export function textToUrlPath(text: string): string {
  const segment = (s: string) =>
    s
      .split(SPLIT_ESCAPES)
      .map((part, i) => (i % 2 === 1 ? part : encodeURIComponent(part)))
      .join('');
  return text.split('/').map(segment).join('/');
}
