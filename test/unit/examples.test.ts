/**
 * The files in examples/ are what operators copy: the config must load, and the crontab
 * and systemd units must call the CLI the way the config's window expects.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { insideWindow } from '../../src/core/schedule.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const CONFIG_PATH = '/etc/connect-sync/connect-sync.config.yaml';
const IMPORT_COMMAND = `import --scheduled -c ${CONFIG_PATH}`;

function read(file: string): string {
  return readFileSync(path.join(EXAMPLES, file), 'utf8');
}

const env = { CONNECT_PASSKEY: 'pk-dummy', CADENCE_API_KEY: 'key-dummy', CADENCE_API_SECRET: 'secret-dummy', SMTP_PASS: 'smtp-dummy', CADENCE_WEBHOOK_TOKEN: 'webhook-token-dummy-0123456789abcdef' };
const raw = parse(read('typical-institution.config.yaml')) as Record<string, Record<string, unknown>>;
const { config, problems } = parseConfig(raw, { source: CONFIG_PATH, env });
if (!config) throw new Error(`examples/typical-institution.config.yaml is invalid: ${JSON.stringify(problems)}`);
const window = config.nightlyImport.window;

/** `Key=Value` lines of a systemd unit (comments left out); a key may repeat. */
function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined) settings.set(match[1], [...(settings.get(match[1]) ?? []), match[2] ?? '']);
  }
  return settings;
}

function minutesOf(clock: string): number {
  const [hours = 0, minutes = 0] = clock.split(':').map(Number);
  return hours * 60 + minutes;
}

describe('examples/typical-institution.config.yaml', () => {
  it('is valid and says what a typical institution needs', () => {
    expect(problems).toEqual([]);
    expect(config.criteria.filterIds).toEqual([70542, 70611]);
    expect(config.standardFields.userIdentification).toBeDefined();
    expect(config.optOut).toMatchObject({ optedInValue: 'Opted In', optedOutValue: 'Opted Out', emptyIsOptedIn: false });
    expect(config.additionalFields.some((field) => field.hasList)).toBe(true);
    expect(config.notification?.to?.length).toBeGreaterThan(0);
    expect(config.notification?.smtp?.pass).toBe('smtp-dummy');
    expect(config.cadence.deptCode).toBe('UGADMISSIONS');
    expect(config.state.path).toBe('/var/lib/connect-sync/connect-sync.sqlite');
  });

  it('keeps every secret in the environment', () => {
    const secrets = [raw.connect?.passKey, raw.cadence?.apiKey, raw.cadence?.apiSecret, (raw.notification?.smtp as Record<string, unknown>)?.pass, (raw.optOut?.webhook as Record<string, unknown>)?.token];
    for (const value of secrets) expect(value).toMatch(/^\$\{[A-Z_]+\}$/);
    const { problems: missing } = parseConfig(raw, { source: CONFIG_PATH, env: {} });
    expect(missing.map((problem) => problem.path)).toEqual(
      expect.arrayContaining(['connect.passKey', 'cadence.apiKey', 'cadence.apiSecret', 'notification.smtp.pass']),
    );
  });
});

describe('examples/crontab', () => {
  const text = read('crontab');
  const jobs = text.split('\n').filter((line) => /^[*\d]/.test(line));

  it('runs import --scheduled with the config and the env file, logging to syslog', () => {
    expect(jobs).toHaveLength(1);
    const job = jobs[0] ?? '';
    expect(job).toContain(`connect-sync ${IMPORT_COMMAND}`);
    expect(job).toContain('. /etc/connect-sync/env');
    expect(job).toContain('| logger -t connect-sync');
    expect(text).toMatch(/^PATH=/m);
  });

  it('reads its schedule in the window zone and fires only inside the window', () => {
    expect(text).toMatch(new RegExp(`^CRON_TZ=${window.timeZone}$`, 'm'));
    const [minute = '', hour = ''] = (jobs[0] ?? '').split(/\s+/);
    expect(minute).toBe('*/15');
    const [first = 0, last = 0] = hour.split('-').map(Number);
    const fires: number[] = [];
    for (let h = first; h <= last; h += 1) for (let m = 0; m < 60; m += 15) fires.push(h * 3600 + m * 60);
    expect(fires.length).toBeGreaterThan(1);
    expect(fires.filter((at) => !insideWindow(at, window.start, window.end))).toEqual([]);
  });
});

describe('examples/systemd', () => {
  const service = unitSettings(read('systemd/connect-sync.service'));
  const timer = unitSettings(read('systemd/connect-sync.timer'));

  it('runs one scheduled import as an unprivileged user with the secrets from the env file', () => {
    expect(service.get('Type')).toEqual(['oneshot']);
    expect(service.get('User')).toEqual(['connect-sync']);
    expect(service.get('EnvironmentFile')).toEqual(['/etc/connect-sync/env']);
    expect(service.get('ExecStart')?.[0]).toMatch(new RegExp(`/connect-sync ${IMPORT_COMMAND}$`));
    expect(service.get('WorkingDirectory')).toEqual([path.dirname(config.state.path!)]);
  });

  it('hardens the service and leaves the state folder writable', () => {
    expect(service.get('NoNewPrivileges')).toEqual(['yes']);
    expect(service.get('ProtectSystem')).toEqual(['strict']);
    expect(service.get('ReadWritePaths')).toEqual([path.dirname(config.state.path!)]);
    // Node's JIT needs writable executable memory.
    expect(service.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('runs serve as a long-running, hardened service that stops by SIGTERM in time', () => {
    const serve = unitSettings(read('systemd/connect-sync-serve.service'));
    expect(serve.get('Type')).toEqual(['simple']);
    expect(serve.get('User')).toEqual(['connect-sync']);
    expect(serve.get('EnvironmentFile')).toEqual(['/etc/connect-sync/env']);
    expect(serve.get('ExecStart')?.[0]).toMatch(/\/connect-sync -c \/etc\/connect-sync\/connect-sync\.config\.yaml .*serve$/);
    expect(serve.get('KillSignal')).toEqual(['SIGTERM']);
    expect(Number(/^(\d+)s$/.exec(serve.get('TimeoutStopSec')?.[0] ?? '')?.[1])).toBeGreaterThan(10);
    expect(serve.get('ProtectSystem')).toEqual(['strict']);
    expect(serve.has('MemoryDenyWriteExecute')).toBe(false);
  });

  it('fires inside the window, in its zone, even after the random delay', () => {
    const match = /^\*-\*-\* (\d\d:\d\d):00 (\S+)$/.exec(timer.get('OnCalendar')?.[0] ?? '');
    expect(match?.[2]).toBe(window.timeZone);
    const start = minutesOf(match?.[1] ?? '');
    const delayMinutes = Number(/^(\d+)min$/.exec(timer.get('RandomizedDelaySec')?.[0] ?? '')?.[1]);
    expect(delayMinutes).toBeGreaterThan(0);
    expect(insideWindow(start * 60, window.start, window.end)).toBe(true);
    expect(insideWindow((start + delayMinutes) * 60, window.start, window.end)).toBe(true);
    expect(timer.get('Persistent')).toEqual(['true']);
    expect(timer.get('Unit')).toEqual(['connect-sync.service']);
  });
});
