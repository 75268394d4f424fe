/**
 * The chaos suite's world: a sandbox project whose faults, contact changes and keyword
 * opt-outs are drawn from a seeded generator, an import that can be `kill -9`ed at a
 * random point, and a record of everything done (which run sent which batches, when each
 * contact was changed) for the invariants in ./invariants.ts to judge afterwards.
 */
import { expect } from 'vitest';
import type { AttributeValue } from '../../src/core/types.js';
import { createRandom, type Random } from '../../src/sandbox/random.js';
import { exitOwedByLastRun, readReport, strictSummary } from '../support/import-e2e.js';
import type { SandboxProject } from '../support/sandbox-project.js';
import { CITIES, randomChange, TERMS, type KillPlan } from './chaos-changes.js';
import type { ContactEvent, RunSpan } from './invariants.js';
import { startCli, type ChildResult } from './spawn-cli.js';

export interface ChaosRun extends RunSpan {
  plan: KillPlan;
  result: ChildResult;
  /** The `--json` summary, when the run ended by itself. */
  summary?: Record<string, any>;
}

/** How long a chaos import may take before it counts as a hang. */
const DEADLINE_MS = 90_000;

export class ChaosWorld {
  readonly runs: ChaosRun[] = [];
  readonly events: ContactEvent[] = [];
  /** contact id → the last keyword the test recorded (true = STOP). */
  readonly lastKeyword = new Map<string, boolean>();
  private readonly contactIds: string[];
  private readonly undo: { id: string; before: Record<string, AttributeValue> }[] = [];
  /** Contacts that texted STOP while the current run pages: no other change for them in it. */
  private readonly stoppedNow = new Set<string>();
  /** Contact id → the second (epoch) of its last change in Connect. */
  private readonly lastSecond = new Map<string, number>();
  /** Where `events` stood when the previous run started. */
  private previousRunEvents = 0;
  /** The label of the run whose pages are being served, while one is. */
  private paging: string | undefined;

  constructor(readonly project: SandboxProject) {
    this.contactIds = project.sandbox.dataset.contacts.map((contact) => String(contact.id));
  }

  private get cadence() {
    return this.project.sandbox.cadence;
  }

  private get connect() {
    return this.project.sandbox.connect;
  }

  /** Batches Cadence has accepted so far. */
  batchCount(): number {
    return this.cadence.stats().batches;
  }

  /** Turns every fault off and makes batches quick. */
  calm(): void {
    Object.assign(this.connect.knobs, { latencyMs: 0, failure503Share: 0, faultShare: 0, truncatedShare: 0, retryAfterSeconds: undefined });
    Object.assign(this.cadence.knobs, { latencyMs: 0, failure429Share: 0, failure5xxShare: 0, batchFailedShare: 0, retryAfterSeconds: 0, batchDelayMs: 5 });
  }

  /** Draws this round's faults; now and then a round without any. */
  storm(random: Random): string {
    this.calm();
    if (random.chance(0.15)) return 'calm';
    const connect = {
      failure503Share: random.pick([0, 0.04, 0.08]),
      faultShare: random.pick([0, 0.04, 0.08]),
      truncatedShare: random.pick([0, 0.03, 0.06]),
      retryAfterSeconds: random.pick([undefined, undefined, 0, 1]),
    };
    const cadence = {
      failure429Share: random.pick([0, 0.1, 0.25]),
      retryAfterSeconds: random.pick([0, 0, 1]),
      failure5xxShare: random.pick([0, 0.05, 0.15]),
      batchFailedShare: random.pick([0, 0.1, 0.3, 0.6]),
      batchDelayMs: random.pick([5, 20, 150, 400]),
    };
    Object.assign(this.connect.knobs, connect);
    Object.assign(this.cadence.knobs, cadence);
    return JSON.stringify({ connect, cadence });
  }

  private note(ids: readonly string[], kind: ContactEvent['kind']): void {
    const atBatch = this.batchCount();
    const second = Math.floor(Date.now() / 1000);
    for (const contactId of ids) {
      this.events.push({ contactId, atBatch, kind, duringRun: this.paging });
      if (kind === 'connect') this.lastSecond.set(contactId, second);
    }
  }

  /**
   * Whether a contact may change in Connect now: not twice in one second. Connect dates
   * changes to the second, and paging tells versions apart by (modifieddate, contactid)
   * (connect-api.md), so a second change within the second a version was read looks like
   * that version: only the lookback window would bring it, which this suite sets to 0.
   */
  private free(id: string): boolean {
    return this.lastSecond.get(id) !== Math.floor(Date.now() / 1000);
  }

