/**
 * The end of every run (product.md §6): the CSV report when there is anything to report,
 * then the mail. Neither may change the run's outcome, so nothing here throws: a report
 * that cannot be written or a mail that cannot be sent is logged and returned (and the
 * mail's outcome recorded on the run).
 *
 * Two steps, so the caller can record the report's path when it finishes the run, before mailing:
 *   const report = await writeRunReport({ run, issues, reportsDir, logger });
 *   const finished = await handle.finish({ …, reportPath: report.path });
 *   await sendRunMail({ run: finished, report, config, runs: state.runs, logger });
 * or `notifyRun` for both at once.
 */
import type { Logger } from 'pino';
import { createSmtpMailer } from '../adapters/smtp/mailer.js';
import type { Config } from '../config/schema.js';
import type { Mailer, RunRecord } from '../core/ports.js';
import type { RunLog } from '../core/state.js';
import { reportPathFor, writeErrorReport, type ReportRow } from './csv.js';
import { composeRunMail, secretScrubber } from './mail.js';

export type IssueSource = () => Iterable<ReportRow> | AsyncIterable<ReportRow>;

/** What writeRunReport did: `path` when a report was written; `error` when writing failed. */
export interface RunReport {
  path?: string;
  rows: number;
  error?: string;
}

/** The mail's outcome, as recorded with RunLog.recordMail. */
export interface MailOutcome {
  sent: boolean;
  error?: string;
}

/**
 * Writes `<state.reportsDir>/<runId>-errors.csv` when the run counted any error,
 * warning or still-failing contact. `issues` is called only then (so a clean run never reads them).
 */
export async function writeRunReport(input: { run: RunRecord; issues: IssueSource; reportsDir: string; logger: Logger }): Promise<RunReport> {
  const { run, logger } = input;
  if (run.counts.errors + run.counts.warnings + (run.counts.stillFailing ?? 0) === 0) return { rows: 0 };
  const reportPath = reportPathFor(input.reportsDir, run.id);
  try {
    const written = await writeErrorReport(reportPath, input.issues());
    logger.info({ runId: run.id, path: written.path, rows: written.rows }, 'error report written');
    return written;
  } catch (error) {
    const message = messageOf(error);
    logger.warn({ runId: run.id, path: reportPath, error: message }, 'error report could not be written');
    return { rows: 0, error: message };
  }
}

export interface SendRunMailInput {
  run: RunRecord;
  report: RunReport;
  config: Config;
  runs: Pick<RunLog, 'recordMail'>;
  logger: Logger;
  /** Default: an SMTP mailer built from `config.notification.smtp`. */
  mailer?: Mailer;
  filterNames?: ReadonlyMap<number, string>;
}

/**
 * Mails the run's summary to every address of `notification.to` and records the outcome on
 * the run. Resolves with undefined (and records nothing) when no mail is configured.
 */
export async function sendRunMail(input: SendRunMailInput): Promise<MailOutcome | undefined> {
  const { run, config, logger } = input;
  const { to, from, smtp } = config.notification ?? {};
  if (to === undefined || from === undefined || smtp === undefined) return undefined;
  let outcome: MailOutcome;
  try {
    const mail = composeRunMail({
      run,
      config,
      filterNames: input.filterNames,
      reportPath: input.report.path,
      reportRows: input.report.rows,
      reportError: input.report.error,
      timeZone: config.nightlyImport.window.timeZone,
    });
    const mailer = input.mailer ?? createSmtpMailer(smtp, { logger });
    await mailer.send({ ...mail, from, to });
    outcome = { sent: true };
    logger.info({ runId: run.id, recipients: to.length, attachments: mail.attachments.length }, 'notification mail sent');
  } catch (error) {
    // Any mailer's error text passes the config's secret scrubber before it is kept anywhere.
    outcome = { sent: false, error: secretScrubber(config)(messageOf(error)) };
    logger.warn({ runId: run.id, error: outcome.error }, 'notification mail not sent');
  }
  try {
    await input.runs.recordMail(run.id, outcome);
  } catch (error) {
    logger.warn({ runId: run.id, error: messageOf(error) }, 'mail outcome could not be recorded');
  }
  return outcome;
}

export interface NotifyRunInput extends Omit<SendRunMailInput, 'report'> {
  issues: IssueSource;
  /** False with --no-email: the report is still written, no mail is attempted or recorded. */
  sendMail: boolean;
  /** Where the report goes; default: `config.state.reportsDir`. */
  reportsDir?: string;
}

export interface NotifyResult {
  reportPath?: string;
  reportRows: number;
  reportError?: string;
  /** Absent when no mail was attempted (no notification configured, or --no-email). */
  mail?: MailOutcome;
}

/** writeRunReport, then sendRunMail when `sendMail`. Never throws. */
export async function notifyRun(input: NotifyRunInput): Promise<NotifyResult> {
  const report = await writeRunReport({
    run: input.run,
    issues: input.issues,
    reportsDir: input.reportsDir ?? input.config.state.reportsDir,
    logger: input.logger,
  });
  const mail = input.sendMail ? await sendRunMail({ ...input, report }) : undefined;
  return {
    ...(report.path !== undefined && { reportPath: report.path }),
    reportRows: report.rows,
    ...(report.error !== undefined && { reportError: report.error }),
    ...(mail !== undefined && { mail }),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
