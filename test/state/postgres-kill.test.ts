/**
 * kill -9 of a process holding the team's lock on PostgreSQL, in the middle of recording
 * confirmed batches: the server releases the lock with the session, the next acquire
 * takes it over naming the dead holder, the run reads interrupted, and every batch the
 * child reported as committed is there, whole. The child runs the built CLI's modules
 * (dist/, as the end-to-end tests do).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { openPostgresState } from '../../src/adapters/postgres/state.js';
import type { State } from '../../src/core/state.js';
import { freshDatabase, withClient } from '../support/postgres.js';
import { TEAM } from './backends.js';

const BUILT = fileURLToPath(new URL('../../dist/adapters/postgres/state.js', import.meta.url));

const CHILD = `
import fs from 'node:fs';
import os from 'node:os';
const { openPostgresState } = await import(process.argv[1]);
const state = openPostgresState(process.argv[2], JSON.parse(process.argv[3]));
await state.lock.acquire({ pid: process.pid, host: os.hostname() });
const run = await state.runs.start('import');
fs.writeSync(1, 'run ' + run.id + '\\n');
for (let batch = 0; ; batch += 1) {
  const entries = [];
  for (let i = 0; i < 500; i += 1) {
    const id = String(1000000 + batch * 500 + i);
    entries.push({ contactId: id, payload: { uniqueCampusId: id, firstName: 'A', lastName: 'B', mobileNumber: '4045550134', allowMobileUpdate: true, customFields: { Batch: String(batch) } } });
  }
  await state.sync.recordConfirmed(entries);
  fs.writeSync(1, 'batch ' + batch + '\\n');
}
`;

let state: State | undefined;
afterEach(async () => {
  await state?.close();
});

it('kill -9 of the lock holder: the lock goes with its session, the run reads interrupted, committed batches are whole', async () => {
  expect(fs.existsSync(BUILT), 'run `npm run build` first: the child runs dist/').toBe(true);
  const url = await freshDatabase('kill');
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, BUILT, url, JSON.stringify(TEAM)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  let runId = '';
  let reported = -1;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('run ')) runId = line.slice(4);
    if (line.startsWith('batch ')) reported = Number(line.slice(6));
    // Killed while it writes its fourth batch or later.
    if (reported >= 3) {
      child.kill('SIGKILL');
      break;
    }
  }
  await exited;

  state = openPostgresState(url, TEAM);
  // The server ends the dead client's backend once it sees the socket closed.
  await withClient(url, async (client) => {
    for (let wait = 0; wait < 500; wait += 1) {
      if ((await client.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted`)).rowCount === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  expect((await state.runs.get(runId))?.outcome).toBe('interrupted');
  const taken = await state.lock.acquire({ pid: process.pid, host: hostname() });
  expect(taken.takenOver).toMatchObject({ pid: child.pid, host: hostname() });

  const perBatch = await withClient(url, async (client) =>
    (await client.query<{ batch: string; n: string }>(`SELECT (payload::jsonb -> 'customFields' ->> 'Batch') AS batch, count(*) AS n FROM confirmed GROUP BY 1`)).rows,
  );
  const counts = new Map(perBatch.map((row) => [Number(row.batch), Number(row.n)]));
  for (let batch = 0; batch <= reported; batch += 1) expect(counts.get(batch)).toBe(500);
  for (const [batch, n] of counts) expect(n, `batch ${batch} is whole`).toBe(500);
  await state.lock.release();
});
