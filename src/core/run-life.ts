/**
 * A recorded run's life, the same for every command that records one (import, optouts):
 * take the team's lock, start the run, let the command do its work in order, finish the
 * run, release the lock. A run its command did not finish (an unexpected error) is
 * finished here as failed, so no run is left `running` by a live process.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../log.js';
import type { RunCounts, RunKind, RunRecord } from './ports.js';
import type { RunFinish, State } from './state.js';

/** Zero counts: what a run starts with. */
export function emptyRunCounts(): RunCounts {
  return {
    matched: 0,
    imported: 0,
    errors: 0,
    warnings: 0,
    notProcessed: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    perFilter: {},
    writeBack: { written: 0, failed: 0, skipped: 0 },
  };
}

/** `20261125T011502Z-ab12`: the start time to the second (sorts and reads well) and a random suffix. */
export function runIdAt(at: Date, suffix = randomBytes(2).toString('hex')): string {
  const stamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${stamp}-${suffix}`;
}

/** The run a command works in: its record as started, and how to finish it. */
export interface RunHandle {
  readonly run: RunRecord;
  /** Records the outcome; resolves with the finished record. Once only. */
  finish(result: RunFinish): Promise<RunRecord>;
}

export interface RunOptions {
  logger: Logger;
  /** Started by `import --scheduled` (recorded on the run). */
  scheduled?: boolean;
}

/**
 * Runs `work` inside a recorded run of `kind` holding the team's lock. Throws LockBusyError
 * (nothing recorded) when a live process holds the lock. Whatever `work` returns or throws
 * comes back as is, after the lock is released.
 */
export async function withRun<T>(state: Pick<State, 'lock' | 'runs'>, kind: RunKind, options: RunOptions, work: (handle: RunHandle) => Promise<T>): Promise<T> {
  const { takenOver } = await state.lock.acquire({ pid: process.pid, host: hostname() });
  if (takenOver) options.logger.warn({ holder: takenOver }, 'took over the lock of a process that is gone');
  try {
    const run = await state.runs.start(kind, { scheduled: options.scheduled === true });
    let finished: RunRecord | undefined;
    const handle: RunHandle = {
      run,
      async finish(result) {
        if (finished) throw new Error(`run ${run.id} is finished already`);
        await state.runs.finish(run.id, result);
        finished = (await state.runs.get(run.id)) ?? { ...run, ...result, notes: result.notes ?? [] };
        return finished;
      },
    };
    try {
      return await work(handle);
    } catch (error) {
      if (!finished) {
        // The error that stopped the work is what the command reports; a failure to record
        // it on top (the state gone too) is only logged.
        await finishFailed(state, run, error).catch((cause: unknown) => options.logger.error({ err: cause }, 'could not record the run as failed'));
      }
      throw error;
    }
  } finally {
    await state.lock.release();
  }
}

async function finishFailed(state: Pick<State, 'runs'>, run: RunRecord, error: unknown): Promise<void> {
  const reason = error instanceof Error ? error.message : String(error);
  const counts = (await state.runs.get(run.id))?.counts ?? emptyRunCounts();
  await state.runs.finish(run.id, { outcome: 'failed', counts, error: reason });
}
