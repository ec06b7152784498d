/**
 * Parsers for command-line values, shared by every CLI. Each throws commander's
 * InvalidArgumentError, which commander prints as one line naming the option and the value.
 */
import { InvalidArgumentError, Option } from 'commander';
import { MAX_SHARDS, type ShardSpec } from '../contracts/shard.ts';
import { CONVERT_COLOUR_FLAG } from '../decode/colour.ts';

/** A parser for a finite number that passes `ok`, else the one-line `expected`. */
export function numberParser(ok: (n: number) => boolean, expected: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new InvalidArgumentError(expected);
    return n;
  };
}

/** 0, 1, 2, …: counts and sizes. */
export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/** A whole number that may be negative, for values whose range is checked with the other settings (and named there). */
export function integer(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number');
  return n;
}

export const positiveNumber = numberParser((n) => n > 0, 'expected a positive number');
export const nonNegativeNumber = numberParser((n) => n >= 0, 'expected a number >= 0');

/** A TCP port; 0 asks the system for a free one. */
export function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

/** Comma-separated whole numbers of at least 1, e.g. layer sizes `1000,1000`. */
export function sizeList(value: string): number[] {
  const sizes = value.split(',').map((s) => Number(s.trim()));
  if (sizes.some((s) => !Number.isInteger(s) || s < 1))
    throw new InvalidArgumentError('expected comma-separated whole numbers, e.g. 1000,1000');
  return sizes;
}

/** `--shard K/N` (K from 0 to N − 1) or `auto` (read from the batch system; infer's shard-spec.ts). */
export function shardSpec(value: string): ShardSpec | 'auto' {
  if (value.trim() === 'auto') return 'auto';
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected K/N (this process embeds share K of N, K from 0 to N-1), or auto');
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || count > MAX_SHARDS) throw new InvalidArgumentError(`N must be from 1 to ${MAX_SHARDS}`);
  if (index >= count) throw new InvalidArgumentError(`K must be below N: the ${count} shards are numbered 0 to ${count - 1}`);
  return { index, count };
}

/** embed's and evaluate's opt-in to convert images whose colour differs from the model's (decode/colour.ts says which). */
export const convertColourOption = (): Option =>
  new Option(
    CONVERT_COLOUR_FLAG,
    "convert images whose colour differs from the model's (colour ones to gray for a gray model, gray ones copied into R, G and B for an RGB model) instead of refusing them",
  );
