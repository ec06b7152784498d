/**
 * embed --safe-csv's cell guard: every formula lead OWASP lists gets a ', as does a leading ',
 * so that unguardCell inverts guardCell for any text; and cellWriter tells which mode could
 * have written a cell, which --resume relies on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellWriter, guardCell, unguardCell } from '@aae-map/shared';

const LEADS = ['=', '+', '-', '@', '\t', '\r'];
const TEXTS = ['', 'a.png', "'", "''", 'x=1', 'a-b', ' =sp', '"q', '\n', ...LEADS.flatMap((c) => [c, `${c}x`, `'${c}x`, `''${c}`])];

test("guardCell puts a ' before every formula lead and every leading ', and only there", () => {
  for (const c of LEADS) assert.equal(guardCell(`${c}SUM(A1)`), `'${c}SUM(A1)`);
  assert.equal(guardCell("'quoted"), "''quoted");
  for (const t of ['a.png', 'x=1', 'a-b', ' =sp', '"q', '']) assert.equal(guardCell(t), t);
  for (const t of TEXTS) assert.doesNotMatch(guardCell(t), /^[=+\-@\t\r]/, JSON.stringify(t));
});

test('unguardCell gives back every text, and no two texts share a guarded form', () => {
  for (const t of TEXTS) assert.equal(unguardCell(guardCell(t)), t, JSON.stringify(t));
  assert.equal(new Set(TEXTS.map(guardCell)).size, new Set(TEXTS).size);
});

test("cellWriter: what each mode writes is never taken for the other mode's, but for quote-led names that look guarded", () => {
  for (const t of TEXTS) {
    assert.notEqual(cellWriter(guardCell(t)), 'plain', `guarded ${JSON.stringify(guardCell(t))}`);
    if (/^[=+\-@\t\r]/.test(t)) assert.equal(cellWriter(t), 'plain', JSON.stringify(t));
    if (guardCell(t) === t) assert.equal(cellWriter(t), 'either', `${JSON.stringify(t)} reads the same in both modes`);
  }
  assert.equal(cellWriter("'a.png"), 'plain', "guardCell never writes a ' before a plain name");
  // The one ambiguity: a real name that starts with ' and then a lead reads as guarded.
  assert.equal(cellWriter("'=x"), 'guarded');
});
