import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, exitCodeFor, LockBusyError } from '../../errors.js';
import { emptyRunCounts, isProcessAlive, openStateStore, type SqliteStateStore } from './store.js';

const host = os.hostname();
let dir: string;
let file: string;
const opened: SqliteStateStore[] = [];
const children: ChildProcess[] = [];

function open(options: Parameters<typeof openStateStore>[1] = {}): SqliteStateStore {
  const store = openStateStore(file, options);
  opened.push(store);
  return store;
}

/** A node process that waits until killed. */
async function sleeper(): Promise<ChildProcess & { pid: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  return child as ChildProcess & { pid: number };
}

/** The pid of a node process that has already exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid as number;
}

function caught(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'state-lock-'));
  file = path.join(dir, 'state.sqlite');
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  for (const store of opened.splice(0)) store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('acquireLock', () => {
  it('takes a free lock, and taking it again from the same store changes nothing', () => {
    let clock = new Date('2026-11-25T01:00:00.000Z');
    const store = open({ now: () => clock });
    store.acquireLock({ pid: process.pid, host });
    expect(store.lockHolder()).toEqual({ pid: process.pid, host, since: '2026-11-25T01:00:00.000Z' });
    expect(store.lastTakeover).toBeUndefined();

    clock = new Date('2026-11-25T02:00:00.000Z');
    store.acquireLock({ pid: process.pid, host });
    expect(store.lockHolder()?.since).toBe('2026-11-25T01:00:00.000Z');
  });

  it('refuses while another store of this live process holds it, naming the holder', () => {
    const first = open();
    first.acquireLock({ pid: process.pid, host });
    const error = caught(() => open().acquireLock({ pid: process.pid, host }));
    expect(error).toBeInstanceOf(LockBusyError);
    expect((error as LockBusyError).holder).toEqual(first.lockHolder());
    expect(exitCodeFor(error)).toBe(ExitCode.LockBusy);
  });

  it('refuses while a live process holds it, and takes it over once that process is killed', async () => {
    const child = await sleeper();
    open().acquireLock({ pid: child.pid, host });

    const store = open();
    const error = caught(() => store.acquireLock({ pid: process.pid, host }));
    expect((error as LockBusyError).holder.pid).toBe(child.pid);
    expect(store.lockHolder()?.pid).toBe(child.pid);

    child.kill('SIGKILL');
    await once(child, 'exit');
    store.acquireLock({ pid: process.pid, host });
    expect(store.lockHolder()?.pid).toBe(process.pid);
    expect(store.lastTakeover?.pid).toBe(child.pid);
  });

  it('takes over the lock of a process that no longer exists', async () => {
    const pid = await deadPid();
    open().acquireLock({ pid, host });
    const store = open();
    store.acquireLock({ pid: process.pid, host });
    expect(store.lastTakeover).toMatchObject({ pid, host });
    expect(store.lockHolder()?.pid).toBe(process.pid);
  });

  it('treats a holder on another host as alive', async () => {
    open().acquireLock({ pid: await deadPid(), host: 'other-host.example.edu' });
    expect(caught(() => open().acquireLock({ pid: process.pid, host }))).toBeInstanceOf(LockBusyError);
  });

  it('asks the injected liveness check', () => {
    open().acquireLock({ pid: 4242, host: 'other-host.example.edu' });
    const asked: unknown[] = [];
    const store = open({
      isProcessAlive: (pid, holderHost) => {
        asked.push([pid, holderHost]);
        return false;
      },
    });
    store.acquireLock({ pid: process.pid, host });
    expect(asked).toEqual([[4242, 'other-host.example.edu']]);
    expect(store.lastTakeover?.pid).toBe(4242);
  });
});

describe('releaseLock', () => {
  it('releases only the lock this store holds', () => {
    const holder = open();
    holder.acquireLock({ pid: process.pid, host });
    const other = open({ owner: { pid: 1234567, host } });
    other.releaseLock();
    expect(holder.lockHolder()?.pid).toBe(process.pid);

    holder.releaseLock();
    expect(holder.lockHolder()).toBeUndefined();
    other.acquireLock({ pid: 1234567, host });
    expect(other.lockHolder()?.pid).toBe(1234567);
  });

  it('breakLock removes a live holder', () => {
    open().acquireLock({ pid: process.pid, host });
    const store = open();
    expect(store.breakLock()?.pid).toBe(process.pid);
    expect(store.lockHolder()).toBeUndefined();
  });
});

describe('runs left running', () => {
  it('reads a run as interrupted once its process is dead or no longer holds the lock', async () => {
    const pid = await deadPid();
    const dead = open();
    dead.acquireLock({ pid, host });
    const killed = dead.startRun('import');

    const live = open();
    const unlocked = live.startRun('optouts'); // started without the lock: not the holder
    live.acquireLock({ pid: process.pid, host });
    const current = live.startRun('import');
    const done = live.startRun('import');
    live.finishRun(done.id, { outcome: 'ok', counts: emptyRunCounts() });

    const outcomes = Object.fromEntries(live.recentRuns(10).map((run) => [run.id, run.outcome]));
    expect(outcomes).toEqual({ [killed.id]: 'interrupted', [unlocked.id]: 'interrupted', [current.id]: 'running', [done.id]: 'ok' });
    expect(open({ readonly: true }).getRun(current.id)?.outcome).toBe('running');

    live.releaseLock();
    expect(live.getRun(current.id)?.outcome).toBe('interrupted');
  });

  it('reads the run of a killed holder as interrupted even when its pid is reused', () => {
    // Same pid and host (as after a container restart), but a different lock time.
    const before = open({ now: () => new Date('2026-11-25T01:00:00.000Z') });
    before.acquireLock({ pid: process.pid, host });
    const old = before.startRun('import');
    before.breakLock();
    const after = open();
    after.acquireLock({ pid: process.pid, host });
    const current = after.startRun('import');
    expect(after.getRun(old.id)?.outcome).toBe('interrupted');
    expect(after.getRun(current.id)?.outcome).toBe('running');
  });
});

describe('isProcessAlive', () => {
  it('knows this process, a dead one, and cannot know another host', async () => {
    expect(isProcessAlive(process.pid, host, new Date().toISOString())).toBe(true);
    expect(isProcessAlive(await deadPid(), host)).toBe(false);
    expect(isProcessAlive(process.pid, 'other-host.example.edu')).toBe(true);
    expect(isProcessAlive(0, host)).toBe(false);
  });

  it.skipIf(!fs.existsSync('/proc/self/stat'))('sees a reused pid: a process started well after the lock was taken', () => {
    const started = Date.now() - process.uptime() * 1000;
    expect(isProcessAlive(process.pid, host, new Date(started - 3_600_000).toISOString())).toBe(false);
    expect(isProcessAlive(process.pid, host, new Date(started - 1_000).toISOString())).toBe(true);
  });
});
