import { describe, expect, it } from 'vitest';
import { createFaultInjector, createRateLimiter, mulberry32 } from './faults.js';
import { DEFAULT_CADENCE_KNOBS } from './model.js';

describe('mulberry32', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const first = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(first);
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(new Set(first).size).toBeGreaterThan(990);
    expect(mulberry32(43)()).not.toBe(first[0]);
  });
});

describe('createFaultInjector', () => {
  it('restarts its sequence when the seed knob changes', () => {
    const knobs = { ...DEFAULT_CADENCE_KNOBS, failure429Share: 0.5, seed: 5 };
    const faults = createFaultInjector(knobs);
    const first = Array.from({ length: 20 }, () => faults.requestFault()?.status ?? 200);
    knobs.seed = 9;
    faults.requestFault();
    knobs.seed = 5;
    expect(Array.from({ length: 20 }, () => faults.requestFault()?.status ?? 200)).toEqual(first);
  });

  it('never fails when every share is 0', () => {
    const faults = createFaultInjector({ ...DEFAULT_CADENCE_KNOBS });
    expect(Array.from({ length: 100 }, () => faults.requestFault() ?? faults.batchFails()).every((fault) => fault === false)).toBe(true);
  });
});

describe('createRateLimiter', () => {
  it('admits the limit per key in any one-second window and says how long to wait', () => {
    const limiter = createRateLimiter();
    expect([0, 100, 200].map((now) => limiter.admit('k', now, 3))).toEqual([undefined, undefined, undefined]);
    expect(limiter.admit('k', 300, 3)).toBe(1);
    expect(limiter.admit('other', 300, 3)).toBeUndefined();
    expect(limiter.admit('k', 999, 3)).toBe(1);
    expect(limiter.admit('k', 1000, 3)).toBeUndefined();
    expect(limiter.admit('k', 1050, 3)).toBe(1);
    expect(limiter.admit('k', 1100, 3)).toBeUndefined();
  });

  it('does not limit when the limit is 0', () => {
    const limiter = createRateLimiter();
    expect(Array.from({ length: 100 }, () => limiter.admit('k', 0, 0)).every((wait) => wait === undefined)).toBe(true);
  });
});
