/**
 * Helpers shared by the import end-to-end tests (test/e2e/import-*.test.ts): run
 * `import --json` and check what every run must satisfy (one JSON object on stdout,
 * matched = imported + errors), read `status --json`, read a run's CSV report, and see
 * which contacts Cadence received since some point.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { CLI_BIN, type CliResult, type RunCliOptions } from './cli.js';
import { expectedImportExit, SANDBOX_ORACLE, type OracleConfig } from './oracle.js';
import type { SandboxProject } from './sandbox-project.js';

export interface ImportRun {
  result: CliResult;
  summary: Record<string, any>;
}

/**
 * Parses stdout as exactly one JSON object (product.md §7: `import --json` prints one
 * JSON summary) and checks `matched = imported + errors + notProcessed` (§6), overall and per filter.
 */
export function strictSummary(result: CliResult): Record<string, any> {
  const text = result.stdout.trim();
  expect(text, `stdout must hold one JSON object; stderr:\n${result.stderr}`).not.toBe('');
  expect(text.split('\n'), 'one line of JSON on stdout').toHaveLength(1);
  const summary = JSON.parse(text) as unknown;
  expect(summary !== null && typeof summary === 'object' && !Array.isArray(summary), 'a JSON object').toBe(true);
  const counts = summary as Record<string, any>;
  expect(counts.matched, 'matched = imported + errors + notProcessed').toBe(counts.imported + counts.errors + counts.notProcessed);
  for (const [filterId, perFilter] of Object.entries(counts.perFilter as Record<string, any>)) {
    expect(perFilter.matched, `filter ${filterId}: matched = imported + errors + notProcessed`).toBe(perFilter.imported + perFilter.errors + perFilter.notProcessed);
  }
  return counts;
}

/** `import --json --no-email <args>` with the summary checked by strictSummary. */
export async function importJson(project: SandboxProject, args: string[] = [], options: RunCliOptions = {}): Promise<ImportRun> {
  const result = await project.cli(['import', '--json', '--no-email', ...args], options);
  return { result, summary: strictSummary(result) };
}

/** `status --json`, parsed. */
export async function statusJson(project: SandboxProject): Promise<Record<string, any>> {
  const result = await project.cli(['status', '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, any>;
}

/** Filter id → watermark (`modifiedAt` ISO, `contactId`), from `status --json`. */
export async function watermarks(project: SandboxProject): Promise<Map<number, { modifiedAt: string; contactId: string }>> {
  const status = await statusJson(project);
  return new Map((status.watermarks as any[]).map((mark) => [mark.filterId as number, { modifiedAt: mark.modifiedAt as string, contactId: mark.contactId as string }]));
}

/** RFC 4180 records (quoted cells, doubled quotes, CRLF or LF) of a CSV text. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

export type ReportRow = Record<
  'contact_id' | 'first_name' | 'last_name' | 'mobile_number' | 'filter_ids' | 'severity' | 'error_code' | 'error_message',
  string
>;

export const REPORT_HEADER = ['contact_id', 'first_name', 'last_name', 'mobile_number', 'filter_ids', 'severity', 'error_code', 'error_message'];

/** The rows of a run's report CSV, checking its header (product.md §6). */
export function readReport(path: string): ReportRow[] {
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  const [header, ...rows] = parseCsv(text);
  expect(header).toEqual(REPORT_HEADER);
  return rows.map((cells) => Object.fromEntries(REPORT_HEADER.map((name, index) => [name, cells[index] ?? ''])) as ReportRow);
}

/** The contact ids Cadence received in batches submitted from index `from` on, with repeats. */
export function sentSince(sandbox: Sandbox, from: number): string[] {
  return sandbox.cadence.batches().slice(from).flatMap((batch) => batch.contactIds);
}

/** Contact ids (as strings) of the sandbox's data set that a filter holds, in id order. */
export function contactsOf(sandbox: Sandbox, predicate: (filterIds: readonly number[]) => boolean): string[] {
  return sandbox.dataset.contacts
    .map((seed) => sandbox.connect.getContact(seed.id)!)
    .filter((contact) => predicate(contact.filterIds))
    .map((contact) => String(contact.id));
}

/** A CLI process started in the background, and its result once it ends. */
export interface RunningCli {
  child: ChildProcess;
  pid: number;
  done: Promise<CliResult>;
}

/**
 * Starts `connect-sync -c <config> --log-format json <args>` without waiting for it (as
 * runCli does, but the test holds the process: to kill it, or to race another run).
 */
export function startCli(project: SandboxProject, args: string[]): RunningCli {
  const child = spawn(process.execPath, [CLI_BIN, '-c', project.configPath, '--log-format', 'json', ...args], {
    cwd: project.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  if (child.pid === undefined) throw new Error('the CLI did not start');
  return { child, pid: child.pid, done };
}

/** Resolves once `condition` holds, checking every few milliseconds; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The exit code the import that just ended owes, for a test whose faults hit a random
 * share of requests (or a fuzzed answer the test cannot judge in advance): whether a fault
 * outlasted the retries depends on timing, so whether the run completed is read from what
 * it recorded (`status --json`), not guessed. A run recorded as failed owes 3; one that
 * completed owes what the world says (1 while a matched contact cannot reach Cadence), or
 * 1 when it recorded errors of its own (a batch Cadence never took, a record it could not read).
 */
export async function exitOwedByLastRun(project: SandboxProject, oracle: OracleConfig = SANDBOX_ORACLE): Promise<0 | 1 | 3> {
  const listed = await project.cli(['status', '--json', '--runs', '1']);
  expect(listed.code, listed.stderr).toBe(0);
  const [last] = (JSON.parse(listed.stdout) as { runs: { kind: string; outcome: string; errors: number }[] }).runs;
  expect(last?.kind, 'the newest recorded run is an import').toBe('import');
  if (last!.outcome === 'failed') return 3;
  return last!.errors > 0 ? 1 : expectedImportExit(project.sandbox, oracle);
}

/** A fresh project's first import, without faults: it exits as the world says. */
export async function firstImport(project: SandboxProject): Promise<ImportRun> {
  const run = await importJson(project);
  expect(run.result.code, run.result.stderr).toBe(expectedImportExit(project.sandbox));
  return run;
}

/**
 * Starts `connect-sync <args>` (an import) and holds it at its first page, lock taken and
 * run started, while `whileHeld` runs; then lets it go on and resolves with how it ended.
 * Fails when the import ends before it reaches its first page.
 */
export async function whileImportHeld(project: SandboxProject, args: string[], whileHeld: (held: RunningCli) => Promise<void>): Promise<CliResult> {
  let reached!: () => void;
  const atFirstPage = new Promise<void>((resolve) => (reached = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const remove = project.sandbox.connect.onBetweenPages(async () => {
    reached();
    await released;
  });
  const held = startCli(project, args);
  try {
    await Promise.race([atFirstPage, held.done.then((result) => Promise.reject(new Error(`the import ended before its first page: ${result.stderr}`)))]);
    await whileHeld(held);
  } finally {
    release();
    remove();
  }
  return held.done;
}
