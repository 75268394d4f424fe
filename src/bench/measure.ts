/**
 * Runs one process and measures it from outside: wall time from spawn to exit, peak RSS
 * and CPU time. Two sources: /proc/<pid> polled every 20 ms (VmHWM, utime + stime; the
 * last values read win), and the process's own getrusage written at exit by the
 * usage-report preload, which is exact and preferred when it is there.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { UsageReport } from './usage-report.js';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;
const POLL_MS = 20;
const USAGE_PRELOAD = pathToFileURL(join(import.meta.dirname, 'usage-report.js')).href;

export interface Measured {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  peakRssKb: number;
  cpuMs: number;
  /** `rusage`: the process's own report at exit; `proc`: the last values polled. */
  usageSource: 'rusage' | 'proc';
  stdout: string;
  stderr: string;
}

export interface MeasureOptions {
  cwd: string;
  /** Node options placed before the script (`--cpu-prof`, …). */
  nodeOptions?: readonly string[];
}

/** Runs `node <nodeOptions> <script> <args>` to its end and measures it. */
export async function runMeasured(script: string, args: readonly string[], options: MeasureOptions): Promise<Measured> {
  const scratch = mkdtempSync(join(tmpdir(), 'connect-sync-bench-usage-'));
  const usageFile = join(scratch, 'usage.json');
  try {
    const nodeArgs = ['--import', USAGE_PRELOAD, ...(options.nodeOptions ?? []), script, ...args];
    const started = performance.now();
    const child = spawn(process.execPath, nodeArgs, {
      cwd: options.cwd,
      env: { ...process.env, CONNECT_SYNC_BENCH_USAGE: usageFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const polled = { peakRssKb: 0, cpuMs: 0 };
    const poll = () => {
      if (child.pid !== undefined) Object.assign(polled, readProc(child.pid) ?? {});
    };
    const timer = setInterval(poll, POLL_MS);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, sig) => resolve([code, sig]));
    });
    const wallMs = performance.now() - started;
    clearInterval(timer);
    await new Promise<void>((resolve) => (child.stdout.readableEnded ? resolve() : child.stdout.once('close', resolve)));
    const usage = readUsage(usageFile);
    return {
      exitCode,
      signal,
      wallMs,
      peakRssKb: usage?.maxRssKb ?? polled.peakRssKb,
      cpuMs: usage ? (usage.userCpuUs + usage.systemCpuUs) / 1000 : polled.cpuMs,
      usageSource: usage ? 'rusage' : 'proc',
      stdout,
      stderr,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Peak RSS and CPU so far of a live process; undefined once it is gone. */
function readProc(pid: number): { peakRssKb: number; cpuMs: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const peak = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (!peak || !Number.isFinite(ticks)) return undefined;
    return { peakRssKb: Number(peak[1]), cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

function readUsage(file: string): UsageReport | undefined {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8')) as UsageReport;
    return typeof report.maxRssKb === 'number' ? report : undefined;
  } catch {
    return undefined;
  }
}
