/**
 * `connect-sync status`: recent runs with counts and outcome, each filter's watermark,
 * contacts waiting for retry, opt-out changes pending or failed, and who holds the lock. Reads the state file only.
 */
import { openStateStore } from '../../adapters/sqlite/store.js';
import { ExitCode } from '../../errors.js';
import { println, type CliContext } from '../context.js';
import { formatStatus, statusJson } from '../status-format.js';
import { loadConfigFor } from '../load-config.js';
import { sqliteStatePath } from '../services.js';

export interface StatusOptions {
  json: boolean;
  runs: number;
}

/** Prints the status of the config's state file. */
export async function statusCommand(options: StatusOptions, context: CliContext, now = new Date()): Promise<number> {
  const config = await loadConfigFor(context);
  const store = openStateStore(sqliteStatePath(config, 'status'), { readonly: true });
  try {
    const input = {
      runs: store.recentRuns(options.runs),
      watermarks: store.listWatermarks(),
      retries: store.countRetries(),
      stillFailing: store.countStillFailing(),
      lockHolder: store.lockHolder(),
      optOuts: store.countOptOuts(),
      timeZone: config.connect.timeZone,
      now,
    };
    println(context, options.json ? JSON.stringify(statusJson(input), null, 2) : formatStatus(input));
    return ExitCode.Ok;
  } finally {
    store.close();
  }
}
