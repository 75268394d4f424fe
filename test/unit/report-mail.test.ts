import { describe, expect, it } from 'vitest';
import { composeRunMail, type RunMailInput } from '../../src/report/mail.js';
import { escapeHtml } from '../../src/report/mail-render.js';
import { SECRETS, testConfig, testCounts, testRun } from '../support/report-fixtures.js';

const config = testConfig({ statePath: '/srv/sync/connect-sync.sqlite', smtp: { host: '127.0.0.1', port: 2525 } });
const REPORT = '/srv/sync/reports/run-20261124-0600-errors.csv';

/** The HTML as a reader sees it: tags dropped, whitespace collapsed. */
function visibleText(html: string): string {
  return html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
}

function compose(overrides: Partial<RunMailInput> = {}) {
  return composeRunMail({ run: testRun(), config, reportPath: REPORT, reportRows: 5, timeZone: 'America/New_York', ...overrides });
}

describe('composeRunMail: completed run', () => {
  it('uses the subject of product.md §6, exactly', () => {
    expect(compose().subject).toBe('Connect import completed: 12 matched, 9 imported, 3 errors');
    const clean = testRun({ outcome: 'ok', counts: testCounts({ matched: 1, imported: 1, errors: 0, warnings: 0, perFilter: {} }) });
    expect(compose({ run: clean, reportPath: undefined, reportRows: 0 }).subject).toBe('Connect import completed: 1 matched, 1 imported, 0 errors');
  });

  it('gives counts, split, per-filter shares, run id, start in the zone and duration', () => {
    const { text, html } = compose({ filterNames: new Map([[70542, 'Fall inquiries']]) });
    expect(text).toMatch(/Matched:\s+12\n/);
    expect(text).toMatch(/Imported:\s+9 \(4 created, 3 updated, 2 unchanged\)\n/);
    expect(text).toMatch(/Errors:\s+3\n/);
    expect(text).toMatch(/Warnings:\s+2\n/);
    expect(text).toMatch(/70542 Fall inquiries\s+10\s+8\s+2\s+2\n/);
    expect(text).toMatch(/70611\s+3\s+1\s+2\s+0\n/);
    expect(text.indexOf('70542 Fall inquiries')).toBeLessThan(text.indexOf('70611 '));
    expect(text).toContain('run-20261124-0600 (import)');
    expect(text).toContain('2026-11-24 01:00:03 EST (America/New_York)');
    expect(text).toContain('3 min 12 s');
    expect(text).toContain('3 contacts could not be imported');
    expect(text).toContain(`${REPORT} on sync01 (5 rows, attached)`);
    const visible = visibleText(html);
    for (const phrase of ['Matched 12', 'Imported 9 (4 created, 3 updated, 2 unchanged)', 'Errors 3', 'Warnings 2', '70542 Fall inquiries 10 8 2 2', '70611 3 1 2 0', '2026-11-24 01:00:03 EST (America/New_York)']) {
      expect(visible).toContain(phrase);
    }
  });

  it('shows the start time in summer time too', () => {
    const run = testRun({ startedAt: '2026-07-01T05:30:00.000Z', finishedAt: '2026-07-01T05:30:00.850Z' });
    const { text } = compose({ run });
    expect(text).toContain('2026-07-01 01:30:00 EDT (America/New_York)');
    expect(text).toContain('850 ms');
  });

  it('attaches the CSV only when it has rows', () => {
    expect(compose().attachments).toEqual([{ filename: 'run-20261124-0600-errors.csv', path: REPORT, contentType: 'text/csv' }]);
    const empty = compose({ reportRows: 0 });
    expect(empty.attachments).toEqual([]);
    expect(empty.text).toContain('(no rows)');
    expect(empty.text).not.toContain('attached');
  });

  it('says when no report was needed, and when one could not be written', () => {
    const clean = testRun({ outcome: 'ok', counts: testCounts({ errors: 0, warnings: 0, imported: 12 }) });
    expect(compose({ run: clean, reportPath: undefined, reportRows: 0 }).text).toContain('No errors or warnings, so no report was written.');
    const broken = compose({ reportPath: undefined, reportRows: 0, reportError: 'EACCES: permission denied' });
    expect(broken.text).toContain('The report could not be written: EACCES: permission denied');
    expect(broken.attachments).toEqual([]);
  });

  it('lists the notes', () => {
    const run = testRun({ notes: ['filter 70542 re-imported in full: mapping changed'] });
    expect(compose({ run }).text).toContain('Notes:\n  - filter 70542 re-imported in full: mapping changed');
  });

  it('shows the write-back when opt-out is configured or it did something', () => {
    const zero = testCounts();
    const busy = testCounts({ writeBack: { written: 3, failed: 1, skipped: 2 } });
    expect(compose({ run: testRun({ counts: zero }) }).text).not.toContain('Opt-out write-back');
    expect(compose({ run: testRun({ counts: busy }) }).text).toMatch(/Opt-out write-back:\s+3 written, 1 failed, 2 skipped/);
    const withOptOut = testConfig({ statePath: '/srv/sync/s.sqlite', optOut: true });
    expect(compose({ run: testRun({ counts: zero }), config: withOptOut }).text).toMatch(/Opt-out write-back:\s+0 written, 0 failed\n/);
  });
});

