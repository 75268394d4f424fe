/**
 * kill -9 in the middle of recording confirmed batches: the file must open afterwards with
 * every batch the child reported as committed, whole batches only, and the lock and run
 * the child left must read as a dead holder's. The child runs this module's real code,
 * transpiled on the fly (no build step, no tsx), writer thread included: its writes commit
 * behind (write-behind.ts), so it reports a batch once flush() says it is committed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import ts from 'typescript';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openStateStore } from './store.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const srcRoot = path.resolve(here, '../..');
const repoRoot = path.resolve(srcRoot, '..');
let dir: string;

/** Transpiles the state store's modules (and what they import from src) into `out`. */
function transpileStore(out: string): string {
  const sources = [
    path.join(srcRoot, 'errors.ts'),
    path.join(srcRoot, 'core', 'optout-journal.ts'),
    path.join(srcRoot, 'core', 'still-failing.ts'),
    path.join(srcRoot, 'core', 'run-life.ts'),
    path.join(srcRoot, 'adapters', 'process-alive.ts'),
    ...fs
      .readdirSync(here)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .map((name) => path.join(here, name)),
  ];
  for (const source of sources) {
    const { outputText } = ts.transpileModule(fs.readFileSync(source, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const target = path.join(out, 'src', path.relative(srcRoot, source)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, outputText);
  }
  fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}');
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(out, 'node_modules'), 'dir');
  return path.join(out, 'src', path.relative(srcRoot, path.join(here, 'store.js')));
}

const CHILD = `
import fs from 'node:fs';
import os from 'node:os';
import { openStateStore, emptyRunCounts } from './src/adapters/sqlite/store.js';
const store = openStateStore(process.argv[2]);
store.acquireLock({ pid: process.pid, host: os.hostname() });
const run = store.startRun('import');
fs.writeSync(1, 'run ' + run.id + '\\n');
for (let batch = 0; ; batch += 1) {
  const entries = [];
  for (let i = 0; i < 1000; i += 1) {
    const id = String(1000000 + batch * 1000 + i);
    entries.push({ contactId: id, payload: { uniqueCampusId: id, firstName: 'A', lastName: 'B', mobileNumber: '4045550134', allowMobileUpdate: true, customFields: { Batch: String(batch) } } });
  }
  store.recordConfirmed(entries);
  store.updateRunCounts(run.id, { ...emptyRunCounts(), matched: (batch + 1) * 1000, imported: (batch + 1) * 1000 });
  store.flush();
  fs.writeSync(1, 'batch ' + batch + '\\n');
}
`;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'state-kill-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

it('keeps every committed batch of a process killed with SIGKILL while recording', async () => {
  transpileStore(dir);
  fs.writeFileSync(path.join(dir, 'child.mjs'), CHILD);
  const file = path.join(dir, 'state', 'state.sqlite');
  const child = spawn(process.execPath, [path.join(dir, 'child.mjs'), file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  // Kill it as soon as it reported five committed batches: it is then mid-loop.
  let output = '';
  const closed = once(child, 'close');
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/^batch 4$/m.test(output)) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`child exited on its own: ${stderr}`)));
  });
  const [, signal] = await closed; // 'close': every line the child wrote has been read
  expect(signal).toBe('SIGKILL');

  const runId = /^run (\S+)$/m.exec(output)?.[1];
  const reported = [...output.matchAll(/^batch (\d+)$/gm)].map((match) => Number(match[1]));
  const lastReported = Math.max(...reported);

  const db = new Database(file, { readonly: true });
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  const rows = db.prepare<[], number>('SELECT count(*) FROM confirmed').pluck(true).get() ?? 0;
  db.close();
  // Every reported batch is there; at most one more committed before the kill landed; never part of one.
  expect(rows % 1000).toBe(0);
  expect(rows / 1000).toBeGreaterThanOrEqual(lastReported + 1);

  const store = openStateStore(file);
  const ids = Array.from({ length: (lastReported + 1) * 1000 }, (_, i) => String(1000000 + i));
  expect(store.getConfirmed(ids).size).toBe(ids.length);
  expect(store.getConfirmed(['1004999']).get('1004999')?.customFields).toEqual({ Batch: '4' });

  const run = store.getRun(runId ?? '');
  expect(run?.outcome).toBe('interrupted');
  expect(run?.counts.matched).toBeGreaterThanOrEqual((lastReported + 1) * 1000);
  store.acquireLock({ pid: process.pid, host: os.hostname() });
  expect(store.lastTakeover?.pid).toBe(child.pid);
  store.releaseLock();
  store.close();
});
