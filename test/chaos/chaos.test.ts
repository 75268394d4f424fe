/**
 * The chaos suite: many seeded rounds of imports against a misbehaving sandbox
 * (Connect 503s, soap:Server faults and truncated bodies; Cadence 429s with Retry-After,
 * 5xx, `failed` and slow batches), contacts changed (and changed back) between and during
 * runs, same-second bulk updates, keyword STOPs and STARTs (STOPs also while a run pages),
 * and `kill -9` of the import at random points. Then faults off, imports until two in a
 * row have nothing to send, and the invariants (./invariants.ts). The lookback is mostly 0,
 * and 0 for the last runs, so that whatever a run skipped is not read again by chance.
 *
 * The last describe pins, one by one, what the rounds found: a contact changed and changed
 * back while a run pages, around a kill, and a STOP texted while a run pages.
 *
 * The retry policy cannot be tuned from outside (the CLI builds its clients with the
 * defaults): the rounds keep fault shares moderate and Retry-After at 0-1 s instead.
 *
 * Replay a failure with its seed: `CHAOS_SEED=<seed> npx vitest run test/chaos/chaos.test.ts`.
 * A longer soak: `CHAOS_SOAK=1` (more rounds and contacts) or `CHAOS_ROUNDS=<n>`.
 * Run `npm run build` first: the suite runs the built CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageServed } from '../../src/sandbox/connect/index.js';
import { SANDBOX_ORACLE, cadenceDifferences, expectedCadence, expectedImportExit } from '../support/oracle.js';
import { statusJson } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject, type SandboxProjectOptions } from '../support/sandbox-project.js';
import { postgresSandboxProject } from '../support/postgres-project.js';
import { ChaosWorld, createRandom, killPlan } from './chaos-world.js';
import { countProblems, holdingProblems, reversedOptOuts, unexplainedResends, type ListedRun } from './invariants.js';

const SOAK = process.env.CHAOS_SOAK === '1';
const SEED = Number(process.env.CHAOS_SEED ?? 9_2026);
const CONTACTS = SOAK ? 600 : 300;

/**
 * The rounds run against both state backends: the SQLite file, and PostgreSQL (fewer
 * rounds: each of its runs costs more, and the rules under test are the same).
 */
const BACKENDS: { name: string; rounds: number; open: (options: SandboxProjectOptions) => Promise<SandboxProject> }[] = [
  { name: 'SQLite file', rounds: Number(process.env.CHAOS_ROUNDS ?? (SOAK ? 120 : 14)), open: sandboxProject },
  { name: 'PostgreSQL', rounds: Number(process.env.CHAOS_ROUNDS ?? (SOAK ? 60 : 6)), open: postgresSandboxProject },
];