describe('composeRunMail: failed run', () => {
  it('puts the reason on one shortened line in the subject and the counts so far in the body', () => {
    const reason = `Connect: unreachable after 5 attempts\n  at GetFilterContacts ${'(filter 70542) '.repeat(20)}`;
    const run = testRun({ outcome: 'failed', error: reason, finishedAt: '2026-11-24T06:00:48.000Z' });
    const { subject, text, html } = compose({ run, reportPath: undefined, reportRows: 0 });
    expect(subject.startsWith('Connect import FAILED: Connect: unreachable after 5 attempts at GetFilterContacts (filter')).toBe(true);
    expect(subject).not.toContain('\n');
    expect(subject.endsWith('…')).toBe(true);
    expect(subject.length).toBeLessThanOrEqual('Connect import FAILED: '.length + 100);
    expect(text).toContain('could not complete: Connect: unreachable after 5 attempts at GetFilterContacts');
    expect(text).toContain('What was done before it failed');
    expect(text).toMatch(/Matched:\s+12\n/);
    expect(text).toMatch(/Imported:\s+9 /);
    expect(text).toContain('45 s');
    expect(html).toContain('could not complete');
  });

  it('names an interrupted run and an opt-out run', () => {
    expect(compose({ run: testRun({ outcome: 'interrupted' }) }).subject).toBe('Connect import FAILED: the run was interrupted before it finished');
    const optouts = testRun({ kind: 'optouts', outcome: 'ok', counts: testCounts({ writeBack: { written: 4, failed: 1, skipped: 0 } }) });
    expect(compose({ run: optouts, reportPath: undefined, reportRows: 0 }).subject).toBe('Connect opt-out write-back completed: 4 written, 1 failed');
  });
});

describe('composeRunMail: safety', () => {
  it('escapes everything in the HTML', () => {
    const run = testRun({ notes: ['<img src=x onerror="alert(1)"> & co'] });
    const { html, text } = compose({ run, filterNames: new Map([[70611, '<script>alert("x")</script>']]) });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain(escapeHtml('<script>alert("x")</script>'));
    expect(html).toContain('&#60;img src=x onerror=&#34;alert(1)&#34;&#62; &#38; co');
    expect(text).toContain('70611 <script>alert("x")</script>');
  });

  it('never carries a secret, even when an error message echoed one', () => {
    const run = testRun({
      outcome: 'failed',
      error: `Connect said: bad passKey ${SECRETS.passKey}; smtp ${SECRETS.smtpPass}; cadence ${SECRETS.apiKey}:${SECRETS.apiSecret}`,
      notes: [`note with ${SECRETS.apiSecret}`],
    });
    const mail = compose({ run, filterNames: new Map([[70542, SECRETS.passKey]]) });
    const everything = JSON.stringify(mail);
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
    expect(mail.subject).toContain('[redacted]');
    expect(mail.text).toContain('note with [redacted]');
  });
});

describe('escapeHtml', () => {
  it.each([
    ['<b>', '&#60;b&#62;'],
    ['a & b', 'a &#38; b'],
    [`"'`, '&#34;&#39;'],
    ['José', 'José'],
  ])('%j → %j', (raw, escaped) => {
    expect(escapeHtml(raw)).toBe(escaped);
  });
});

describe('composeRunMail: a run that stopped early (product.md §6)', () => {
  it('shows the contacts read but not processed, and leaves the line out when there are none', () => {
    const counts = testCounts({ matched: 20, imported: 9, errors: 3, notProcessed: 8 });
    const stopped = testRun({ outcome: 'failed', error: 'interrupted (SIGTERM)', counts });
    expect(compose({ run: stopped }).text).toMatch(/Not processed:\s+8 \(read, no outcome yet; the next run takes them up\)\n/);
    expect(compose().text).not.toContain('Not processed');
  });
});
