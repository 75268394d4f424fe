/**
 * Reading ahead of the caller: a producer loop (paging through Connect) runs on its own,
 * up to `limit` items ahead, while the caller works on the items it already has. Paging is
 * a chain of calls (each page's range comes from the one before), so without this the
 * chain would stop whenever the caller is busy mapping, planning and sending a page.
 *
 * Items come out in the order produced; a producer failure comes out after the items
 * produced before it, where the caller would have met it reading one page at a time. A
 * caller that stops early aborts the producer's `signal` (its call in flight ends at once)
 * and stops it at its next item.
 */

/** Hands one item to the reader; resolves when there is room for the next one. */
export type Push<T> = (item: T) => Promise<void>;

class Stopped extends Error {}

/** Runs `produce` ahead of the reader, holding at most `limit` items it has not taken yet. */
export async function* readAhead<T>(limit: number, produce: (push: Push<T>, signal: AbortSignal) => Promise<void>): AsyncGenerator<T> {
  const controller = new AbortController();
  const queue: T[] = [];
  let finished = false;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wakeReader: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const wake = () => {
    wakeReader?.();
    wakeReader = undefined;
  };

  const push: Push<T> = async (item) => {
    if (stopped) throw new Stopped();
    queue.push(item);
    wake();
    while (queue.length >= limit && !stopped) await new Promise<void>((resolve) => (wakeProducer = resolve));
    if (stopped) throw new Stopped();
  };
  const producing = produce(push, controller.signal).then(
    () => {
      finished = true;
      wake();
    },
    (error: unknown) => {
      if (!(error instanceof Stopped) && !controller.signal.aborted) failure = { error };
      finished = true;
      wake();
    },
  );

  try {
    for (;;) {
      if (queue.length === 0) {
        if (failure) throw failure.error;
        if (finished) return;
        await new Promise<void>((resolve) => (wakeReader = resolve));
        continue;
      }
      const item = queue.shift()!;
      wakeProducer?.();
      wakeProducer = undefined;
      // A turn of the event loop, so that an answer that arrived meanwhile is read and the
      // next call sent before the caller's next stretch of work.
      await new Promise<void>((resolve) => setImmediate(resolve));
      yield item;
    }
  } finally {
    if (!finished) controller.abort(new Stopped());
    stopped = true;
    wakeProducer?.();
    await producing;
  }
}
