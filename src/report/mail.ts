/**
 * The notification mail of product.md §6, composed from a finished run: subject, plain
 * text and HTML from the same blocks, and the CSV report attached when it has rows.
 * Pure: no I/O, no clock. Only non-secret config fields are read, and every text is passed
 * through a scrubber that blanks the secrets anyway, in case an error message echoed one.
 */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { stateUrlSecrets } from '../config/state-url.js';
import type { MailMessage, RunRecord } from '../core/ports.js';
import {
  filterRows,
  formatImportedSplit,
  formatInstant,
  formatWriteBack,
  oneLine,
  plural,
  runDuration,
  showWriteBack,
} from './summary.js';
import { renderHtml, renderText, scrubBlocks, type Block } from './mail-render.js';

export interface RunMailInput {
  run: RunRecord;
  config: Config;
  /** Filter names by id (from Connect's GetFilters), shown beside the ids when known. */
  filterNames?: ReadonlyMap<number, string>;
  /** The CSV report's path on this host, when one was written. */
  reportPath?: string;
  /** Data rows in the report (0 when none was written). */
  reportRows: number;
  /** Why the report could not be written, when writing it failed. */
  reportError?: string;
  /** The zone the start time is shown in: the nightly window's zone. */
  timeZone: string;
}

export type RunMail = Omit<MailMessage, 'from' | 'to'>;

/** Composes the mail for a run: `Connect import completed: …` or `Connect import FAILED: …`. */
export function composeRunMail(input: RunMailInput): RunMail {
  const { run } = input;
  const failed = run.outcome === 'failed' || run.outcome === 'interrupted';
  const reason = failureReason(run);
  const scrub = secretScrubber(input.config);
  const subject = scrub(failed ? `${title(run)} FAILED: ${oneLine(reason, 100)}` : `${title(run)} completed: ${subjectCounts(run)}`);
  const blocks = scrubBlocks(
    [...opening(run, failed, reason), ...countBlocks(input), ...noteBlocks(run), ...reportBlocks(input, failed), runBlock(input)],
    scrub,
  );
  const attached = input.reportPath !== undefined && input.reportRows > 0;
  return {
    subject,
    text: renderText(blocks),
    html: renderHtml(subject, blocks),
    attachments: attached && input.reportPath ? [{ filename: path.basename(input.reportPath), path: input.reportPath, contentType: 'text/csv' }] : [],
  };
}

function title(run: RunRecord): string {
  return run.kind === 'optouts' ? 'Connect opt-out write-back' : 'Connect import';
}

function subjectCounts(run: RunRecord): string {
  const { counts } = run;
  // The wording of product.md §6, kept exact (no singulars) so mail filters can match it.
  if (run.kind === 'optouts') return `${counts.writeBack.written} written, ${counts.writeBack.failed} failed`;
  return `${counts.matched} matched, ${counts.imported} imported, ${counts.errors} errors`;
}

function failureReason(run: RunRecord): string {
  if (run.error !== undefined && run.error.trim() !== '') return run.error;
  return run.outcome === 'interrupted' ? 'the run was interrupted before it finished' : 'unknown error';
}

function opening(run: RunRecord, failed: boolean, reason: string): Block[] {
  const what = run.kind === 'optouts' ? 'The opt-out write-back' : 'The Connect import';
  if (failed) {
    return [
      { kind: 'paragraph', text: `${what} could not complete: ${reason.replace(/\s+/g, ' ').trim()}` },
      {
        kind: 'paragraph',
        text: 'What was done before it failed is below. Contacts Cadence confirmed are kept: the next run re-reads from where the last completed run ended and does not send them again.',
      },
    ];
  }
  const { errors, warnings } = run.counts;
  const stillFailing = run.counts.stillFailing ?? 0;
  if (run.kind === 'optouts') return [{ kind: 'paragraph', text: `${what} finished.` }];
  if (errors > 0 || stillFailing > 0) {
    const earlier = stillFailing > 0 ? `${errors > 0 ? ', and ' : ', but '}${plural(stillFailing, 'contact')} from earlier runs still failing` : '';
    const now = errors > 0 ? `, but ${plural(errors, 'contact')} could not be imported` : '';
    return [{ kind: 'paragraph', text: `${what} finished${now}${earlier}: see the report.` }];
  }
  const caveat = warnings > 0 ? `, with ${plural(warnings, 'warning')} (see the report)` : '';
  return [{ kind: 'paragraph', text: `${what} finished: every contact the filters returned is in Cadence${caveat}.` }];
}

