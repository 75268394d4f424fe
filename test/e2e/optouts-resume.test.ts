/**
 * The write-back's position in Cadence's optouts feed: it survives `kill -9`
 * (what was not confirmed is written again, nothing is lost), a run after a complete one
 * writes nothing, `--dry-run` writes nothing, and without an `optOut` section nothing
 * happens at all.
 */
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_BIN } from '../support/cli.js';
import { ndjson, writeSnapshot } from '../support/nothing-written.js';
import { expectedCadence, expectedImportExit } from '../support/oracle.js';
import { sandboxProject, summaryOf, type SandboxProject } from '../support/sandbox-project.js';

/**
 * Starts `connect-sync optouts` and kills it with SIGKILL as soon as it has logged `writes`
 * opt-outs written to Connect; resolves with the signal it died of.
 */
function killAfterWrites(project: SandboxProject, writes: number): Promise<NodeJS.Signals | null> {
  const child = spawn(process.execPath, [CLI_BIN, '-c', project.configPath, '--log-format', 'json', '--log-level', 'debug', 'optouts', '--no-email'], {
    cwd: project.dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let seen = 0;
  let buffered = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.includes('"opt-out written to Connect"')) seen += 1;
      if (seen === writes) child.kill('SIGKILL');
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve(signal));
  });
}

describe('the write-back position', () => {
  let project: SandboxProject;
  let optedIn: string[];
  beforeEach(async () => {
    project = await sandboxProject({ contacts: 150 });
    const first = await project.cli(['import', '--json', '--no-email']);
    expect(first.code, first.stderr).toBe(expectedImportExit(project.sandbox));
    optedIn = [...expectedCadence(project.sandbox).values()].filter((contact) => !contact.optedOut).map((contact) => contact.uniqueCampusId);
  });
  afterEach(async () => project?.close());

  it('survives kill -9: every change is written at least once, and a run after a complete one writes nothing', async () => {
    const { sandbox } = project;
    const stopped = optedIn.slice(0, 8);
    for (const id of stopped) sandbox.cadence.recordKeyword(id, 'STOP');
    sandbox.connect.knobs.latencyMs = 100;
    let signal;
    try {
      signal = await killAfterWrites(project, 3);
    } finally {
      sandbox.connect.knobs.latencyMs = 0;
    }
    expect(signal).toBe('SIGKILL');
    expect(sandbox.connect.updates.length).toBeGreaterThanOrEqual(3);
    expect(sandbox.connect.updates.length).toBeLessThan(stopped.length);

    const resumed = await project.cli(['optouts', '--json', '--no-email']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ outcome: 'ok', failed: 0 });
    expect(new Set(sandbox.connect.updates.map((update) => update.contactId))).toEqual(new Set(stopped));
    for (const update of sandbox.connect.updates) expect(update).toMatchObject({ attributes: { sms_status: 'Opted Out' }, sourceCode: 'CADENCE' });
    for (const id of stopped) expect(sandbox.connect.getContact(id)!.values.sms_status).toBe('Opted Out');

    const updates = sandbox.connect.updates.length;
    const third = await project.cli(['optouts', '--json', '--no-email']);
    expect(JSON.parse(third.stdout)).toMatchObject({ written: 0, failed: 0 });
    expect(sandbox.connect.updates).toHaveLength(updates);
  });

  it('optouts --dry-run lists what it would write and writes nothing', async () => {
    const { sandbox } = project;
    const id = optedIn[8]!;
    const change = sandbox.cadence.recordKeyword(id, 'STOP');
    const before = writeSnapshot(project);
    const human = await project.cli(['optouts', '--dry-run']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout.split('\n')).toContain(`< ${id} sms_status := "Opted Out" (keyword at ${change.changedAt})`);
    expect(human.stdout).toContain('Dry run: 1 opt-out changes would be written to Connect. Nothing was written.');
    const json = ndjson((await project.cli(['optouts', '--dry-run', '--json'])).stdout);
    expect(json).toEqual([
      { type: 'optout', contactId: id, attribute: 'sms_status', value: 'Opted Out', source: 'keyword', changedAt: change.changedAt },
      { type: 'summary', write: 1 },
    ]);
    expect(writeSnapshot(project)).toEqual(before);
    expect(sandbox.connect.getContact(id)!.values.sms_status).not.toBe('Opted Out');
  });

  it('does nothing without an optOut section, and says so', async () => {
    const { sandbox } = project;
    project.writeConfig((config) => {
      delete config.optOut;
    });
    sandbox.cadence.recordKeyword(optedIn[9]!, 'STOP');
    const updates = sandbox.connect.updates.length;
    const optouts = await project.cli(['optouts', '--no-email']);
    expect(optouts.code, optouts.stderr).toBe(0);
    expect(optouts.stdout).toContain('No optOut section in the config: there is nothing to write back.');
    const imported = await project.cli(['import', '--json', '--no-email']);
    expect(imported.code, imported.stderr).toBe(expectedImportExit(project.sandbox));
    expect(summaryOf(imported).writeBack).toEqual({ written: 0, failed: 0, skipped: 0 });
    expect(sandbox.connect.updates).toHaveLength(updates);
  });
});
