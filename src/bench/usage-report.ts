/**
 * Preloaded into a measured process (`node --import …/usage-report.js`): when the process
 * exits, writes its own resource usage (getrusage: peak RSS, user and system CPU time) to
 * the file named by CONNECT_SYNC_BENCH_USAGE. Exact at exit, where polling /proc can miss
 * the last few milliseconds.
 */
import { writeFileSync } from 'node:fs';

/** What the preload writes. */
export interface UsageReport {
  /** Peak resident set size, kilobytes. */
  maxRssKb: number;
  userCpuUs: number;
  systemCpuUs: number;
}

const target = process.env.CONNECT_SYNC_BENCH_USAGE;
if (target) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const report: UsageReport = { maxRssKb: usage.maxRSS, userCpuUs: usage.userCPUTime, systemCpuUs: usage.systemCPUTime };
    try {
      writeFileSync(target, JSON.stringify(report));
    } catch {
      // The benchmark falls back to what it polled from /proc.
    }
  });
}
