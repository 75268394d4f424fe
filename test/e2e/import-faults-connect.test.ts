/**
 * Connect misbehaving while an import pages: 503s, `soap:Server` faults and truncated
 * bodies are retried and the run completes exactly; a body that stays truncated ends the
 * run (exit 3) and is never read as "no contacts".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cadenceDifferences, expectedCadence, expectedImportExit } from '../support/oracle.js';
import { firstImport, importJson, sentSince, statusJson } from '../support/import-e2e.js';
import { sandboxProject, type SandboxProject } from '../support/sandbox-project.js';

describe('import: Connect answering 503, SOAP faults and truncated bodies', () => {
  let project: SandboxProject;
  beforeEach(async () => {
    project = await sandboxProject({ contacts: 300, config: (config) => (config.connect.pageSize = 10) });
  });
  afterEach(async () => project?.close());

  it('retries them and completes with Cadence exact', async () => {
    const { connect } = project.sandbox;
    const from = connect.requestLog.length;
    Object.assign(connect.knobs, { failure503Share: 0.08, faultShare: 0.08, truncatedShare: 0.04, retryAfterSeconds: 0 });
    try {
      const run = await importJson(project);
      expect(run.result.code, run.result.stderr).toBe(expectedImportExit(project.sandbox));
    } finally {
      Object.assign(connect.knobs, { failure503Share: 0, faultShare: 0, truncatedShare: 0 });
    }
    const outcomes = new Set(connect.requestLog.slice(from).map((request) => request.outcome));
    expect([...outcomes].sort()).toEqual(['ok', 'overloaded', 'server-fault', 'truncated']);
    expect(cadenceDifferences(project.sandbox, expectedCadence(project.sandbox))).toEqual([]);
  });

  it('ends with exit 3 and records nothing when every answer is truncated', async () => {
    const { sandbox } = project;
    await firstImport(project);
    const before = await statusJson(project);
    const ids = [...expectedCadence(sandbox).keys()].slice(0, 5);
    sandbox.connect.modifyContacts(ids, { city: 'Cutoff' });
    const received = sandbox.cadence.stats().contactsReceived;
    sandbox.connect.knobs.truncatedShare = 1;
    try {
      const run = await importJson(project);
      expect(run.result.code, run.result.stderr).toBe(3);
      expect(run.summary.outcome).toBe('failed');
      expect(run.result.stderr).toMatch(/malformed|unparseable/i);
    } finally {
      sandbox.connect.knobs.truncatedShare = 0;
    }
    expect(sandbox.cadence.stats().contactsReceived).toBe(received);
    expect((await statusJson(project)).watermarks).toEqual(before.watermarks);
    const next = await importJson(project);
    expect(next.result.code, next.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox))).toEqual([]);
    // Three imports of 90 small pages each: a budget for the whole story, not a speed check.
  }, 120_000);

  it('Connect going down mid-run: exit 3, keeps what Cadence confirmed, the next run finishes the rest', async () => {
    const { sandbox } = project;
    await firstImport(project);
    project.writeConfig((config) => (config.cadence.batchSize = 20));
    const before = await statusJson(project);
    const changed = [...expectedCadence(sandbox).keys()];
    sandbox.connect.modifyContacts(changed, { city: 'Halfway' });
    let pages = 0;
    const remove = sandbox.connect.onBetweenPages(() => {
      pages += 1;
      if (pages === 12) Object.assign(sandbox.connect.knobs, { failure503Share: 1, retryAfterSeconds: 0 });
    });
    const batches = sandbox.cadence.batches().length;
    try {
      const run = await importJson(project);
      expect(run.result.code, run.result.stderr).toBe(3);
      expect(run.summary.outcome).toBe('failed');
      expect(run.result.stderr).toContain('Connect');
    } finally {
      remove();
      sandbox.connect.knobs.failure503Share = 0;
    }
    const sentBefore = sentSince(sandbox, batches);
    expect(sentBefore.length).toBeGreaterThan(0);
    expect(sentBefore.length).toBeLessThan(changed.length);
    expect((await statusJson(project)).watermarks).toEqual(before.watermarks);

    const resumed = sandbox.cadence.batches().length;
    const next = await importJson(project);
    expect(next.result.code, next.result.stderr).toBe(expectedImportExit(project.sandbox));
    expect(cadenceDifferences(sandbox, expectedCadence(sandbox))).toEqual([]);
    const sentAfter = sentSince(sandbox, resumed);
    expect(sentAfter.filter((id) => sentBefore.includes(id))).toEqual([]);
    expect([...sentBefore, ...sentAfter].sort()).toEqual([...changed].sort());
    // Three imports of 90 small pages each: a budget for the whole story, not a speed check.
  }, 120_000);
});
