/**
 * Bad input, tried systematically (issue 9): hostile Connect answers (wrong roots, broken
 * records, entity tricks, deep nesting, invalid UTF-8, pages that contradict themselves,
 * seeded random corruption), hostile Cadence answers (wrong shapes, results that do not
 * match, feeds that never end), and broken config files. Whatever comes, connect-sync
 * ends within its time with a clear error and the right exit code, or completes where the
 * data is acceptable; never a crash trace, never a watermark moved past unread data.
 *
 * The hostile services are proxies in front of the sandbox's emulators (hostile-proxy.ts):
 * the untouched data stays true, so a clean run afterwards shows that nothing was lost.
 * `lookbackMinutes: 0` makes that strict: a contact a run skipped below its new watermark
 * would never be read again. Run `npm run build` first: the tests run the built CLI.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { openStateStore } from '../../src/adapters/sqlite/store.js';
import { ConfigError } from '../../src/errors.js';
import { createRandom } from '../../src/sandbox/random.js';
import type { CliResult } from '../support/cli.js';
import { runCli } from '../support/cli.js';
import { SECRET_ENV, tempProject } from '../support/config-files.js';
import { contactsOf, exitOwedByLastRun, readReport, sentSince, strictSummary, watermarks } from '../support/import-e2e.js';
import { cadenceDifferences, expectedCadence, expectedImportExit, SANDBOX_ORACLE } from '../support/oracle.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';
import { attackConfigs, randomConfigs } from './config-fuzz.js';
import { cadenceCases, endlessFeeds, unreadableFeeds } from './hostile-cadence.js';
import { eitherCases, refusedCases, sameDataCases, unreadableRecordCases, type HostileCase } from './hostile-connect.js';
import { startHostileProxy, type HostileProxy, type Tamper } from './hostile-proxy.js';

const SEED = Number(process.env.CHAOS_SEED ?? 9_2026);
const FUZZED = Number(process.env.BAD_INPUT_FUZZ ?? 8);
/** A run that takes longer than this hung. */
const RUN_DEADLINE_MS = 60_000;

/** What every answer to a run must satisfy: it ended, said what went wrong in one line, and no bug trace. */
function expectNoCrash(result: CliResult, about: string): void {
  expect(result.stderr, about).not.toContain('unexpected error');
  expect(result.stderr, about).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
  if (result.code !== 0 && result.code !== 1) expect(result.stderr, `${about}: one clear line says why`).toMatch(/^connect-sync: \S.*/m);
}

