/**
 * The text form of file names (path-encoding.ts): every byte string maps to one text and back,
 * valid UTF-8 names without a `%` before two hex digits are their own text, and names that are
 * not UTF-8 get distinct texts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeNameBytes, encodeName, encodeNameBytes } from '@aae-map/shared';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
const back = (text: string) => Buffer.from(decodeNameBytes(text) ?? Buffer.from(text));

test('valid UTF-8 names are their own text, but for a % that two hex digits follow', () => {
  for (const name of [
    'a.png',
    'ünïcødé 数字.png',
    'comma,"quote".png',
    '100%.png',
    '50%off.png',
    '%',
    'a%2',
    'x%g1.png',
    '\uFEFFbom.png',
    'emoji 🙂.png',
    'real \uFFFD.png',
  ]) {
    assert.equal(encodeName(name), name, name);
    assert.equal(encodeNameBytes(Buffer.from(name)), name, name);
    assert.equal(decodeNameBytes(name), undefined, `${name} holds no escape`);
  }
  assert.equal(encodeName('my%20cat.png'), 'my%2520cat.png');
  assert.equal(encodeName('caf%E9.png'), 'caf%25E9.png');
  assert.equal(encodeName('%ab%%cd'), '%25ab%%25cd');
});

test('bytes outside valid UTF-8 become %XX; names that node reads as one string get distinct texts', () => {
  const cases: [Buffer, string][] = [
    [bytes('caf', [0xe9], '.png'), 'caf%E9.png'],
    [bytes('caf', [0xe8], '.png'), 'caf%E8.png'],
    [bytes([0xff, 0xfe], 'x'), '%FF%FEx'],
    // Overlong, surrogate and past-U+10FFFF sequences are not valid UTF-8 either.
    [bytes([0xc0, 0xaf]), '%C0%AF'],
    [bytes([0xed, 0xa0, 0x80]), '%ED%A0%80'],
    [bytes([0xf4, 0x90, 0x80, 0x80]), '%F4%90%80%80'],
    // A cut-short sequence, then valid text: only the stray bytes are escaped.
    [bytes([0xe4, 0xb8], 'ü.png'), '%E4%B8ü.png'],
    // A % before hex digits is escaped in such names too, and one before an escape needs nothing.
    [bytes('%41', [0x80]), '%2541%80'],
    [bytes('%', [0x80], '%4', [0x81]), '%%80%4%81'],
  ];
  for (const [name, text] of cases) {
    assert.equal(encodeNameBytes(name), text, name.toString('hex'));
    assert.deepEqual(back(text), name, text);
  }
  // Node's own strings for the first two are equal: the text form is what tells them apart.
  assert.equal(cases[0]![0].toString(), cases[1]![0].toString());
});

test('every byte string round-trips, and distinct names never share a text', () => {
  let seed = 7;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) & 0xff;
  };
  const alphabet = [0x25, 0x41, 0x65, 0x30, 0x39, 0x2e, 0x80, 0xbf, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0xff];
  const seen = new Map<string, string>();
  for (let i = 0; i < 20000; i++) {
    const name = Buffer.from(Array.from({ length: 1 + (rand() % 8) }, () => alphabet[rand() % alphabet.length]!));
    const text = encodeNameBytes(name);
    assert.deepEqual(back(text), name, `${name.toString('hex')} → ${text}`);
    const other = seen.get(text);
    assert.ok(other === undefined || other === name.toString('hex'), `${other} and ${name.toString('hex')} share ${text}`);
    seen.set(text, name.toString('hex'));
  }
});