  /** Changes `count` random contacts in Connect, each at the current second. */
  modifySome(random: Random, count: number): void {
    for (let index = 0; index < count; index++) {
      const id = random.pick(this.contactIds);
      if (this.stoppedNow.has(id) || !this.free(id)) continue;
      this.note([id], 'connect');
      this.connect.modifyContacts([id], randomChange(random));
    }
  }

  /**
   * A change that will be undone later in the same run (`undoOne`): the contact's payload
   * goes A → B → A while the import pages, so the version it reads last may equal what
   * Cadence confirmed before B was sent.
   */
  changeForNow(random: Random): void {
    const id = random.pick(this.contactIds);
    if (this.stoppedNow.has(id) || !this.free(id)) return;
    const change = randomChange(random);
    const contact = this.connect.getContact(id)!;
    const before = Object.fromEntries(Object.keys(change).map((name) => [name, contact.values[name] ?? '']));
    this.note([id], 'connect');
    this.connect.modifyContacts([id], change);
    this.undo.push({ id, before });
  }

  /** Undoes one change made by changeForNow, if any is left. */
  undoOne(random: Random): void {
    const ready = this.undo.filter((entry) => this.free(entry.id));
    if (ready.length === 0) return;
    const { id, before } = random.pick(ready);
    this.undo.splice(this.undo.findIndex((entry) => entry.id === id && entry.before === before), 1);
    this.note([id], 'connect');
    this.connect.modifyContacts([id], before);
  }

  /** Sets `criteria.lookbackMinutes` for the next runs (0: a contact skipped below the watermark is never read again). */
  lookback(minutes: number): void {
    this.project.writeConfig((config) => {
      config.criteria.lookbackMinutes = minutes;
    });
  }

  /** One line per run so far, for failure messages. */
  describeRuns(): string {
    return this.runs
      .map((run) => `${run.label.replace(/ \{.*$/, '')}: batches ${run.batchesFrom}..${run.batchesTo}, ${run.killed ? 'killed' : `exit ${run.result.code}`}, ${run.unavailable.size} unavailable`)
      .join('\n');
  }

  /** A bulk update: `count` contacts given one modifieddate (the same second) and one change. */
  bulkUpdate(random: Random, count: number): void {
    const start = random.int(0, Math.max(0, this.contactIds.length - count));
    const ids = this.contactIds.slice(start, start + count).filter((id) => this.free(id));
    this.note(ids, 'connect');
    this.connect.bulkUpdate(ids, new Date(), random.chance(0.5) ? { entry_term: random.pick(TERMS) } : { city: random.pick(CITIES) });
  }

  /** Students text STOP (or START, after a STOP) to contacts Cadence holds. */
  keywords(random: Random, count: number): void {
    const held = this.cadence.allContacts().map((contact) => contact.uniqueCampusId);
    if (held.length === 0) return;
    const done = new Set<string>();
    for (let index = 0; index < count; index++) {
      const id = random.pick(held);
      // One keyword per contact per call, so STOP and START never share a millisecond.
      if (done.has(id)) continue;
      done.add(id);
      const keyword = this.lastKeyword.get(id) === true && random.chance(0.5) ? 'START' : 'STOP';
      this.note([id], 'keyword');
      this.cadence.recordKeyword(id, keyword);
      this.lastKeyword.set(id, keyword === 'STOP');
    }
  }

  /**
   * A student texts STOP while the import pages, and their record changes in Connect (not
   * its consent), so the run sends them. Only a contact this run and the one before did not
   * touch, that Cadence holds opted in and Connect shows opted in: the run then sends an
   * update planned against a payload Cadence confirmed, and must leave the consent out. (A
   * contact with a send of its own still unanswered, or whose confirmation a kill lost, is
   * sent whole; a STOP in that narrow window is the one this cannot guard.)
   */
  stopWhilePaging(random: Random, untouchedSince: number): void {
    const touched = new Set(this.events.slice(untouchedSince).map((event) => event.contactId));
    const candidates = this.cadence
      .allContacts()
      .filter((held) => !held.optedOut && !touched.has(held.uniqueCampusId) && this.lastKeyword.get(held.uniqueCampusId) !== true && this.free(held.uniqueCampusId))
      .map((held) => held.uniqueCampusId)
      .filter((id) => /^\s*(opted in)?\s*$/i.test(String(this.connect.getContact(id)!.values.sms_status ?? '')));
    if (candidates.length === 0) return;
    const id = random.pick(candidates);
    this.stoppedNow.add(id);
    this.note([id], 'keyword');
    this.cadence.recordKeyword(id, 'STOP');
    this.lastKeyword.set(id, true);
    this.note([id], 'connect');
    this.connect.modifyContacts([id], { city: 'Texted STOP meanwhile' });
  }

