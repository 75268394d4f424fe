/**
 * `connect-sync optouts`: only the opt-out write-back (product.md §5). Takes the import
 * lock, records a run of kind `optouts`, and mails its counts. `--from-csv <file>` first
 * journals Cadence's opt-out history export; `--dry-run` lists what would be written.
 */
import type { Config } from '../../config/schema.js';
import { fromFeed, type JournalCounts } from '../../core/journal-changes.js';
import { judgeChange, type JournalChange } from '../../core/optout-journal.js';
import { emptyRunCounts, withRun } from '../../core/run-life.js';
import type { State } from '../../core/state.js';
import type { OptOutChange } from '../../core/types.js';
import { connectValueFor, runWriteBack } from '../../core/write-back.js';
import { ExitCode } from '../../errors.js';
import { sendRunMail } from '../../report/notify.js';
import { println, type CliContext } from '../context.js';
import { openServices, type Services } from '../services.js';
import { loadConfigFor } from '../load-config.js';
import { journalHistoryCsv, readHistoryCsv, type HistoryCsv, type HistoryCsvCounts } from './optouts-csv.js';

export interface OptOutsOptions {
  dryRun: boolean;
  json: boolean;
  email: boolean;
  /** Cadence's opt-out history export to journal first. */
  fromCsv?: string;
}

/** Runs the write-back alone. Exit 0 when every change was written, 1 when some failed. */
export async function optOutsCommand(options: OptOutsOptions, context: CliContext): Promise<number> {
  const config = await loadConfigFor(context);
  if (config.optOut === undefined) {
    println(context, 'No optOut section in the config: there is nothing to write back.');
    return ExitCode.Ok;
  }
  // Read (and refused, exit 2) before anything is opened: a wrong file changes nothing.
  const history = options.fromCsv === undefined ? undefined : await readHistoryCsv(options.fromCsv, config.cadence.deptCode);
  if (options.dryRun) return listPending(config, options, context, history?.changes.length);
  return writeBack(config, options, context, history);
}

async function listPending(config: Config, options: OptOutsOptions, context: CliContext, fromCsv: number | undefined): Promise<number> {
  const services = openServices(config, context.logger, { readonly: true });
  try {
    const count = await printPendingWrites(config, services, { json: options.json, context });
    const csv = fromCsv === undefined ? '' : ` The CSV holds ${fromCsv} changes of this team; they are journalled (and written when not already known) by a run without --dry-run.`;
    if (options.json) println(context, JSON.stringify({ type: 'summary', write: count, ...(fromCsv !== undefined && { csvChanges: fromCsv }) }));
    else println(context, `Dry run: ${count} opt-out changes would be written to Connect. Nothing was written.${csv}`);
    return ExitCode.Ok;
  } finally {
    await services.close();
  }
}

/**
 * Prints each write the write-back would make (`<` lines, or `{"type":"optout"}` JSON) and
 * resolves with how many; writes nothing: the journal's pending entries, then (with
 * `optOut.feed`) the feed's changes from where it stands, which the journal may yet find
 * to be repeats. `optouts --dry-run` and `import --dry-run` share it.
 */
export async function printPendingWrites(
  config: Config,
  services: Pick<Services, 'cadence' | 'state'>,
  output: { json: boolean; context: CliContext; where?: string },
): Promise<number> {
  const optOut = config.optOut!;
  let count = 0;
  const print = (contactId: string, optedOut: boolean, source: string, changedAt: string) => {
    count += 1;
    const value = connectValueFor({ optedOut }, optOut);
    const line = output.json
      ? JSON.stringify({ type: 'optout', contactId, attribute: optOut.field, value, source, changedAt })
      : `< ${contactId} ${optOut.field} := "${value}"${output.where ?? ''} (${source} at ${changedAt})`;
    println(output.context, line);
  };
  const { state } = services;
  for (const entry of await state.journal.listPending()) print(entry.contactId, entry.optedOut, entry.source, entry.changedAt);
  if (optOut.feed !== true) return count;
  const { since } = await state.journal.getPosition();
  for await (const page of services.cadence.optOutChanges({ since })) {
    for (const change of await unjournalled(state, page.changes)) print(change.contactId, change.optedOut, change.source, change.changedAt);
  }
  return count;
}

/** The feed's changes the journal would take as new latest entries to write (judged as it would, without writing). */
async function unjournalled(state: Pick<State, 'journal' | 'sync'>, changes: readonly OptOutChange[]): Promise<JournalChange[]> {
  const readable = changes.map(fromFeed).filter((change) => change !== undefined);
  const ids = [...new Set(readable.map((change) => change.contactId))];
  const latest = await state.journal.getConsent(ids);
  const holds = await state.sync.getConfirmedOptedOut(ids);
  const listed: JournalChange[] = [];
  for (const change of readable) {
    const connectHolds = change.connectHolds ?? holds.get(change.contactId);
    const judged = { ...change, ...(connectHolds !== undefined && { connectHolds }) };
    if (judgeChange(judged, latest.get(change.contactId), false) !== 'pending') continue;
    listed.push(judged);
    latest.set(change.contactId, { optedOut: change.optedOut, changedAt: change.changedAt, source: change.source });
  }
  return listed;
}

/** A recorded run of kind `optouts`: the CSV journalled (when given), the write-back, then the mail. */
async function writeBack(config: Config, options: OptOutsOptions, context: CliContext, history: HistoryCsv | undefined): Promise<number> {
  const { logger } = context;
  const services = openServices(config, logger);
  const { state } = services;
  try {
    return await withRun(state, 'optouts', { logger }, async ({ run, finish }) => {
      const counts = emptyRunCounts();
      const csv = history === undefined ? undefined : await journalHistoryCsv(state, history, logger);
      counts.writeBack = await runWriteBack(config, { connect: services.connect, cadence: services.cadence, state, logger, runId: run.id });
      const finished = await finish({ outcome: counts.writeBack.failed > 0 ? 'contacts_failed' : 'ok', counts });
      if (options.email) await sendRunMail({ run: finished, report: { rows: 0 }, config, runs: state.runs, logger });
      printResult(finished.counts.writeBack, { runId: run.id, outcome: finished.outcome, csv }, options, context);
      return finished.counts.writeBack.failed > 0 ? ExitCode.ContactsFailed : ExitCode.Ok;
    });
  } finally {
    await services.close();
  }
}

function printResult(
  counts: { written: number; failed: number; skipped: number },
  run: { runId: string; outcome: string; csv: HistoryCsvCounts | undefined },
  options: OptOutsOptions,
  context: CliContext,
): void {
  const { written, failed, skipped } = counts;
  if (options.json) {
    println(context, JSON.stringify({ runId: run.runId, outcome: run.outcome, written, failed, skipped, ...(run.csv && { csv: run.csv }) }));
    return;
  }
  if (context.options.quiet) return;
  if (run.csv) println(context, formatCsvCounts(run.csv));
  println(context, `Opt-out write-back: ${written} written, ${failed} failed, ${skipped} skipped (connect-sync's own imports). Run ${run.runId}`);
}

function formatCsvCounts(csv: HistoryCsvCounts): string {
  const journal: JournalCounts = csv.journalled;
  return (
    `History CSV: ${csv.rows} rows; ${journal.pending} new changes to write, ${journal.echo} already in Connect, ` +
    `${journal.repeat} already journalled, ${journal.history} older than what is known; ${csv.otherDepartments} rows of other departments skipped.`
  );
}
