import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunIssue } from '../../src/core/ports.js';
import { guardCell, REPORT_COLUMNS, reportPathFor, writeErrorReport } from '../../src/report/csv.js';
import { parseCsv, testIssues } from '../support/report-fixtures.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const HEADER = 'contact_id,first_name,last_name,mobile_number,filter_ids,severity,error_code,error_message';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-csv-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function readReport(file: string): { bytes: Buffer; rows: string[][] } {
  const bytes = fs.readFileSync(file);
  expect(bytes.subarray(0, 3).equals(BOM)).toBe(true);
  return { bytes, rows: parseCsv(bytes.subarray(3).toString('utf8')) };
}

describe('guardCell', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+1 404 555 0123', "'+1 404 555 0123"],
    ['-x', "'-x"],
    ['-', "'-"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\tfoo', "'\tfoo"],
    ['\rfoo', "'\rfoo"],
    ['＝1+1', "'＝1+1"],
    ['José', 'José'],
    ['4045550123', '4045550123'],
    ['a=b', 'a=b'],
    [' =1', ' =1'],
    ['', ''],
  ])('%j → %j', (cell, guarded) => {
    expect(guardCell(cell)).toBe(guarded);
  });
});

describe('reportPathFor', () => {
  it('puts the report in the reports folder', () => {
    expect(reportPathFor('/srv/sync/reports', 'run-7')).toBe(path.join('/srv/sync', 'reports', 'run-7-errors.csv'));
  });

  it('keeps a run id with a separator inside reports/', () => {
    expect(path.dirname(reportPathFor('/srv/sync/reports', '../evil/x'))).toBe(path.join('/srv/sync', 'reports'));
  });
});

describe('writeErrorReport', () => {
  it('writes the BOM and the exact header even with no rows, creating the folder', async () => {
    const file = path.join(dir, 'deep', 'reports', 'r-errors.csv');
    const result = await writeErrorReport(file, []);
    expect(result).toEqual({ path: file, rows: 0 });
    expect(fs.readFileSync(file).equals(Buffer.concat([BOM, Buffer.from(`${HEADER}\r\n`)]))).toBe(true);
    expect(REPORT_COLUMNS.join(',')).toBe(HEADER);
  });

  it('writes one guarded, quoted row per issue with CRLF endings', async () => {
    const file = path.join(dir, 'reports', 'run-errors.csv');
    const result = await writeErrorReport(file, testIssues());
    expect(result.rows).toBe(5);
    const { bytes, rows } = readReport(file);
    expect(rows).toEqual([
      HEADER.split(','),
      ['100234', 'José', 'Muñoz-Łukasiewicz', "'+1 404 555 0123 ext 9", '70542', 'error', 'INVALID_MOBILE', 'mobile number has an extension'],
      ['100235', `'=HYPERLINK("http://x")`, "'@SUM(A1)", '', '70542;70611', 'error', 'MISSING_MOBILE', 'mobile number is empty'],
      ['100236', 'Zoë', "O'Brien, Jr.", "'-", '70611', 'error', 'CAD_REJECTED', 'line one\nline "two"'],
      ['100237', "'\tTab", "'\rCR", '4045550199', '70542', 'warning', 'UNKNOWN_USER_ID', 'no Cadence user has the User ID c-17'],
      ['100238', 'Ана', '<b>Bold</b>', '(404) 555-0100', '70542', 'warning', 'OPT_OUT_CONFLICT', 'Cadence reported an opt-out'],
    ]);
    const text = bytes.toString('utf8');
    // RFC 4180 quoting as written on disk: doubled quotes, quoted comma and line breaks.
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(text).toContain(`"O'Brien, Jr."`);
    expect(text).toContain(`"line one\nline ""two"""`);
    expect(text).toContain(`"'\rCR"`);
    // Accents and Cyrillic as UTF-8 bytes, not a legacy code page.
    expect(bytes.includes(Buffer.from('Muñoz-Łukasiewicz', 'utf8'))).toBe(true);
    expect(bytes.includes(Buffer.from([0xd0, 0x90, 0xd0, 0xbd, 0xd0, 0xb0]))).toBe(true); // Ана
  });

  it('streams an async source of many rows', async () => {
    const file = path.join(dir, 'reports', 'big-errors.csv');
    async function* many(): AsyncGenerator<RunIssue> {
      for (let i = 0; i < 20_000; i += 1) {
        yield { contactId: String(200_000 + i), firstName: 'Ana', lastName: 'Lee', mobileNumber: '555', filterIds: [1, 2], severity: 'error', code: 'INVALID_MOBILE', message: 'too short' };
      }
    }
    const result = await writeErrorReport(file, many());
    expect(result.rows).toBe(20_000);
    const { rows } = readReport(file);
    expect(rows).toHaveLength(20_001);
    expect(rows[20_000]).toEqual(['219999', 'Ana', 'Lee', '555', '1;2', 'error', 'INVALID_MOBILE', 'too short']);
  });

  it('leaves no file behind when the source fails', async () => {
    const file = path.join(dir, 'reports', 'broken-errors.csv');
    function* failing(): Generator<RunIssue> {
      yield testIssues()[0]!;
      throw new Error('store went away');
    }
    await expect(writeErrorReport(file, failing())).rejects.toThrow('store went away');
    expect(fs.readdirSync(path.dirname(file))).toEqual([]);
  });
});
