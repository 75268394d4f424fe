/**
 * `npm run bench -- --serve`: the load benchmark of `connect-sync serve` (product.md §10).
 * The sandbox runs in its own process, `serve` in another, and a first import of the
 * sandbox's contacts in a third, on the same state file. While the import runs, a burst of
 * webhooks (1,000 by default, 50 at a time, each a different contact) is sent; each
 * answer's time is measured. Checks: every answer 200, the journal holds each change
 * exactly once (none lost, none doubled), p99 under 100 ms, and the burst overlapped the
 * import. Prints the figures and writes bench-results/serve-latest.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { startSandboxProcess } from './sandbox-process.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'connect-sync.js');
const RESULTS_DIR = join(ROOT, 'bench-results');
/** The sandbox config's token (its `${CADENCE_WEBHOOK_TOKEN:-…}` default). */
const SANDBOX_TOKEN = 'sandbox-webhook-token-0123456789abcdef';
const P99_TARGET_MS = 100;

export interface ServeBenchOptions {
  contacts: number;
  webhooks: number;
  concurrency: number;
}

interface Spawned {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves once stderr holds `text`. */
  waitFor(text: string): Promise<void>;
}

function spawnCli(args: string[], cwd: string): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.resume();
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const waiter of waiters.splice(0)) {
      if (stderr.includes(waiter.text)) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    stderr: () => stderr,
    exited,
    waitFor: (text) =>
      stderr.includes(text)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ text, resolve })),
            exited.then((code) => Promise.reject(new Error(`process exited (${code}) before logging ${text}:\n${stderr.slice(-2000)}`))),
          ]),
  };
}

function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;
}

/** Sends the burst; resolves with each answer's status and time (ms). */
async function burst(url: string, ids: readonly string[], concurrency: number): Promise<{ status: number; ms: number }[]> {
  const results: { status: number; ms: number }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const body = JSON.stringify({ studentId: id, departmentCode: 'ADMISSIONS', optedIn: false });
      const started = performance.now();
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await response.arrayBuffer();
      results.push({ status: response.status, ms: performance.now() - started });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

function journalCounts(statePath: string): { rows: number; contacts: number } {
  const db = new Database(statePath, { readonly: true });
  try {
    return db.prepare("SELECT count(*) AS rows, count(DISTINCT contact_id) AS contacts FROM optout_journal WHERE source = 'webhook'").get() as { rows: number; contacts: number };
  } finally {
    db.close();
  }
}

/**
 * The same burst against an HTTP server that does nothing (its own process): on a shared
 * machine this tells what the client and the machine cost, apart from serve.
 */
async function referenceBurst(webhooks: number, concurrency: number): Promise<{ p50: number; p99: number }> {
  const code = `const s=require('node:http').createServer((q,r)=>{q.resume();q.on('end',()=>r.end('{}'))});s.listen(0,'127.0.0.1',()=>console.error('port '+s.address().port))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const port = await new Promise<string>((resolve) => child.stderr.setEncoding('utf8').on('data', (text: string) => resolve(/port (\d+)/.exec(text)![1]!)));
    const times = (await burst(`http://127.0.0.1:${port}/`, Array.from({ length: webhooks }, () => '1'), concurrency)).map((answer) => answer.ms).sort((a, b) => a - b);
    return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
  } finally {
    child.kill();
  }
}

/** Runs the serve benchmark; resolves with the exit code (1 when a check fails). */
export async function runServeBench(options: ServeBenchOptions): Promise<number> {
  const dir = mkdtempSync(join(os.tmpdir(), 'connect-sync-serve-bench-'));
  const sandbox = await startSandboxProcess({ bin: BIN, contacts: options.contacts, latencyMs: 0, seed: 1, dir });
  const started: Spawned[] = [];
  try {
    const serve = spawnCli(['-c', sandbox.configPath, '--log-format', 'json', 'serve'], dir);
    started.push(serve);
    await serve.waitFor('"serve listening"');
    const address = (JSON.parse(serve.stderr().split('\n').find((line) => line.includes('"serve listening"'))!) as { address: string }).address;
    const importing = spawnCli(['-c', sandbox.configPath, '--log-format', 'json', 'import', '--json', '--no-email'], dir);
    started.push(importing);
    await importing.waitFor('"import started"');
    const ids = Array.from({ length: options.webhooks }, (_, index) => String(100001 + (index % options.contacts)));
    const startedAt = performance.now();
    const answers = await burst(`${address}/cadence/optouts/${SANDBOX_TOKEN}`, ids, options.concurrency);
    const burstMs = performance.now() - startedAt;
    const importStillRunning = importing.child.exitCode === null;
    const importExit = await importing.exited;
    const times = answers.map((answer) => answer.ms).sort((a, b) => a - b);
    const journal = journalCounts(sandbox.config.state.path);
    const reference = await referenceBurst(options.webhooks, options.concurrency);
    const result = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version },
      contacts: options.contacts,
      webhooks: options.webhooks,
      concurrency: options.concurrency,
      burstMs: Math.round(burstMs),
      answers: Object.fromEntries([...new Set(answers.map((answer) => answer.status))].map((status) => [status, answers.filter((answer) => answer.status === status).length])),
      ms: { p50: percentile(times, 0.5), p95: percentile(times, 0.95), p99: percentile(times, 0.99), max: times.at(-1) ?? Number.NaN },
      journal,
      importStillRunning,
      importExit,
      reference,
    };
    const distinct = new Set(ids).size;
    const checks = {
      'every answer 200': answers.every((answer) => answer.status === 200),
      'none lost, none doubled': journal.rows === distinct && journal.contacts === distinct,
      [`p99 under ${P99_TARGET_MS} ms`]: result.ms.p99 < P99_TARGET_MS,
      'the import ran beside the whole burst': importStillRunning && (importExit === 0 || importExit === 1),
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'serve-latest.json'), `${JSON.stringify({ ...result, checks }, null, 2)}\n`);
    const f = (ms: number) => `${ms.toFixed(1)} ms`;
    process.stdout.write(
      `serve: ${options.webhooks} webhooks, ${options.concurrency} at a time, beside a first import of ${options.contacts} contacts\n` +
        `  burst ${(burstMs / 1000).toFixed(2)} s; p50 ${f(result.ms.p50)}, p95 ${f(result.ms.p95)}, p99 ${f(result.ms.p99)}, max ${f(result.ms.max)}\n` +
        `  journal: ${journal.rows} entries for ${journal.contacts} contacts; answers ${JSON.stringify(result.answers)}\n` +
        `  reference (a server that does nothing, same burst, same machine, just after): p50 ${f(reference.p50)}, p99 ${f(reference.p99)}; load average ${os.loadavg()[0]!.toFixed(2)}\n` +
        Object.entries(checks).map(([name, ok]) => `  ${ok ? 'ok  ' : 'FAIL'} ${name}\n`).join(''),
    );
    return Object.values(checks).every(Boolean) ? 0 : 1;
  } finally {
    for (const spawned of started) spawned.child.kill('SIGTERM');
    await Promise.all(started.map((spawned) => spawned.exited));
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