describe.each(BACKENDS)(`chaos on the $name: $rounds rounds, seed ${SEED}`, ({ rounds: ROUNDS, open }) => {
  let project: SandboxProject;
  let world: ChaosWorld;
  beforeAll(async () => {
    project = await open({
      contacts: CONTACTS,
      seed: SEED,
      // Small pages and batches: more calls to fail, more points to be killed at.
      config: (config) => {
        Object.assign(config.connect, { pageSize: 40 });
        Object.assign(config.cadence, { batchSize: 15, concurrency: 3 });
      },
    });
    world = new ChaosWorld(project);
  });
  afterAll(async () => project?.close());

  it(
    'loses nothing, reverses no STOP, and ends with Cadence exactly as Connect says',
    async () => {
      const random = createRandom(SEED);
      const whilePaging = createRandom(SEED ^ 0x5eed);
      for (let round = 1; round <= ROUNDS; round++) {
        await world.betweenRuns(random);
        world.lookback(random.pick([0, 0, 0, 10]));
        const faults = world.storm(random);
        const plan = killPlan(random);
        const run = await world.runImport(`seed ${SEED} round ${round} ${faults}`, plan, whilePaging);
        if (run.killed && random.chance(0.5)) {
          // The state file a kill -9 left behind opens, and status reads it.
          const status = await project.cli(['status', '--json']);
          expect(status.code, `seed ${SEED} round ${round}: status after kill -9\n${status.stderr}`).toBe(0);
        }
      }

      // Faults off, no lookback (what an earlier run skipped is not read again); import
      // until two runs in a row have nothing to send.
      world.calm();
      world.lookback(0);
      await project.sandbox.cadence.whenIdle();
      let quiet = 0;
      for (let attempt = 1; attempt <= 8 && quiet < 2; attempt++) {
        const received = project.sandbox.cadence.stats().contactsReceived;
        const run = await world.runImport(`seed ${SEED} clean run ${attempt}`, { kind: 'none' }, whilePaging, false);
        expect(run.result.code, run.result.stderr).toBe(expectedImportExit(project.sandbox));
        const sentNothing = project.sandbox.cadence.stats().contactsReceived === received;
        quiet = sentNothing && run.summary!.created + run.summary!.updated === 0 ? quiet + 1 : 0;
      }
      expect(quiet, `seed ${SEED}: two clean runs in a row with nothing to send`).toBe(2);

      const { sandbox } = project;
      const expected = expectedCadence(sandbox, SANDBOX_ORACLE, world.lastKeyword);
      const inFilters = new Set(
        sandbox.dataset.contacts.filter((seed) => seed.filterIds.some((id) => SANDBOX_ORACLE.filterIds.includes(id))).map((seed) => String(seed.id)),
      );
      const unsendable = new Set([...inFilters].filter((id) => !expected.has(id)));
      expect(holdingProblems(sandbox.cadence.allContacts(), expected, unsendable), `seed ${SEED}\n${world.describeRuns()}`).toEqual([]);
      expect(reversedOptOuts(sandbox.cadence.optOutChanges()), `seed ${SEED}\n${world.describeRuns()}`).toEqual([]);
      expect(unexplainedResends(sandbox.cadence.batches(), world.runs, world.events), `seed ${SEED}\n${world.describeRuns()}`).toEqual([]);

      const status = await statusJson(project);
      const listed = (await project.cli(['status', '--json', '--runs', '1000'])).stdout;
      const runs = (JSON.parse(listed) as { runs: ListedRun[] }).runs.filter((run) => (run as unknown as { kind: string }).kind === 'import');
      expect(countProblems(runs), `seed ${SEED}\n${world.describeRuns()}`).toEqual([]);
      expect(runs.length).toBeLessThanOrEqual(world.runs.length);
      expect(runs.length).toBeGreaterThanOrEqual(world.runs.filter((run) => !run.killed).length);
      expect(status.lock.held, 'no lock left after the last run').toBe(false);
      expect(status.watermarks.map((mark: { filterId: number }) => mark.filterId)).toEqual(SANDBOX_ORACLE.filterIds);
    },
    (SOAK ? 60 : 12) * 60_000,
  );
});

