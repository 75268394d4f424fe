/**
 * `connect-sync status`: recent runs with counts and outcome, each filter's watermark,
 * contacts waiting for retry, opt-out changes pending or failed, and who holds the lock.
 * Reads the state only.
 */
import type { State } from '../../core/state.js';
import { ExitCode } from '../../errors.js';
import { println, type CliContext } from '../context.js';
import { formatStatus, statusJson, type StatusInput } from '../status-format.js';
import { loadConfigFor } from '../load-config.js';
import { openState } from '../services.js';

export interface StatusOptions {
  json: boolean;
  runs: number;
}

/** Prints the status of the config's state. */
export async function statusCommand(options: StatusOptions, context: CliContext, now = new Date()): Promise<number> {
  const config = await loadConfigFor(context);
  const state = openState(config, { readonly: true });
  try {
    const input = await readStatus(state, options.runs, { timeZone: config.connect.timeZone, now });
    println(context, options.json ? JSON.stringify(statusJson(input), null, 2) : formatStatus(input));
    return ExitCode.Ok;
  } finally {
    await state.close();
  }
}

/** What the status shows, read through the state's roles. */
export async function readStatus(state: Pick<State, 'runs' | 'sync' | 'report' | 'lock' | 'journal'>, runs: number, at: Pick<StatusInput, 'timeZone' | 'now'>): Promise<StatusInput> {
  const [recent, watermarks, retries, stillFailing, lockHolder, optOuts] = await Promise.all([
    state.runs.recent(runs),
    state.sync.listWatermarks(),
    state.sync.countRetries(),
    state.report.countStillFailing(),
    state.lock.holder(),
    state.journal.counts(),
  ]);
  return { runs: recent, watermarks, retries, stillFailing, lockHolder, optOuts, ...at };
}