function countBlocks({ run, config, filterNames }: RunMailInput): Block[] {
  const { counts } = run;
  const writeBack: [string, string][] = showWriteBack(counts.writeBack, config.optOut !== undefined)
    ? [['Opt-out write-back', formatWriteBack(counts.writeBack)]]
    : [];
  if (run.kind === 'optouts') return [{ kind: 'facts', rows: writeBack }];
  const blocks: Block[] = [
    {
      kind: 'facts',
      rows: [
        ['Matched', String(counts.matched)],
        ['Imported', `${counts.imported} (${formatImportedSplit(counts)})`],
        ['Errors', String(counts.errors)],
        // Only a run that stopped early has contacts read but not settled; the next run takes them up.
        ...((counts.notProcessed ?? 0) > 0 ? [['Not processed', `${counts.notProcessed} (read, no outcome yet; the next run takes them up)`] as [string, string]] : []),
        ['Warnings', String(counts.warnings)],
        ['Still failing', `${counts.stillFailing ?? 0} (data errors of earlier runs not yet fixed in Connect)`],
        ...writeBack,
      ],
    },
  ];
  const rows = filterRows(counts, config.criteria.filterIds, filterNames);
  if (rows.length > 0) {
    blocks.push({
      kind: 'table',
      title: 'Per filter (a contact in two filters counts in both)',
      headers: ['Filter', 'Matched', 'Imported', 'Errors', 'Warnings'],
      rows: rows.map((row) => [row.filter, String(row.matched), String(row.imported), String(row.errors), String(row.warnings)]),
    });
  }
  return blocks;
}

function noteBlocks(run: RunRecord): Block[] {
  return run.notes.length > 0 ? [{ kind: 'list', title: 'Notes', items: [...run.notes] }] : [];
}

function reportBlocks(input: RunMailInput, failed: boolean): Block[] {
  const { run, reportPath, reportRows, reportError } = input;
  if (reportError !== undefined) return [{ kind: 'paragraph', text: `The report could not be written: ${oneLine(reportError, 300)}` }];
  if (reportPath !== undefined) {
    const rows = reportRows > 0 ? `${plural(reportRows, 'row')}, attached` : 'no rows';
    return [{ kind: 'paragraph', text: `Report: ${reportPath} on ${run.host} (${rows}).` }];
  }
  if (failed || run.kind === 'optouts') return [];
  return [{ kind: 'paragraph', text: 'No errors or warnings, so no report was written.' }];
}

function runBlock({ run, config, timeZone }: RunMailInput): Block {
  return {
    kind: 'facts',
    rows: [
      ['Run', `${run.id} (${run.kind})`],
      ['Started', formatInstant(run.startedAt, timeZone)],
      ['Duration', runDuration(run.startedAt, run.finishedAt)],
      ['Host', `${run.host} (pid ${run.pid})`],
      ['Connect instance', config.connect.clientName],
      ['Cadence department', config.cadence.deptCode],
    ],
  };
}

/** Secrets shorter than this are not scrubbed: blanking one- or two-letter strings would mangle the text. */
const MIN_SCRUBBED_LENGTH = 4;

/**
 * Returns a function that blanks every secret of the config in a text. The mail never reads
 * a secret on purpose; this is for text that comes from elsewhere (an error message).
 */
export function secretScrubber(config: Config): (text: string) => string {
  const secrets = [config.connect.passKey, config.cadence.apiSecret, config.cadence.apiKey, config.notification?.smtp?.pass, config.notification?.pingUrl, ...stateUrlSecrets(config.state.url)]
    .filter((secret): secret is string => secret !== undefined && secret.length >= MIN_SCRUBBED_LENGTH)
    .sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((result, secret) => result.split(secret).join('[redacted]'), text);
}
