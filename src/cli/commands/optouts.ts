/**
 * `connect-sync optouts`: only the opt-out write-back (product.md §5). Takes the import
 * lock (it moves the feed position and writes to Connect), records a run of kind
 * `optouts`, and mails its counts. `--dry-run` lists what it would write.
 */
import { hostname } from 'node:os';
import type { Config } from '../../config/schema.js';
import { emptyRunCounts } from '../../adapters/sqlite/store.js';
import { connectValueFor, needsWriteBack, pendingChanges, runWriteBack } from '../../core/write-back.js';
import { ExitCode } from '../../errors.js';
import { sendRunMail } from '../../report/notify.js';
import { println, type CliContext } from '../context.js';
import { openServices, type Services } from '../services.js';
import { loadConfigFor } from '../load-config.js';

export interface OptOutsOptions {
  dryRun: boolean;
  json: boolean;
  email: boolean;
}

/** Runs the write-back alone. Exit 0 when every change was written, 1 when some failed. */
export async function optOutsCommand(options: OptOutsOptions, context: CliContext): Promise<number> {
  const config = await loadConfigFor(context);
  if (config.optOut === undefined) {
    println(context, 'No optOut section in the config: there is nothing to write back.');
    return ExitCode.Ok;
  }
  return options.dryRun ? listPending(config, options, context) : writeBack(config, options, context);
}

async function listPending(config: Config, options: OptOutsOptions, context: CliContext): Promise<number> {
  const services = openServices(config, context.logger, { readonly: true });
  try {
    const count = await printPendingWrites(config, services, { json: options.json, context });
    if (options.json) println(context, JSON.stringify({ type: 'summary', write: count }));
    else println(context, `Dry run: ${count} opt-out changes would be written to Connect. Nothing was written.`);
    return ExitCode.Ok;
  } finally {
    await services.close();
  }
}

/**
 * Prints each write the write-back would make (`<` lines, or `{"type":"optout"}` JSON) and
 * resolves with how many; writes nothing. `optouts --dry-run` and `import --dry-run` share it.
 */
export async function printPendingWrites(
  config: Config,
  services: Pick<Services, 'cadence' | 'store'>,
  output: { json: boolean; context: CliContext; where?: string },
): Promise<number> {
  const optOut = config.optOut!;
  let count = 0;
  for await (const page of pendingChanges(services.cadence, services.store)) {
    for (const change of page.changes.filter(needsWriteBack)) {
      count += 1;
      const value = connectValueFor(change, optOut);
      const line = output.json
        ? JSON.stringify({ type: 'optout', contactId: change.uniqueCampusId, attribute: optOut.field, value, source: change.source, changedAt: change.changedAt })
        : `< ${change.uniqueCampusId} ${optOut.field} := "${value}"${output.where ?? ''} (${change.source} at ${change.changedAt})`;
      println(output.context, line);
    }
  }
  return count;
}

async function writeBack(config: Config, options: OptOutsOptions, context: CliContext): Promise<number> {
  const { logger } = context;
  const services = openServices(config, logger);
  const { store } = services;
  try {
    store.acquireLock({ pid: process.pid, host: hostname() });
    try {
      const run = store.startRun('optouts');
      const counts = emptyRunCounts();
      try {
        counts.writeBack = await runWriteBack(config, { ...services, logger, runId: run.id });
        store.finishRun(run.id, { outcome: counts.writeBack.failed > 0 ? 'contacts_failed' : 'ok', counts });
      } catch (error) {
        store.finishRun(run.id, { outcome: 'failed', counts, error: error instanceof Error ? error.message : String(error) });
        throw error;
      }
      const finished = store.getRun(run.id)!;
      if (options.email) await sendRunMail({ run: finished, report: { rows: 0 }, config, store, logger });
      const { written, failed, skipped } = finished.counts.writeBack;
      if (options.json) println(context, JSON.stringify({ runId: run.id, outcome: finished.outcome, written, failed, skipped }));
      else if (!context.options.quiet) println(context, `Opt-out write-back: ${written} written, ${failed} failed, ${skipped} skipped (connect-sync's own imports). Run ${run.id}`);
      return failed > 0 ? ExitCode.ContactsFailed : ExitCode.Ok;
    } finally {
      store.releaseLock();
    }
  } finally {
    await services.close();
  }
}
