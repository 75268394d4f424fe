import { describe, expect, it } from 'vitest';
import { endPing, pingTarget } from './ping.js';

describe('monitor pings', () => {
  it.each([
    ['https://hc-ping.com/abc', 'start', 'https://hc-ping.com/abc/start'],
    ['https://hc-ping.com/abc', 'success', 'https://hc-ping.com/abc'],
    ['https://hc-ping.com/abc', 'fail', 'https://hc-ping.com/abc/fail'],
    ['https://hc-ping.com/abc/', 'fail', 'https://hc-ping.com/abc/fail'],
    ['https://example.edu/ping/abc?rid=1', 'start', 'https://example.edu/ping/abc/start?rid=1'],
  ] as const)('%s, %s → %s', (url, kind, expected) => {
    expect(pingTarget(url, kind)).toBe(expected);
  });

  it.each([
    [0, 'success'],
    [1, 'success'],
    [2, 'fail'],
    [3, 'fail'],
    [4, 'fail'],
  ] as const)('exit %i ends with the %s ping', (code, kind) => {
    expect(endPing(code)).toBe(kind);
  });
});
