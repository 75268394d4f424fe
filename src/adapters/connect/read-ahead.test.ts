import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const item of items) seen.push(item);
  return seen;
}

describe('readAhead', () => {
  it('gives every item in order', async () => {
    const items = readAhead<number>(2, async (push) => {
      for (let index = 0; index < 10; index++) await push(index);
    });
    expect(await collect(items)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('produces ahead of the reader, but never more than the limit', async () => {
    let produced = 0;
    const items = readAhead<number>(2, async (push) => {
      for (let index = 0; index < 10; index++) {
        produced += 1;
        await push(index);
      }
    })[Symbol.asyncIterator]();
    expect((await items.next()).value).toBe(0);
    // While the reader holds item 0, the producer fills the queue (items 1 and 2) and waits.
    // It runs on promise jobs only: one turn of the event loop lets it go as far as it can.
    await new Promise((resolve) => setImmediate(resolve));
    expect(produced).toBe(3);
    await items.return?.(undefined);
  });

  it('fails after the items produced before the failure', async () => {
    const items = readAhead<number>(3, async (push) => {
      await push(1);
      await push(2);
      throw new Error('connect is down');
    });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of items) seen.push(item);
      })(),
    ).rejects.toThrow('connect is down');
    expect(seen).toEqual([1, 2]);
  });

  it('aborts the producer when the reader stops early', async () => {
    let aborted = false;
    let pushedAfterStop = false;
    const items = readAhead<number>(2, async (push, signal) => {
      await push(1);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted = signal.aborted;
      await push(2).catch(() => undefined);
      pushedAfterStop = true;
    });
    for await (const item of items) {
      expect(item).toBe(1);
      break;
    }
    expect(aborted).toBe(true);
    expect(pushedAfterStop).toBe(true);
  });

  it('ends when the producer has nothing', async () => {
    expect(await collect(readAhead<number>(2, async () => undefined))).toEqual([]);
  });
});
