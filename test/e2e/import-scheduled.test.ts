/**
 * What cron and a monitor see (product.md §7, §8, §12): `import --scheduled` imports once
 * a night window; a run past `--max-minutes` stops as interrupted and does not count as the
 * night's import; every run that runs pings the monitor and writes the metrics file; a
 * skipped invocation does neither.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectedImportExit } from '../support/oracle.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { statusJson } from '../support/import-e2e.js';
import { sandboxProject, summaryOf, type SandboxProject } from '../support/sandbox-project.js';

const PING_SECRET = 'f3a1c0de-ping-secret';

/** `HH:MM` in UTC, `minutes` from now. */
function clock(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000).toISOString().slice(11, 16);
}

describe('import --scheduled, --max-minutes, pings and the metrics file', () => {
  let project: SandboxProject;
  let monitor: TestServer;
  let metricsPath: string;

  beforeEach(async () => {
    monitor = await startServer(() => ({ status: 200, body: 'OK' }));
    project = await sandboxProject({
      contacts: 120,
      config: (config) => {
        // A window around now, whatever the hour the test runs at.
        config.nightlyImport = { enabled: true, window: { start: clock(-60), end: clock(60), timeZone: 'UTC' } };
        config.notification.pingUrl = `${monitor.origin}/ping/${PING_SECRET}`;
      },
    });
    metricsPath = join(project.dir, 'connect_sync.prom');
  });
  afterEach(async () => {
    await project?.close();
    await monitor?.close();
  });

  const calls = () => project.sandbox.connect.requestLog.length + project.sandbox.cadence.stats().batches;
  const pings = () => monitor.requests.map((request) => `${request.method} ${request.url.replace(`/ping/${PING_SECRET}`, '<url>')}`);

  it('stops a run past --max-minutes as interrupted (exit 3); that run is not the night\'s import', async () => {
    // Every Connect call takes far longer than the 6 ms allowed: the run cannot finish in time.
    project.sandbox.connect.knobs.latencyMs = 300;
    const result = await project.cli(['import', '--scheduled', '--json', '--max-minutes', '0.0001', '--metrics-file', metricsPath]);
    project.sandbox.connect.knobs.latencyMs = 0;
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain('stopped after --max-minutes 0.0001');
    const run = (await statusJson(project)).runs[0];
    expect(run).toMatchObject({ outcome: 'failed', error: 'stopped after --max-minutes 0.0001', scheduled: true });
    expect(pings()).toEqual(['POST <url>/start', 'POST <url>/fail']);
    expect(monitor.requests[1]!.body).toContain('Connect import FAILED: stopped after --max-minutes 0.0001');
    expect(readFileSync(metricsPath, 'utf8')).toMatch(/^connect_sync_last_run_exit_code 3$/m);
  });

  it('imports once in the window: pings start and success, mails, writes the metrics', async () => {
    const mails = project.sandbox.mail.messages().length;
    const result = await project.cli(['import', '--scheduled', '--json', '--metrics-file', metricsPath]);
    expect(result.code, result.stderr).toBe(expectedImportExit(project.sandbox));
    const summary = summaryOf(result);
    await project.sandbox.mail.waitForMessage(mails + 1);
    expect(pings()).toEqual(['POST <url>/start', 'POST <url>']);
    expect(monitor.requests[1]!.body).toBe(
      `Connect import completed: ${summary.matched} matched, ${summary.imported} imported, ${summary.errors} errors, 0 still failing (run ${summary.runId})`,
    );
    const metrics = readFileSync(metricsPath, 'utf8');
    expect(metrics).toMatch(new RegExp(`^connect_sync_last_run_contacts\\{count="matched"\\} ${summary.matched}$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^connect_sync_last_run_contacts\\{count="errors"\\} ${summary.errors}$`, 'm'));
    expect(metrics).toMatch(/^connect_sync_last_run_outcome\{outcome="contacts_failed"\} 1$/m);
    expect(metrics).toMatch(/^connect_sync_last_run_exit_code 1$/m);
    expect(metrics).toMatch(new RegExp(`^connect_sync_last_completed_run_timestamp_seconds ${Date.parse(summary.startedAt) / 1000}$`, 'm'));
    expect(metrics).toMatch(/^connect_sync_still_failing_contacts 0$/m);
    for (const filterId of [70542, 70611, 70733]) expect(metrics).toMatch(new RegExp(`^connect_sync_watermark_age_seconds\\{filter_id="${filterId}"\\} \\d`, 'm'));
    // No sample timestamps: every sample line is `name{labels} value`.
    for (const line of metrics.split('\n').filter((each) => each !== '' && !each.startsWith('#'))) expect(line.split(' ')).toHaveLength(2);
    expect(`${result.stderr}${metrics}`).not.toContain(PING_SECRET);
    expect((await statusJson(project)).runs[0]).toMatchObject({ id: summary.runId, scheduled: true });
  });

  it('does nothing on later firings in the same window: exit 0, no calls, no mail, no ping, no metrics', async () => {
    const night = await project.cli(['import', '--scheduled', '--json', '--metrics-file', metricsPath]);
    expect(night.code, night.stderr).toBe(expectedImportExit(project.sandbox));
    await project.sandbox.mail.waitForMessage(1);
    rmSync(metricsPath);
    const before = { calls: calls(), mails: project.sandbox.mail.messages().length, pings: monitor.requests.length };
    const result = await project.cli(['import', '--scheduled', '--metrics-file', metricsPath]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    const skipped = result.stderr.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(skipped).toMatchObject([{ msg: 'scheduled import skipped', reason: "tonight's scheduled import already completed" }]);
    expect({ calls: calls(), mails: project.sandbox.mail.messages().length, pings: monitor.requests.length }).toEqual(before);
    expect(existsSync(metricsPath)).toBe(false);
  });

  it('leaves an unscheduled import alone, and skips outside the window without a trace', async () => {
    const manual = await project.cli(['import', '--json', '--no-email']);
    expect(manual.code, manual.stderr).toBe(expectedImportExit(project.sandbox));
    project.writeConfig((config) => {
      config.nightlyImport.window = { start: clock(120), end: clock(180), timeZone: 'UTC' };
    });
    const pingsBefore = monitor.requests.length;
    const outside = await project.cli(['import', '--scheduled', '--metrics-file', metricsPath]);
    expect(outside.code, outside.stderr).toBe(0);
    expect(monitor.requests.length).toBe(pingsBefore);
  });

  it('a failing ping or metrics file changes nothing', async () => {
    project.writeConfig((config) => {
      config.notification.pingUrl = 'http://127.0.0.1:9/ping/unreachable-secret';
    });
    const result = await project.cli(['import', '--json', '--no-email', '--metrics-file', join(project.dir, 'no-such-dir', 'x.prom')]);
    expect(result.code, result.stderr).toBe(expectedImportExit(project.sandbox));
    const messages = result.stderr.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual(expect.arrayContaining(['monitor ping failed', 'metrics file not written']));
    expect(result.stderr).not.toContain('unreachable-secret');
  });
});
