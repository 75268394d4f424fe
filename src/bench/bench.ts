/**
 * `npm run bench`: the import benchmark (README, benchmark section). For each latency case it starts the sandbox
 * in its own process (rate limit off, batches processed at once), runs a first import and
 * then an incremental one with nothing changed, each as its own process, and measures
 * wall time, contacts per second, peak RSS, CPU time and the ratio to the lower bound the
 * latency allows (bound.ts). Prints a table and writes bench-results/<timestamp>.json
 * and bench-results/latest.json.
 *
 *   npm run bench                                  200,000 contacts, latency 0 and 20 ms
 *   npm run bench -- --contacts 1000000 --latency 0
 *   npm run bench -- --repeat 3                    each case three times; targets on the median
 *   npm run bench -- --profile /tmp/prof           also --cpu-prof every import
 *   npm run bench -- --paging whole --latency 0    Connect read whole (a public-evidence sandbox)
 *   npm run bench -- --serve                       serve's webhook burst beside an import (serve-bench.ts)
 *   npm run bench -- --state postgres --latency 0  the state in PostgreSQL (a durable local server, a fresh database a case)
 *
 * Before each case it times a fixed piece of JavaScript (reference.ts): on a shared machine
 * the speed drifts, and that number tells a slow stretch from a slow build.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lowerBound } from './bound.js';
import { timeSandboxPages } from './calibrate.js';
import { runMeasured } from './measure.js';
import { timeReferenceWork } from './reference.js';
import { checkTargets, formatResults, type BenchResult, type CaseResult, type RunKind, type RunResult } from './report.js';
import { startSandboxProcess, type SandboxProcess } from './sandbox-process.js';
import { createDatabase, startPostgres, type RunningPostgres } from './postgres-server.js';
import { parse, stringify } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'connect-sync.js');
const RESULTS_DIR = join(ROOT, 'bench-results');

interface BenchOptions {
  contacts: number;
  latencies: number[];
  seed: number;
  repeat: number;
  profileDir?: string;
  /** How the import reads Connect: the sandbox's profile decides it through the WSDL (paging auto). */
  paging: 'keyset' | 'whole';
  /** Where the state lives: the SQLite file beside the config, or PostgreSQL (state.url). */
  state: 'sqlite' | 'postgres';
}

/** What `import --json` prints (the keys the benchmark reads). */
interface ImportSummary {
  outcome: string;
  matched: number;
  imported: number;
  errors: number;
  created: number;
  updated: number;
  unchanged: number;
  perFilter: Record<string, { matched: number }>;
  writeBack: { written: number; failed: number; skipped: number };
}

let running: SandboxProcess | undefined;
let scratchDir: string | undefined;
let postgres: RunningPostgres | undefined;

