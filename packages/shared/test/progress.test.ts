/**
 * The progress bar when its total is counted alongside the work (embed's count walk): '?' and no
 * ETA until setTotal, and a plain log always ends on a line with the real total.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Progress } from '@aae-map/shared';

function plainStream(lines: string[]): NodeJS.WriteStream {
  return { isTTY: false, write: (s: string) => lines.push(s) > 0 } as unknown as NodeJS.WriteStream;
}

test('without a total: done/? and no ETA; with one: done/total, a bar and an ETA', () => {
  const p = new Progress({ unit: 'files', label: 'embed', stream: plainStream([]) });
  p.tick(30);
  assert.match(p.line(), /^embed ░{24} 30\/\? [\d.]+ files\/s ETA --:-- elapsed 0:00$/);
  p.setTotal(120);
  assert.match(p.line(), /^embed █{6}░{18} 30\/120 [\d.]+ files\/s ETA \d+:\d\d elapsed 0:00$/);
});

test('a plain log ends on a line with the total, even if the last tick was drawn before it was known', () => {
  const lines: string[] = [];
  const p = new Progress({ unit: 'files', stream: plainStream(lines), intervalMs: 0 });
  p.tick(5);
  p.tick(5);
  assert.match(lines.at(-1)!, / 10\/\? /);
  p.setTotal(10);
  p.finish();
  assert.match(lines.at(-1)!, / 10\/10 /);
  const drawn = lines.length;
  const q = new Progress({ total: 4, unit: 'files', stream: plainStream(lines), intervalMs: 60_000 });
  q.tick(4);
  q.finish();
  assert.equal(lines.length, drawn + 1, 'a tick that reached a known total is the last line; finish adds none');
});

test('startedAt puts set-up time into the rate and the elapsed time', () => {
  const p = new Progress({ total: 200, unit: 'files', stream: plainStream([]), startedAt: performance.now() - 2000 });
  p.tick(100);
  const m = / 100\/200 ([\d.]+) files\/s ETA 0:0[12] elapsed 0:02$/.exec(p.line());
  assert.ok(m, p.line());
  assert.ok(Math.abs(Number(m[1]) - 50) <= 1, `rate ${m[1]} is about 100 files in 2 s`);
});