describe(`bad input (seed ${SEED})`, () => {
  let project: SandboxProject;
  let connect: HostileProxy;
  let cadence: HostileProxy;
  let round = 0;
  const stops = new Map<string, boolean>();
  const oracle = () => expectedCadence(project.sandbox, SANDBOX_ORACLE, stops);

  beforeAll(async () => {
    project = await sandboxProject({
      contacts: 160,
      seed: SEED,
      config: (config) => {
        Object.assign(config.connect, { pageSize: 20, timeoutSeconds: 1 });
        Object.assign(config.cadence, { batchSize: 25, timeoutSeconds: 1 });
        config.criteria.lookbackMinutes = 0;
      },
    });
    connect = await startHostileProxy(new URL(project.sandbox.connect.url).origin);
    cadence = await startHostileProxy(project.sandbox.cadence.url);
    project.writeConfig((config) => {
      config.connect.endpoint = `${connect.origin}${new URL(project.sandbox.connect.url).pathname}`;
      config.cadence.baseUrl = cadence.origin;
    });
    const first = await project.cli(['import', '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(expectedImportExit(project.sandbox));
    expect(cadenceDifferences(project.sandbox, oracle())).toEqual([]);
  });
  afterAll(async () => {
    await connect?.close();
    await cadence?.close();
    await project?.close();
  });

  /** The state file's watermarks, read in-process (status --json reads them after a run). */
  function watermarksNow(): Map<number, { modifiedAt: string; contactId: string }> {
    const store = openStateStore(project.statePath, { readonly: true });
    try {
      return new Map(store.listWatermarks().map((mark) => [mark.filterId, { modifiedAt: mark.modifiedAt, contactId: mark.contactId }]));
    } finally {
      store.close();
    }
  }

  /**
   * Changes 45 contacts of the first filter (over three pages), then runs an import through
   * `tamper` and checks its exit code (`'as recorded'`: the one the run's own record
   * calls for, for fuzzed answers the test cannot judge in advance), then what every run must satisfy:
   * no crash, one JSON summary whose counts add up, and, when it could not complete, one
   * line that says why and no watermark moved (read in-process, as `status` reads them;
   * the last test checks `status --json` itself after all of this).
   */
  async function hostileImport(
    proxy: HostileProxy,
    tamper: Tamper,
    about: string,
    code: number | 'as recorded',
  ): Promise<{ result: CliResult; summary: Record<string, any>; sentFrom: number; changed: string[] }> {
    round += 1;
    const pool = contactsOf(project.sandbox, (filters) => filters.includes(SANDBOX_ORACLE.filterIds[0]!));
    const changed = pool.slice((round * 7) % (pool.length - 45)).slice(0, 45);
    project.sandbox.connect.modifyContacts(changed, { city: `Case ${round}` });
    const before = watermarksNow();
    const sentFrom = project.sandbox.cadence.batches().length;
    proxy.tamper = tamper;
    let result: CliResult;
    try {
      result = await project.cli(['import', '--json', '--no-email'], { timeoutMs: RUN_DEADLINE_MS });
    } finally {
      proxy.reset();
    }
    expectNoCrash(result, about);
    const owed = code === 'as recorded' ? await exitOwedByLastRun(project) : code;
    expect(result.code, `${about}: exit ${result.code}\n${result.stderr}`).toBe(owed);
    const summary = strictSummary(result);
    if (result.code === 3) {
      expect(summary.outcome, about).toBe('failed');
      expect(watermarksNow(), `${about}: no watermark moves when a run could not complete`).toEqual(before);
    }
    return { result, summary, sentFrom, changed };
  }

  /** A clean run (lookback 0) after a hostile one: Cadence is then exactly as Connect says, so nothing was skipped. */
  async function expectRecovered(about: string, args: string[] = []): Promise<void> {
    const clean = await project.cli(['import', '--json', '--no-email', ...args]);
    expect(clean.code, `${about}: the clean run after\n${clean.stderr}`).toBe(expectedImportExit(project.sandbox));
    expect(cadenceDifferences(project.sandbox, oracle()), `${about}: nothing lost`).toEqual([]);
  }

  describe('Connect answers', () => {
    // A refused run moves no watermark, so the next case reads its contacts again; one
    // clean run after them all shows that none of them lost or damaged anything.
    it.each(refusedCases().map((each) => [each.name, each] as const))('refuses %s: exit 3, watermarks kept', async (name: string, each: HostileCase) => {
      await hostileImport(connect, each.tamper, name, 3);
    });

    it('imports everything the refused answers held back, once Connect answers properly', async () => {
      await expectRecovered('after the refused answers');
    });

    it.each(unreadableRecordCases().map((each) => [each.name, each] as const))(
      'reports %s as INVALID_RECORD and goes on',
      async (name: string, each: HostileCase) => {
        // The unreadable record fails its contact: exit 1.
        const { summary } = await hostileImport(connect, each.tamper, name, 1);
        const report = summary.reportPath === null ? [] : readReport(summary.reportPath);
        const rows = report.filter((row) => row.error_code === 'INVALID_RECORD');
        // None when another filter of the run returned the contact readable: that version counts.
        expect(rows.length, name).toBeLessThanOrEqual(1);
        expect(summary.errors, name).toBe(report.filter((row) => row.severity === 'error').length);
        // The record was read once, unreadable, and the watermark moved past it: --full reads it again.
        await expectRecovered(name, ['--full']);
      },
    );

    it.each(sameDataCases().map((each) => [each.name, each] as const))('reads %s as the same data', async (name: string, each: HostileCase) => {
      await hostileImport(connect, each.tamper, name, expectedImportExit(project.sandbox));
      expect(cadenceDifferences(project.sandbox, oracle()), name).toEqual([]);
      await expectRecovered(name);
    });

    it.each(eitherCases(createRandom(SEED), FUZZED).map((each) => [each.name, each] as const))(
      'survives %s',
      async (name: string, each: HostileCase) => {
        // Seeded corruption lands anywhere in an answer: refused or read, the run's record says which.
        const { result } = await hostileImport(connect, each.tamper, name, 'as recorded');
        // Accepted garbage stays in Cadence until Connect changes the contact: --full puts it right.
        await expectRecovered(`${name} (exit ${result.code})`, result.code === 3 ? [] : ['--full']);
      },
    );

    it('gives up on a Connect that never answers, within its timeouts', async () => {
      await hostileImport(connect, (exchange) => (exchange.operation === 'GetFilterContacts' ? undefined : 'pass'), 'a silent Connect', 3);
      await expectRecovered('a silent Connect');
    });
  });

  describe('Cadence answers', () => {
    // (each case ends with a clean run: Cadence's answers carry no data of their own)
    it.each(cadenceCases().map((each) => [each.name, each] as const))('handles %s', async (name, each) => {
      // 'deferred': the batches' contacts wait in the retry table (exit 1); the next run sends them.
      const { summary, changed } = await hostileImport(cadence, each.tamper, name, each.verdict === 'refused' ? 3 : 1);
      if (each.verdict === 'deferred') {
        expect(summary.errors).toBeGreaterThanOrEqual(changed.filter((id) => oracle().has(id)).length);
      }
      await expectRecovered(name);
    });

    it.each(endlessFeeds().map((each) => [each.name, each] as const))('ends although the optouts feed gives %s', async (name, each) => {
      // A feed that would be read for ever is a malformed answer: the run cannot complete.
      await hostileImport(cadence, each.tamper, name, 3);
      await expectRecovered(name);
    });

    it.each(unreadableFeeds().map((each) => [each.name, each] as const))(
      'never opts back in a contact who texted STOP when the optouts feed gives %s',
      async (name, each) => {
        const held = [...oracle().values()].filter((contact) => !contact.optedOut && project.sandbox.cadence.getContact(contact.uniqueCampusId)?.optedOut === false);
        const student = held[round % held.length]!.uniqueCampusId;
        project.sandbox.cadence.recordKeyword(student, 'STOP');
        stops.set(student, true);
        // The student's record changes in Connect too, so the import reads it (still opted in there).
        project.sandbox.connect.modifyContacts([student], { city: 'Changed after STOP' });
        // A feed that cannot be read is a malformed answer: the run cannot complete.
        const { sentFrom } = await hostileImport(cadence, each.tamper, name, 3);
        expect(project.sandbox.cadence.getContact(student)?.optedOut, `${name}: contact ${student} was sent ${JSON.stringify(sentSince(project.sandbox, sentFrom).includes(student))}`).toBe(true);
        await expectRecovered(name);
        expect(project.sandbox.cadence.getContact(student)?.optedOut).toBe(true);
      },
    );
  });

  it('leaves a state file that status reads: no lock held, every filter with its watermark', async () => {
    const status = await watermarks(project);
    expect([...status.keys()].sort()).toEqual([...SANDBOX_ORACLE.filterIds].sort());
    const result = await project.cli(['status', '--json']);
    expect(JSON.parse(result.stdout).lock.held).toBe(false);
  });
});

describe(`broken config files (seed ${SEED})`, () => {
  const dir = tempProject('connect-sync-fuzz-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const random = createRandom(SEED);
  const attacks = attackConfigs();
  const fuzzed = randomConfigs(random, 300);
  const write = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('loads every mutation as a config or a ConfigError listing its problems, nothing else', async () => {
    for (const [index, broken] of [...attacks, ...fuzzed].entries()) {
      const path = write(`in-process-${index}.yaml`, broken.content);
      try {
        await loadConfig({ path, cwd: dir, env: SECRET_ENV });
      } catch (error) {
        expect(error, broken.name).toBeInstanceOf(ConfigError);
        const text = [(error as ConfigError).message, ...(error as ConfigError).problems.map((problem) => `${problem.path}: ${problem.message}`)].join('\n');
        for (const secret of Object.values(SECRET_ENV)) expect(text, broken.name).not.toContain(secret);
      }
    }
  });

  const onCli = [...attacks, ...fuzzed.slice(0, 12)];
  /** Index in `onCli` → whether the loader takes the file: validate-config then owes 0, else 2. */
  const loads = new Map<number, boolean>();
  beforeAll(async () => {
    // Loaded before the CLI runs start, so the loads do not compete with them for the cores.
    for (const [index, broken] of onCli.entries()) {
      const path = write(`cli-${index}.yaml`, broken.content);
      loads.set(index, await loadConfig({ path, cwd: dir, env: SECRET_ENV }).then(() => true, () => false));
    }
  });

  it.concurrent.each(onCli.map((broken, index) => [broken.name, index] as const))(
    'validate-config on %s: exit 0 or 2 (as the loader says) with a clear message',
    async (name, index) => {
      const path = join(dir, `cli-${index}.yaml`);
      const result = await runCli(['-c', path, 'validate-config', '--offline'], { cwd: dir, env: SECRET_ENV, timeoutMs: 30_000 });
      expectNoCrash(result, name);
      expect(result.code, `${name}\n${result.stderr}`).toBe(loads.get(index) ? 0 : 2);
      for (const secret of Object.values(SECRET_ENV)) expect(result.stdout + result.stderr, name).not.toContain(secret);
    },
  );
});

describe('a config the import cannot run with', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({ contacts: 20 });
  });
  afterAll(async () => project?.close());

  it('says so before starting a run: exit 2 from validate-config and from import, no crash', async () => {
    project.writeConfig((config) => {
      config.criteria.filterIds = Array.from({ length: 40 }, (_, index) => 70_000 + index);
    });
    for (const args of [['validate-config', '--offline'], ['import', '--json', '--no-email'], ['import', '--dry-run']]) {
      const result = await project.cli(args);
      expectNoCrash(result, args.join(' '));
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(2);
    }
    if (existsSync(project.statePath)) {
      const status = await project.cli(['status', '--json']);
      expect(JSON.parse(status.stdout).runs, 'no run was started').toEqual([]);
    }
  });
});

