import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.js';

const nowMs = Date.parse('2026-11-24T18:00:00Z');
const capMs = 60_000;

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['2', 2000],
    [' 7 ', 7000],
    ['1.5', 1500],
    ['120', capMs],
    ['Tue, 24 Nov 2026 18:00:05 GMT', 5000],
    ['Tuesday, 24-Nov-26 18:00:30 GMT', 30_000],
    ['Tue, 24 Nov 2026 17:59:00 GMT', 0],
    ['Tue, 24 Nov 2026 19:00:00 GMT', capMs],
  ])('reads %j as %d ms', (value, expected) => {
    expect(parseRetryAfter(value, { nowMs, capMs })).toBe(expected);
  });

  it.each([undefined, '', '-5', 'soon', '12:00', 'Mon, 99 Foo 2026'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, { nowMs, capMs })).toBeUndefined();
  });

  it('takes the first of repeated headers', () => {
    expect(parseRetryAfter(['3', '9'], { nowMs, capMs })).toBe(3000);
  });
});
