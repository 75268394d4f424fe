/**
 * serve's write-back worker: writes the journal's pending entries to Connect as webhooks
 * arrive, and again on a timer for those waiting out a backoff. One pass at a time; a
 * nudge during a pass starts another after it, so no arrival waits for the timer.
 */
import type { Config } from '../../config/schema.js';
import { writePending, type WriteBackDeps } from '../../core/write-back.js';
import type { Logger } from '../../log.js';

/** How often entries waiting out a backoff (or claimed by a writer that died) are looked at. */
const SWEEP_MS = 5000;
/**
 * A pass starts once webhooks have paused this long, or this long after the first one
 * waiting at the latest: during a burst, answering comes first (the journal holds the
 * changes either way), and the write-back follows within about a second.
 */
const QUIET_MS = 100;
const MAX_WAIT_MS = 1000;

export interface WriteBackWorker {
  /** A new entry is in the journal. */
  nudge(): void;
  /** Stops the timer and waits for the pass in progress (its write, at most, finishes). */
  stop(): Promise<void>;
}

export function startWriteBackWorker(config: Config, deps: Omit<WriteBackDeps, 'cadence' | 'runId'> & { owner: string; logger: Logger }, onWrite: (outcome: 'written' | 'failed' | 'retry') => void): WriteBackWorker {
  const controller = new AbortController();
  let running: Promise<void> | undefined;
  let again = false;
  const pass = async (): Promise<void> => {
    do {
      again = false;
      try {
        const result = await writePending(config, { ...deps, cadence: { optOutChanges: noFeed } }, { dueOnly: true, signal: controller.signal });
        for (let index = 0; index < result.written; index++) onWrite('written');
        for (let index = 0; index < result.failed; index++) onWrite('failed');
        if (result.stopped) onWrite('retry');
      } catch (error) {
        // A rejection (credentials, source code): the entry waits out its backoff; serve keeps receiving.
        onWrite('retry');
        deps.logger.error({ error: error instanceof Error ? error.message : String(error) }, 'opt-out write-back rejected by Connect; retried later');
      }
    } while (again && !controller.signal.aborted);
  };
  const start = () => {
    if (controller.signal.aborted) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = pass().finally(() => {
      running = undefined;
    });
  };
  let quiet: NodeJS.Timeout | undefined;
  let firstWaiting: number | undefined;
  const nudge = () => {
    const now = Date.now();
    firstWaiting ??= now;
    clearTimeout(quiet);
    quiet = setTimeout(() => {
      firstWaiting = undefined;
      start();
    }, Math.max(0, Math.min(QUIET_MS, firstWaiting + MAX_WAIT_MS - now)));
  };
  const timer = setInterval(start, SWEEP_MS);
  timer.unref();
  start();
  return {
    nudge,
    async stop() {
      clearInterval(timer);
      clearTimeout(quiet);
      controller.abort();
      await running;
    },
  };
}

// serve reads no feed: its changes come in by webhook.
async function* noFeed(): AsyncGenerator<never> {}
