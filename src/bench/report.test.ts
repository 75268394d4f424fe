import { describe, expect, it } from 'vitest';
import { lowerBound } from './bound.js';
import { checkTargets, formatResults, type CaseResult, type RunResult } from './report.js';

function run(kind: RunResult['kind'], values: Partial<RunResult>): RunResult {
  const bound = lowerBound({ latencyMs: 0, pageSize: 500, batchSize: 1000, concurrency: 4, contactsPerFilter: [], sentContacts: 0, feedChanges: 0, writtenBack: 0 });
  return {
    kind,
    exitCode: 1,
    outcome: 'contacts_failed',
    matched: 1000,
    imported: 900,
    errors: 100,
    created: 900,
    updated: 0,
    unchanged: 0,
    wallMs: 1000,
    contactsPerSecond: 1000,
    peakRssMb: 150,
    cpuMs: 900,
    cpuUsPerContact: 900,
    usageSource: 'rusage',
    bound,
    ratio: null,
    wallPerPageMs: 0,
    ...values,
  };
}

function oneCase(latencyMs: number, runs: RunResult[], repetition = 1): CaseResult {
  return { latencyMs, repetition, referenceMs: 400, config: { pageSize: 500, batchSize: 1000, concurrency: 4 }, sandboxPage: { meanMs: 5, meanBytes: 600_000, pages: 20 }, runs };
}

describe('checkTargets', () => {
  it('judges each target against its case, and leaves sizes that were not run undecided', () => {
    const checks = checkTargets(200_000, [
      oneCase(0, [run('first', { contactsPerSecond: 26_000 }), run('incremental', { wallMs: 900 })]),
      oneCase(20, [run('first', { ratio: 1.3, wallMs: 13_000 }), run('incremental', { wallMs: 1200 })]),
    ]);
    expect(checks.map((check) => check.met)).toEqual([false, true, null, null]);
  });

  it('judges memory and the incremental run at a million contacts', () => {
    const checks = checkTargets(1_000_000, [oneCase(0, [run('first', { peakRssMb: 190 }), run('incremental', { wallMs: 2100, peakRssMb: 120 })])]);
    expect(checks.map((check) => check.met)).toEqual([null, false, true, false]);
  });

  it('judges a repeated case on its median run, and says how the runs spread', () => {
    const checks = checkTargets(200_000, [
      oneCase(0, [run('first', { contactsPerSecond: 26_000 })], 1),
      oneCase(0, [run('first', { contactsPerSecond: 19_000 })], 2),
      oneCase(0, [run('first', { contactsPerSecond: 24_000 })], 3),
    ]);
    expect(checks[1]).toEqual({
      target: 'at 0 ms latency, first import ≥ 25,000 contacts/s',
      measured: '24,000 contacts/s; median of 3, 19,000 contacts/s to 26,000 contacts/s',
      met: false,
    });
  });

  it('prints a line per run and per target', () => {
    const text = formatResults({
      startedAt: '2026-11-25T00:00:00.000Z',
      machine: { cpus: 2, cpuModel: 'x', totalMemoryMb: 1, node: 'v20', platform: 'linux' },
      contacts: 1000,
      seed: 1,
      cases: [oneCase(0, [run('first', {}), run('incremental', {})])],
      targets: checkTargets(1000, []),
    });
    expect(text.split('\n').filter((line) => /^0 ms/.test(line))).toHaveLength(2);
    expect(text).toContain('n/a   at 20 ms latency');
    expect(text).toContain('CPU reference 400 ms');
  });
});