describe('chaos, by design: a contact changed and changed back', () => {
  let project: SandboxProject;
  beforeAll(async () => {
    project = await sandboxProject({
      contacts: 200,
      seed: SEED,
      // Large batches and slow ones: the first change is still on its way when the second is read.
      cadence: { batchDelayMs: 400 },
      config: (config) => {
        Object.assign(config.connect, { pageSize: 20 });
        Object.assign(config.cadence, { batchSize: 200 });
        config.criteria.lookbackMinutes = 0;
      },
    });
  });
  afterAll(async () => project?.close());

  /** The ids of the contacts a GetFilterContacts page held, computed from Connect's data as it served them. */
  function servedIds(call: PageServed): string[] {
    const since = call.modifiedSince ? project.sandbox.connect.clock.parse(call.modifiedSince)!.getTime() : Number.NEGATIVE_INFINITY;
    return project.sandbox.dataset.contacts
      .map((seed) => project.sandbox.connect.getContact(seed.id)!)
      .filter((contact) => contact.filterIds.includes(call.filterId) && contact.modifiedAt >= since)
      .sort((a, b) => a.modifiedAt - b.modifiedAt || a.id - b.id)
      .slice(call.startingRecord - 1, call.startingRecord - 1 + call.returned)
      .map((contact) => String(contact.id));
  }

  it('while the import pages: Cadence ends holding what Connect holds last', async () => {
    const { sandbox } = project;
    const first = await project.cli(['import', '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(expectedImportExit(project.sandbox));
    const filterId = SANDBOX_ORACLE.filterIds[0]!;
    const sendable = [...expectedCadence(sandbox).keys()].filter((id) => sandbox.connect.getContact(id)!.filterIds.join() === String(filterId));
    const [x, y, ...others] = sendable.sort((a, b) => Number(a) - Number(b));
    const cityBefore = sandbox.connect.getContact(x!)!.values.city ?? '';
    // Three pages to read before the ones this test is about.
    sandbox.connect.modifyContacts(others.slice(0, 60), { entry_term: 'Spring 2028' });
    let phase: 'start' | 'changed' | 'changed back' = 'start';
    const remove = sandbox.connect.onBetweenPages((call) => {
      if (call.filterId !== filterId) return;
      const now = Math.floor(Date.now() / 1000) * 1000;
      if (phase === 'start') {
        // x changes, with 30 contacts after it in Connect's order, so pages follow the one that returns it.
        sandbox.connect.modifyContacts([x!, ...others.slice(-30)], { city: 'Flip' }, new Date(now));
        phase = 'changed';
      } else if (phase === 'changed' && servedIds(call).includes(x!)) {
        // Read as changed: now back as it was (a second later), and another contact after it.
        sandbox.connect.modifyContacts([x!], { city: cityBefore }, new Date(now + 1000));
        sandbox.connect.modifyContacts([y!], { entry_term: 'Flop' }, new Date(now + 2000));
        phase = 'changed back';
      }
    });
    try {
      const during = await project.cli(['import', '--json', '--no-email']);
      expect(during.code, during.stderr).toBe(expectedImportExit(project.sandbox));
    } finally {
      remove();
    }
    expect(phase).toBe('changed back');
    const after = await project.cli(['import', '--json', '--no-email']);
    expect(after.code, after.stderr).toBe(expectedImportExit(project.sandbox));
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox))).toEqual([]);
  });

  /**
   * A second after the newest modifieddate Connect holds, and after now: the test before
   * writes modifieddates a few seconds ahead, and a change dated before the watermark they
   * leave would not be read (soon after that test, as fast runs get there).
   */
  function afterNewest(): Date {
    const newest = Math.max(Date.now(), ...project.sandbox.dataset.contacts.map((seed) => project.sandbox.connect.getContact(seed.id)!.modifiedAt));
    return new Date(Math.floor(newest / 1000) * 1000 + 1000);
  }

  it('around a kill -9 that left its batch applied but not recorded: the next run sends it back', async () => {
    const { sandbox } = project;
    const world = new ChaosWorld(project);
    const settle = await world.runImport('before', { kind: 'none' }, createRandom(SEED), false);
    expect(settle.result.code, settle.result.stderr).toBe(expectedImportExit(project.sandbox));
    const [x] = [...expectedCadence(sandbox).keys()];
    const cityBefore = sandbox.connect.getContact(x!)!.values.city ?? '';
    sandbox.connect.modifyContacts([x!], { city: 'Changed before the kill' }, afterNewest());
    // Killed once its batch is sent, before Cadence answers: Cadence applies it all the same.
    const killed = await world.runImport('killed', { kind: 'batches', batches: 1 }, createRandom(SEED), false);
    expect(killed.killed).toBe(true);
    await sandbox.cadence.whenIdle();
    expect(sandbox.cadence.getContact(x!)!.customFields['Home City']).toBe('Changed before the kill');
    sandbox.connect.modifyContacts([x!], { city: cityBefore }, afterNewest());
    const after = await world.runImport('after', { kind: 'none' }, createRandom(SEED), false);
    expect(after.result.code, after.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox))).toEqual([]);
  });

  it('texted STOP while the import runs: the import does not send the old consent back', async () => {
    const { sandbox } = project;
    const world = new ChaosWorld(project);
    const settle = await world.runImport('before the STOP', { kind: 'none' }, createRandom(SEED), false);
    expect(settle.result.code, settle.result.stderr).toBe(expectedImportExit(project.sandbox));
    const filterId = SANDBOX_ORACLE.filterIds[0]!;
    const optedIn = [...expectedCadence(sandbox).values()]
      .filter((contact) => !contact.optedOut && sandbox.cadence.getContact(contact.uniqueCampusId)?.optedOut === false)
      .map((contact) => contact.uniqueCampusId)
      .filter((id) => sandbox.connect.getContact(id)!.filterIds.includes(filterId));
    const [student, ...others] = optedIn;
    // The student's record changes in Connect (not the consent), so this run sends it.
    sandbox.connect.modifyContacts([student!, ...others.slice(0, 40)], { city: 'Changed during the STOP' }, afterNewest());
    let stopped = false;
    const remove = sandbox.connect.onBetweenPages((call) => {
      if (stopped || call.filterId !== filterId) return;
      sandbox.cadence.recordKeyword(student!, 'STOP');
      stopped = true;
    });
    try {
      const run = await world.runImport('the STOP comes while it pages', { kind: 'none' }, createRandom(SEED), false);
      expect(run.result.code, run.result.stderr).toBe(expectedImportExit(project.sandbox));
    } finally {
      remove();
    }
    await sandbox.cadence.whenIdle();
    expect(stopped).toBe(true);
    expect(sandbox.cadence.getContact(student!)!.customFields['Home City'], 'the run sent the student').toBe('Changed during the STOP');
    expect(reversedOptOuts(sandbox.cadence.optOutChanges())).toEqual([]);
    expect(sandbox.cadence.getContact(student!)!.optedOut).toBe(true);
  });
});