  /** Changes between two runs: Connect edits, now and then a bulk update, keywords once Cadence is idle. */
  async betweenRuns(random: Random): Promise<void> {
    this.modifySome(random, random.int(0, 25));
    if (random.chance(0.3)) this.bulkUpdate(random, random.int(30, 90));
    if (random.chance(0.6)) {
      // A killed run's batches may still be queued in Cadence: let them land first, so
      // a STOP below is "reported" before any import that could reverse it was sent.
      await this.cadence.whenIdle();
      this.keywords(random, random.int(1, 6));
    }
  }

  /**
   * Runs `import --json` with changes made while it pages (the between-pages hook) and
   * kills it as `plan` says. Checks what every run must satisfy; returns the run.
   */
  async runImport(label: string, plan: KillPlan, random: Random, changeWhilePaging = true): Promise<ChaosRun> {
    const batchesFrom = this.batchCount();
    const child = startCli(['-c', this.project.configPath, '--log-format', 'json', 'import', '--json', '--no-email'], {
      cwd: this.project.dir,
      deadlineMs: DEADLINE_MS,
    });
    let pages = 0;
    this.paging = label;
    const untouchedSince = this.previousRunEvents;
    this.previousRunEvents = this.events.length;
    // A kill leaves payloads in doubt, sent whole by the next run: no STOP while it pages.
    const stops = changeWhilePaging && this.runs.at(-1)?.killed !== true;
    const removeHook = this.connect.onBetweenPages(() => {
      pages += 1;
      if (plan.kind === 'pages' && pages >= plan.pages) child.kill();
      if (!changeWhilePaging) return;
      if (stops && random.chance(0.08)) this.stopWhilePaging(random, untouchedSince);
      if (random.chance(0.25)) this.modifySome(random, random.int(1, 3));
      if (random.chance(0.04)) this.bulkUpdate(random, random.int(30, 60));
      if (random.chance(0.15)) this.changeForNow(random);
      if (random.chance(0.3)) this.undoOne(random);
    });
    // A kill at a random moment is the point of a 'delay' plan; a 'batches' plan kills as
    // Cadence queues the batch, before its answer leaves: accepted, never confirmed.
    const timer = plan.kind === 'delay' ? setTimeout(() => child.kill(), plan.ms) : undefined;
    let submitted = 0;
    const removeBatchHook = this.cadence.onBatchSubmitted(() => {
      submitted += 1;
      if (plan.kind === 'batches' && submitted >= plan.batches) child.kill();
    });
    const result = await child.done;
    clearTimeout(timer);
    removeBatchHook();
    removeHook();
    this.paging = undefined;
    this.stoppedNow.clear();
    const run: ChaosRun = { label, plan, result, batchesFrom, batchesTo: Number.POSITIVE_INFINITY, killed: result.killed && !result.hung, unavailable: new Set() };
    const previous = this.runs.at(-1);
    // A killed child's last request may reach Cadence after 'close': a run's batches end where the next run's begin.
    if (previous) previous.batchesTo = batchesFrom;
    this.runs.push(run);
    await this.checkRun(run);
    return run;
  }

  /** What every run must satisfy, whatever the chaos: no hang, no crash, the exit code its outcome calls for, a JSON summary whose counts add up. */
  private async checkRun(run: ChaosRun): Promise<void> {
    const { result } = run;
    const about = `${run.label} (${JSON.stringify(run.plan)}): exit ${result.code ?? result.signal}\n${result.stderr.slice(-3000)}`;
    expect(result.hung, `${about}\nthe import hung`).toBe(false);
    expect(result.stderr, about).not.toContain('unexpected error');
    if (run.killed) return;
    run.summary = strictSummary(result);
    // Storm faults are random shares of requests: the code owed is read from the run's record.
    expect(result.code, about).toBe(await exitOwedByLastRun(this.project));
    if (result.code === 3) {
      expect(result.stderr, `${about}\nan import that could not complete says why`).toMatch(/^connect-sync: .+/m);
      expect(run.summary.outcome, about).toBe('failed');
    } else {
      expect(run.summary.outcome, about).toBe(result.code === 0 ? 'ok' : 'contacts_failed');
    }
    if (typeof run.summary.reportPath === 'string') {
      const rows = readReport(run.summary.reportPath);
      run.unavailable = new Set(rows.filter((row) => row.error_code === 'CADENCE_UNAVAILABLE').map((row) => row.contact_id));
    }
  }
}

export { createRandom };
export { killPlan, type KillPlan } from './chaos-changes.js';
