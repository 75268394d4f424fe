import { describe, expect, it } from 'vitest';
import { createBufferPool } from './buffer-pool.js';

describe('createBufferPool', () => {
  it('hands out a released buffer again when it is large enough, and a new one otherwise', () => {
    const pool = createBufferPool();
    const first = pool.acquire(100_000);
    expect(first.length).toBeGreaterThanOrEqual(100_000);
    pool.release(first.subarray(0, 10));
    expect(pool.acquire(50_000).buffer).toBe(first.buffer);
    const second = pool.acquire(100_000);
    expect(second.buffer).not.toBe(first.buffer);
    pool.release(second);
    expect(pool.acquire(10 * second.length).buffer).not.toBe(second.buffer);
  });

  it('never hands out one buffer twice, even when released twice', () => {
    const pool = createBufferPool();
    const buffer = pool.acquire(100_000);
    pool.release(buffer);
    pool.release(buffer);
    const [a, b] = [pool.acquire(100_000), pool.acquire(100_000)];
    expect(a.buffer).toBe(buffer.buffer);
    expect(b.buffer).not.toBe(buffer.buffer);
  });

  it('keeps no small buffers (they may share Node\'s slab) and at most four', () => {
    const pool = createBufferPool();
    const small = Buffer.allocUnsafe(100);
    pool.release(small);
    expect(pool.acquire(50).buffer).not.toBe(small.buffer);
    const five = Array.from({ length: 5 }, () => pool.acquire(100_000));
    for (const buffer of five) pool.release(buffer);
    const again = Array.from({ length: 5 }, () => pool.acquire(100_000).buffer);
    expect(again.filter((buffer) => five.some((old) => old.buffer === buffer))).toHaveLength(4);
    expect(again).not.toContain(five[0]!.buffer);
  });
});
