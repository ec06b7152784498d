/**
 * Tar shards held whole in memory (the page's input; the CLI streams them with tar-stream, whose
 * reading this follows): the members' names, types and where their bytes lie. A member is named
 * by tarMemberName, the rule the CLI applies too, so the page and `embed --input x.tar` write
 * the same paths.
 */
import { concatBytes } from '../bytes.ts';
import { encodeName, encodeNameBytes } from './path-encoding.ts';

const BLOCK = 512;
/** tar-stream refuses pax and GNU long-name records past this size. */
const MAX_LONG_HEADER = 1 << 26;

export type TarMemberType = 'file' | 'directory' | 'other';

export interface TarMember {
  /** Text form (path-encoding.ts), without a leading ./ */
  name: string;
  type: TarMemberType;
  /** Offset of the member's bytes in the archive. */
  start: number;
  size: number;
}

export interface TarIndex {
  members: TarMember[];
  /** Why reading stopped before the archive's end, if it did; `cutShort` names a member whose bytes run past the end. */
  error?: { reason: string; cutShort?: TarMember };
}

/** A member's name in the text form: a pax path is UTF-8 text, any other name the header's bytes. */
export function tarMemberName(paxPath: string | undefined, nameBytes: Uint8Array): string {
  const name = paxPath !== undefined ? encodeName(paxPath) : encodeNameBytes(nameBytes);
  return name.replace(/^(\.\/)+/, '');
}

/**
 * Where a shard whose reading stopped early is listed, and why, as embed's errors.csv and the
 * page's list both say it: the member cut short (its full path, when reading stopped inside it),
 * or the shard itself after the `members` entries read before the fault.
 */
export function tarStopProblem(tar: string, why: string, members: number, cutShort?: string): { path: string; reason: string } {
  if (cutShort !== undefined) return { path: cutShort, reason: `tar member cut short (${why})` };
  if (members === 0) return { path: tar, reason: `not a readable tar (${why})` };
  return { path: tar, reason: `tar unreadable after member ${members} (${why}); the rest is skipped` };
}

/** The bytes of a NUL-terminated header field. */
function field(b: Uint8Array, at: number, length: number): Uint8Array {
  const end = b.subarray(at, at + length).indexOf(0);
  return b.subarray(at, end < 0 ? at + length : at + end);
}

/** An octal number field, or base 256 when its first byte has the high bit set (GNU, for sizes past 8 GiB). */
function number(b: Uint8Array, at: number, length: number): number {
  const f = b.subarray(at, at + length);
  if (f[0]! & 0x80) {
    if (f[0] !== 0x80) return Number.NaN; // negative: no valid size
    let n = 0;
    for (let i = 1; i < f.length; i++) n = n * 256 + f[i]!;
    return n;
  }
  let i = 0;
  while (i < f.length && f[i] === 32) i++;
  let end = f.indexOf(32, i);
  if (end < 0) end = f.length;
  while (i < end && f[i] === 0) i++;
  if (i === end) return 0;
  return Number.parseInt(String.fromCharCode(...f.subarray(i, end)), 8);
}

function checksum(h: Uint8Array): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += h[i]!;
  for (let i = 156; i < BLOCK; i++) sum += h[i]!;
  return sum;
}

const startsWith = (h: Uint8Array, at: number, bytes: number[]) => bytes.every((v, i) => h[at + i] === v);
const USTAR = [0x75, 0x73, 0x74, 0x61, 0x72, 0x00];
const GNU = [0x75, 0x73, 0x74, 0x61, 0x72, 0x20, 0x20, 0x00];

/** A pax record set ("len key=value\n" …), read as tar-stream reads it. */
function paxRecords(b: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const text = new TextDecoder();
  while (b.length > 0) {
    const space = b.subarray(0, 20).indexOf(32);
    const len = space < 0 ? 0 : Number.parseInt(String.fromCharCode(...b.subarray(0, space)), 10);
    // A record's length counts its own digits, so anything shorter than that, or past the end, is damage.
    if (!(len > space + 1) || len > b.length) return out;
    const record = text.decode(b.subarray(space + 1, len - 1));
    const eq = record.indexOf('=');
    if (eq < 0) return out;
    out[record.slice(0, eq)] = record.slice(eq + 1);
    b = b.subarray(len);
  }
  return out;
}

const SLASH = Uint8Array.of(47);

const padded = (size: number) => Math.ceil(size / BLOCK) * BLOCK;

/** The members of the archive `b`, in order; reading stops at the first header that does not parse. */
export function indexTar(b: Uint8Array): TarIndex {
  const members: TarMember[] = [];
  let longName: Uint8Array | undefined;
  let pax: Record<string, string> | undefined;
  let paxGlobal: Record<string, string> | undefined;
  const stop = (reason: string, cutShort?: TarMember): TarIndex => ({ members, error: { reason, ...(cutShort ? { cutShort } : {}) } });
  for (let at = 0; at < b.length; ) {
    if (at + BLOCK > b.length) return stop('Unexpected end of data');
    const h = b.subarray(at, at + BLOCK);
    const sum = checksum(h);
    if (sum === 8 * 32) {
      at += BLOCK; // a zero block: the archive's end marker, or padding
      continue;
    }
    if (sum !== number(h, 148, 8)) return stop('invalid tar header (bad checksum)');
    const ustar = startsWith(h, 257, USTAR);
    if (!ustar && !startsWith(h, 257, GNU)) return stop('invalid tar header (unknown format)');
    let flag = h[156] === 0 ? 0 : h[156]! - 48;
    let size = number(h, 124, 12);
    const start = at + BLOCK;
    // GNU long names (L, N) and link names (K), pax records (x) and global pax records (g).
    if (flag === 28 || flag === 30 || flag === 27 || flag === 55 || flag === 72) {
      if (!(size >= 0) || size > MAX_LONG_HEADER) return stop('header exceeds max size');
      if (start + size > b.length) return stop('Unexpected end of data');
      const body = b.subarray(start, start + size);
      if (flag === 28 || flag === 30) longName = field(body, 0, body.length);
      else if (flag === 55) paxGlobal = paxRecords(body);
      else if (flag === 72) pax = { ...paxGlobal, ...paxRecords(body) };
      if (pax?.path?.includes('\0')) return stop('invalid tar header (pax path contains a null byte)');
      at = start + padded(size);
      continue;
    }
    let nameBytes = field(h, 0, 100);
    if (ustar && h[345] !== 0) nameBytes = concatBytes([field(h, 345, 155), SLASH, nameBytes]);
    if (flag === 0 && nameBytes.at(-1) === 47) flag = 5;
    if (longName) nameBytes = longName;
    if (pax?.size) size = Number.parseInt(pax.size, 10);
    const name = tarMemberName(pax?.path, nameBytes);
    longName = undefined;
    pax = undefined;
    if (!(size >= 0)) return stop('invalid header (size)');
    const type: TarMemberType = flag === 0 || flag === 7 ? 'file' : flag === 5 ? 'directory' : 'other';
    const m = { name, type, start, size: type === 'directory' ? 0 : size };
    members.push(m);
    if (start + m.size > b.length) return stop('Unexpected end of data', m);
    at = start + padded(m.size);
  }
  return { members };
}
