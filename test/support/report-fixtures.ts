/**
 * Runs, issues and configs for the report and notification tests. The secrets are
 * distinctive strings so a test can assert they appear nowhere.
 */
import path from 'node:path';
import { Config as ConfigSchema, type Config } from '../../src/config/schema.js';
import type { RunCounts, RunIssue, RunRecord } from '../../src/core/ports.js';
import type { RunLog } from '../../src/core/state.js';

export const SECRETS = {
  passKey: 'PASSKEY-s3cr3t-7f1e',
  apiKey: 'APIKEY-9a8b7c6d',
  apiSecret: 'APISECRET-0ddba11',
  smtpPass: 'SMTPPASS-c0ffee42',
} as const;

/** A full config (defaults applied) with the notification section pointing at `smtp`. */
export function testConfig(options: {
  statePath: string;
  smtp?: { host: string; port: number; user?: string; pass?: string };
  to?: string[];
  optOut?: boolean;
}): Config {
  const parsed = ConfigSchema.parse({
    connect: { endpoint: 'http://127.0.0.1:1/ws/bridge.asmx', clientName: 'astronomer', passKey: SECRETS.passKey },
    cadence: { baseUrl: 'http://127.0.0.1:1', deptCode: 'ADMISSIONS', apiKey: SECRETS.apiKey, apiSecret: SECRETS.apiSecret },
    standardFields: { firstName: 'firstname', lastName: 'lastname', mobileNumber: 'mobilephone' },
    ...(options.optOut && { optOut: { field: 'sms_status', optedInValue: 'Opted In', optedOutValue: 'Opted Out' } }),
    criteria: { filterIds: [70542, 70611], sourceCode: 'CADENCE' },
    ...(options.smtp && {
      notification: {
        to: options.to ?? ['admissions-ops@example.edu', 'it-alerts@example.edu'],
        from: 'connect-sync@example.edu',
        smtp: { secure: false, user: 'mailer', pass: SECRETS.smtpPass, ...options.smtp },
      },
    }),
  });
  return { ...parsed, state: { path: options.statePath, reportsDir: path.join(path.dirname(options.statePath), 'reports') }, source: path.join(path.dirname(options.statePath), 'connect-sync.config.yaml') };
}

/** Counts that satisfy matched = imported + errors, with two filters. */
export function testCounts(overrides: Partial<RunCounts> = {}): RunCounts {
  return {
    matched: 12,
    imported: 9,
    errors: 3,
    warnings: 2,
    notProcessed: 0,
    created: 4,
    updated: 3,
    unchanged: 2,
    perFilter: {
      '70542': { matched: 10, imported: 8, errors: 2, warnings: 2 },
      '70611': { matched: 3, imported: 1, errors: 2, warnings: 0 },
    },
    writeBack: { written: 0, failed: 0, skipped: 0 },
    ...overrides,
  };
}

export function testRun(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'run-20261124-0600',
    kind: 'import',
    pid: 4242,
    host: 'sync01',
    startedAt: '2026-11-24T06:00:03.000Z',
    finishedAt: '2026-11-24T06:03:15.000Z',
    outcome: 'contacts_failed',
    counts: testCounts(),
    notes: [],
    ...overrides,
  };
}

/** The issues of testCounts(): 3 errors and 2 warnings, with hostile and accented cells. */
export function testIssues(): RunIssue[] {
  return [
    { contactId: '100234', firstName: 'José', lastName: 'Muñoz-Łukasiewicz', mobileNumber: '+1 404 555 0123 ext 9', filterIds: [70542], severity: 'error', code: 'INVALID_MOBILE', message: 'mobile number has an extension' },
    { contactId: '100235', firstName: '=HYPERLINK("http://x")', lastName: '@SUM(A1)', mobileNumber: '', filterIds: [70542, 70611], severity: 'error', code: 'MISSING_MOBILE', message: 'mobile number is empty' },
    { contactId: '100236', firstName: 'Zoë', lastName: "O'Brien, Jr.", mobileNumber: '-', filterIds: [70611], severity: 'error', code: 'CAD_REJECTED', message: 'line one\nline "two"' },
    { contactId: '100237', firstName: '\tTab', lastName: '\rCR', mobileNumber: '4045550199', filterIds: [70542], severity: 'warning', code: 'UNKNOWN_USER_ID', message: 'no Cadence user has the User ID c-17' },
    { contactId: '100238', firstName: 'Ана', lastName: '<b>Bold</b>', mobileNumber: '(404) 555-0100', filterIds: [70542], severity: 'warning', code: 'OPT_OUT_CONFLICT', message: 'Cadence reported an opt-out' },
  ];
}

/** The RunLog's recordMail, in memory. */
export function memoryMailStore(): Pick<RunLog, 'recordMail'> & { mails: Map<string, { sent: boolean; error?: string }> } {
  const mails = new Map<string, { sent: boolean; error?: string }>();
  return {
    mails,
    async recordMail(runId, mail) {
      mails.set(runId, mail);
    },
  };
}

/**
 * Reads RFC 4180 text (quoted fields, `""` escapes, CRLF between records) into rows. Strict:
 * a bare LF or CR outside quotes is an error, so a test also proves the line endings.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else if (char === '\r' || char === '\n') throw new Error(`bare line break outside quotes at ${i}`);
    else cell += char;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (cell !== '' || row.length > 0) throw new Error('last record does not end with CRLF');
  return rows;
}