async function main(argv: readonly string[]): Promise<number> {
  const options = benchOptions(argv);
  const startedAt = new Date();
  const cases: CaseResult[] = [];
  const serverDir = options.state === 'postgres' ? mkdtempSync(join(os.tmpdir(), 'connect-sync-bench-pg-')) : undefined;
  try {
    if (serverDir !== undefined) postgres = await startPostgres({ root: serverDir, user: 'postgres', password: 'bench', durable: true, log: [] });
    for (const latencyMs of options.latencies) {
      for (let repetition = 1; repetition <= options.repeat; repetition++) {
        const which = options.repeat > 1 ? ` (${repetition} of ${options.repeat})` : '';
        process.stderr.write(`case: ${options.contacts.toLocaleString('en-US')} contacts, ${options.paging}, ${options.state}, latency ${latencyMs} ms${which}\n`);
        cases.push(await runCase(options, latencyMs, repetition));
      }
    }
  } finally {
    await postgres?.stop();
    postgres = undefined;
    if (serverDir !== undefined) rmSync(serverDir, { recursive: true, force: true });
  }
  const cpus = os.cpus();
  const result: BenchResult = {
    startedAt: startedAt.toISOString(),
    machine: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown', totalMemoryMb: Math.round(os.totalmem() / 2 ** 20), node: process.version, platform: `${process.platform} ${os.release()}` },
    contacts: options.contacts,
    seed: options.seed,
    paging: options.paging,
    state: options.state,
    cases,
    targets: checkTargets(options.contacts, cases, options.paging),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const file = join(RESULTS_DIR, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, json);
  writeFileSync(join(RESULTS_DIR, 'latest.json'), json);
  process.stdout.write(`${formatResults(result)}\n\nResults: ${file}\n`);
  return 0;
}

/** One latency case: a fresh sandbox process and state file, a first and an incremental import. */
async function runCase(options: BenchOptions, latencyMs: number, repetition: number): Promise<CaseResult> {
  const dir = mkdtempSync(join(os.tmpdir(), 'connect-sync-bench-'));
  scratchDir = dir;
  try {
    const connectProfile = options.paging === 'whole' ? 'public' : 'paged';
    running = await startSandboxProcess({ bin: BIN, contacts: options.contacts, latencyMs, seed: options.seed, dir, connectProfile });
    if (postgres !== undefined) await stateInPostgres(running.configPath, postgres.url, `bench_${latencyMs}_${repetition}_${Date.now()}`);
    const { config } = running;
    const settings = { pageSize: config.connect.pageSize ?? 500, batchSize: config.cadence.batchSize ?? 1000, concurrency: config.cadence.concurrency ?? 4 };
    // Pages exist only in keyset mode: a whole instance answers every call with the whole filter.
    const sandboxPage = options.paging === 'keyset' ? await timeSandboxPages(running.configPath) : undefined;
    const referenceMs = timeReferenceWork();
    const runs: RunResult[] = [];
    for (const kind of ['first', 'incremental'] as const) {
      runs.push(await measureImport(kind, running.configPath, dir, latencyMs, settings, options.profileDir));
      process.stderr.write(`  ${kind}: ${(runs.at(-1)!.wallMs / 1000).toFixed(2)} s\n`);
    }
    return { latencyMs, repetition, referenceMs, config: settings, sandboxPage, runs };
  } finally {
    await running?.stop();
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
    scratchDir = undefined;
  }
}

/** Points the sandbox's config at a new, empty database of the benchmark's server. */
async function stateInPostgres(configPath: string, serverUrl: string, database: string): Promise<void> {
  const url = await createDatabase(serverUrl, database);
  const config = parse(readFileSync(configPath, 'utf8')) as { state: Record<string, unknown> };
  config.state = { url };
  writeFileSync(configPath, stringify(config, { lineWidth: 0 }));
}

async function measureImport(
  kind: RunKind,
  configPath: string,
  cwd: string,
  latencyMs: number,
  settings: CaseResult['config'],
  profileDir: string | undefined,
): Promise<RunResult> {
  const nodeOptions = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=import-${latencyMs}ms-${kind}-${Date.now()}.cpuprofile`] : [];
  const measured = await runMeasured(BIN, ['-c', configPath, 'import', '--json', '--no-email', '-q'], { cwd, nodeOptions });
  if (measured.exitCode !== 0 && measured.exitCode !== 1) {
    throw new Error(`the ${kind} import exited with ${measured.signal ?? `code ${measured.exitCode}`} (expected 0 or 1)\n${measured.stderr.slice(-4000)}`);
  }
  const summary = JSON.parse(measured.stdout.trim().split('\n').at(-1) ?? '') as ImportSummary;
  if (summary.matched !== summary.imported + summary.errors) {
    throw new Error(`the ${kind} import broke matched = imported + errors: ${JSON.stringify(summary)}`);
  }
  const { writeBack } = summary;
  const bound = lowerBound({
    latencyMs,
    ...settings,
    contactsPerFilter: Object.values(summary.perFilter).map((filter) => filter.matched),
    sentContacts: summary.created + summary.updated,
    feedChanges: writeBack.written + writeBack.failed + writeBack.skipped,
    writtenBack: writeBack.written,
  });
  return {
    kind,
    exitCode: measured.exitCode,
    outcome: summary.outcome,
    matched: summary.matched,
    imported: summary.imported,
    errors: summary.errors,
    created: summary.created,
    updated: summary.updated,
    unchanged: summary.unchanged,
    wallMs: measured.wallMs,
    contactsPerSecond: summary.matched / (measured.wallMs / 1000),
    peakRssMb: measured.peakRssKb / 1024,
    cpuMs: measured.cpuMs,
    cpuUsPerContact: summary.matched === 0 ? 0 : (measured.cpuMs * 1000) / summary.matched,
    usageSource: measured.usageSource,
    bound,
    ratio: bound.totalMs > 0 ? measured.wallMs / bound.totalMs : null,
    wallPerPageMs: measured.wallMs / bound.pages,
  };
}

function benchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      contacts: { type: 'string', default: '200000' },
      latency: { type: 'string', multiple: true },
      seed: { type: 'string', default: '1' },
      repeat: { type: 'string', default: '1' },
      profile: { type: 'string' },
      paging: { type: 'string', default: 'keyset' },
      state: { type: 'string', default: 'sqlite' },
    },
  });
  const whole = (name: string, text: string, min: number) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} ${text}: expected a whole number ≥ ${min}`);
    return value;
  };
  const profileDir = values.profile;
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  return {
    contacts: whole('contacts', values.contacts, 1),
    latencies: (values.latency ?? ['0', '20']).map((text) => whole('latency', text, 0)),
    seed: whole('seed', values.seed, 0),
    repeat: whole('repeat', values.repeat, 1),
    profileDir,
    paging: pagingOption(values.paging),
    state: stateOption(values.state),
  };
}

function stateOption(text: string): BenchOptions['state'] {
  if (text !== 'sqlite' && text !== 'postgres') throw new Error(`--state ${text}: expected sqlite or postgres`);
  return text;
}

function pagingOption(text: string): BenchOptions['paging'] {
  if (text !== 'keyset' && text !== 'whole') throw new Error(`--paging ${text}: expected keyset or whole`);
  return text;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.allSettled([running?.stop(), postgres?.stop()]).finally(() => {
      if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

/** `--serve [--contacts N] [--webhooks N] [--concurrency N]`: the serve benchmark instead. */
function serveMode(argv: readonly string[]): Promise<number> | undefined {
  if (!argv.includes('--serve')) return undefined;
  const { values } = parseArgs({
    args: [...argv],
    options: { serve: { type: 'boolean' }, contacts: { type: 'string', default: '60000' }, webhooks: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '50' } },
  });
  const whole = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} ${text}: expected a whole number ≥ 1`);
    return value;
  };
  return import('./serve-bench.js').then(({ runServeBench }) =>
    runServeBench({ contacts: whole('contacts', values.contacts), webhooks: whole('webhooks', values.webhooks), concurrency: whole('concurrency', values.concurrency) }),
  );
}

(serveMode(process.argv.slice(2)) ?? main(process.argv.slice(2))).then(
  (code) => (process.exitCode = code),
  async (error: unknown) => {
    await running?.stop();
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
