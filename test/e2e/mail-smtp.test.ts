/**
 * The report and the mail end to end: notifyRun writes the CSV, the real SMTP mailer sends
 * to a real SMTP server in this process (on loopback), and the message is read back with
 * mailparser. Also what happens when the server is down, refuses the login, or never speaks.
 */
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../src/adapters/smtp/mailer.js';
import type { RunIssue, RunRecord } from '../../src/core/ports.js';
import { createLogger } from '../../src/log.js';
import { reportPathFor } from '../../src/report/csv.js';
import { notifyRun } from '../../src/report/notify.js';
import { memoryMailStore, parseCsv, SECRETS, testConfig, testCounts, testIssues, testRun } from '../support/report-fixtures.js';

interface Received {
  from: string;
  to: string[];
  user: unknown;
  raw: Buffer;
}

interface TestSmtp {
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 that requires the fixture's login and keeps what it gets. */
async function startSmtp(): Promise<TestSmtp> {
  const received: Received[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer' && auth.password === SECRETS.smtpPass) return callback(null, { user: auth.username });
      return callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope;
        received.push({
          from: mailFrom ? mailFrom.address : '',
          to: rcptTo.map((rcpt) => rcpt.address),
          user: session.user,
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A logger whose JSON lines are kept, to prove no secret reaches them. */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: createLogger({ level: 'debug', format: 'json', destination }), lines };
}

function expectNoSecret(text: string): void {
  for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
}

let dir: string;
let smtp: TestSmtp;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mail-smtp-'));
  smtp = await startSmtp();
});
afterEach(async () => {
  await smtp.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function setup(smtpOverrides: { port?: number; pass?: string } = {}) {
  const statePath = path.join(dir, 'connect-sync.sqlite');
  const config = testConfig({ statePath, smtp: { host: '127.0.0.1', port: smtp.port, ...smtpOverrides } });
  return { statePath, config, store: memoryMailStore(), ...capturedLogger() };
}

async function notify(run: RunRecord, issues: RunIssue[], context: ReturnType<typeof setup>, extra: { sendMail?: boolean; timeoutMs?: number } = {}) {
  const notification = context.config.notification!;
  return notifyRun({
    run,
    issues: () => issues,
    config: context.config,
    runs: context.store,
    logger: context.logger,
    sendMail: extra.sendMail ?? true,
    mailer: extra.timeoutMs === undefined ? undefined : createSmtpMailer(notification.smtp!, { timeoutMs: extra.timeoutMs }),
    filterNames: new Map([[70542, 'Inscripción otoño <2027>']]),
  });
}

async function onlyMail(): Promise<{ received: Received; mail: ParsedMail }> {
  expect(smtp.received).toHaveLength(1);
  const received = smtp.received[0]!;
  return { received, mail: await simpleParser(received.raw) };
}

describe('notifyRun with a real SMTP server', () => {
  it('writes the report and mails the counts with the CSV attached to every recipient', async () => {
    const context = setup();
    const run = testRun();
    const issues = testIssues();
    const result = await notify(run, issues, context);

    const reportPath = reportPathFor(context.config.state.reportsDir, run.id);
    expect(result).toEqual({ reportPath, reportRows: issues.length, mail: { sent: true } });
    expect(context.store.mails.get(run.id)).toEqual({ sent: true });
    expect(fs.existsSync(reportPath)).toBe(true);

    const { received, mail } = await onlyMail();
    expect(received.user).toBe('mailer');
    expect(received.from).toBe('connect-sync@example.edu');
    expect([...received.to].sort()).toEqual(['admissions-ops@example.edu', 'it-alerts@example.edu']);
    const { counts } = run;
    expect(mail.subject).toBe(`Connect import completed: ${counts.matched} matched, ${counts.imported} imported, ${counts.errors} errors`);
    expect(mail.text).toMatch(new RegExp(`Matched:\\s+${counts.matched}\\n`));
    expect(mail.text).toMatch(new RegExp(`Imported:\\s+${counts.imported} \\(${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged\\)`));
    expect(mail.text).toMatch(new RegExp(`Errors:\\s+${counts.errors}\\n`));
    expect(mail.text).toMatch(new RegExp(`Warnings:\\s+${counts.warnings}\\n`));
    expect(mail.text).toContain('70542 Inscripción otoño <2027>');
    expect(mail.text).toContain(run.id);
    expect(mail.html).toContain('70542 Inscripción otoño &#60;2027&#62;');

    expect(mail.attachments).toHaveLength(1);
    const attachment = mail.attachments[0]!;
    expect(attachment.filename).toBe(`${run.id}-errors.csv`);
    expect(attachment.contentType).toBe('text/csv');
    expect(attachment.content.equals(fs.readFileSync(reportPath))).toBe(true);
    expect([...attachment.content.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parseCsv(attachment.content.subarray(3).toString('utf8'));
    expect(header).toEqual(['contact_id', 'first_name', 'last_name', 'mobile_number', 'filter_ids', 'severity', 'error_code', 'error_message']);
    expect(rows.map((row) => [row[0], row[6]])).toEqual(issues.map((issue) => [issue.contactId, issue.code]));
    expect(rows.filter((row) => row[5] === 'error')).toHaveLength(counts.errors);
    expect(rows.filter((row) => row[5] === 'warning')).toHaveLength(counts.warnings);
    expect(rows[0]?.slice(1, 4)).toEqual(['José', 'Muñoz-Łukasiewicz', "'+1 404 555 0123 ext 9"]);
    expect(rows[1]?.slice(1, 5)).toEqual([`'=HYPERLINK("http://x")`, "'@SUM(A1)", '', '70542;70611']);

    expectNoSecret(received.raw.toString('utf8'));
    expectNoSecret(context.lines.join(''));
  });

  it('sends the FAILED mail with what was done before the failure', async () => {
    const context = setup();
    const run = testRun({ outcome: 'failed', error: 'Connect: unreachable after 5 attempts (connect.endpoint)', counts: testCounts({ errors: 0, warnings: 0, imported: 12 }) });
    const result = await notify(run, [], context);

    expect(result).toEqual({ reportRows: 0, mail: { sent: true } });
    const { mail, received } = await onlyMail();
    expect(mail.subject).toBe('Connect import FAILED: Connect: unreachable after 5 attempts (connect.endpoint)');
    expect(mail.text).toContain('What was done before it failed');
    expect(mail.text).toMatch(/Matched:\s+12\n/);
    expect(mail.text).toMatch(/Imported:\s+12 /);
    expect(mail.attachments).toEqual([]);
    expectNoSecret(received.raw.toString('utf8'));
  });

  it('writes no report for a clean run and sends no mail with --no-email', async () => {
    const context = setup();
    const clean = testRun({ outcome: 'ok', counts: testCounts({ imported: 12, errors: 0, warnings: 0 }) });
    expect(await notify(clean, [], context, { sendMail: false })).toEqual({ reportRows: 0 });
    expect(fs.existsSync(path.join(dir, 'reports'))).toBe(false);

    const withIssues = testRun();
    const result = await notify(withIssues, testIssues(), context, { sendMail: false });
    expect(result).toEqual({ reportPath: reportPathFor(context.config.state.reportsDir, withIssues.id), reportRows: 5 });
    expect(smtp.received).toEqual([]);
    expect(context.store.mails.size).toBe(0);
  });
});

describe('notifyRun when the mail cannot be sent', () => {
  it('resolves and records the failure when the SMTP server is down', async () => {
    const closedPort = await freePort();
    const context = setup({ port: closedPort });
    const run = testRun();
    const result = await notify(run, testIssues(), context);

    expect(result.mail?.sent).toBe(false);
    expect(result.mail?.error).toMatch(/ECONNREFUSED/);
    expect(context.store.mails.get(run.id)).toEqual(result.mail);
    expect(fs.existsSync(result.reportPath!)).toBe(true);
    expectNoSecret(context.lines.join(''));
    expect(context.lines.join('')).toContain('notification mail not sent');
  });

  it('resolves and records the failure when the server refuses the login', async () => {
    const context = setup({ pass: `${SECRETS.smtpPass}-wrong` });
    const run = testRun();
    const result = await notify(run, testIssues(), context);

    expect(smtp.received).toEqual([]);
    expect(result.mail).toEqual({ sent: false, error: expect.stringMatching(/535/) });
    expect(context.store.mails.get(run.id)).toEqual(result.mail);
    expectNoSecret(result.mail!.error!);
    expectNoSecret(context.lines.join(''));
  });

  it('gives up on a server that never greets, after the timeout', async () => {
    const silent = net.createServer(() => {});
    const sockets = new Set<net.Socket>();
    silent.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const context = setup({ port: (silent.address() as AddressInfo).port });
      const run = testRun();
      const result = await notify(run, testIssues(), context, { timeoutMs: 200 });
      expect(result.mail).toEqual({ sent: false, error: expect.stringMatching(/ETIMEDOUT/) });
      expect(context.store.mails.get(run.id)).toEqual(result.mail);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

/** A loopback port with nothing listening on it. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
