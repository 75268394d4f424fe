/**
 * The sandbox mail catcher, fed by nodemailer over real SMTP on loopback and read back
 * with mailparser from the .eml files it writes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startMailCatcher, type MailCatcher, type MailCatcherOptions } from '../../src/sandbox/mail-catcher.js';

const running: MailCatcher[] = [];
const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((catcher) => catcher.close()));
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function start(options: Partial<MailCatcherOptions> = {}): Promise<MailCatcher> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'mail-catcher-'));
  tempDirs.push(temp);
  // A folder that does not exist yet: the catcher creates it.
  const dir = path.join(temp, 'mail');
  const catcher = await startMailCatcher({ dir, ...options });
  running.push(catcher);
  return catcher;
}

function transport(catcher: MailCatcher, auth?: { user: string; pass: string }) {
  return nodemailer.createTransport({ host: catcher.host, port: catcher.port, secure: false, ...(auth ? { auth } : {}) });
}

const message = {
  from: 'connect-sync@example.edu',
  to: ['ops@example.edu', 'it@example.edu'],
  subject: 'Connect import completed: 3 matched, 2 imported, 1 errors',
  text: 'Matched 3, imported 2, errors 1.',
  attachments: [{ filename: 'run-errors.csv', content: 'contact_id,error_code\n100234,INVALID_MOBILE\n', contentType: 'text/csv' }],
};

describe('mail catcher', () => {
  it('stores a message sent with a login as a raw .eml that parses back', async () => {
    const catcher = await start();
    await transport(catcher, { user: 'mailer', pass: 'any-password' }).sendMail(message);
    const [file] = await catcher.waitForMessage(1);
    expect(file).toMatch(/[/\\]\d+-1\.eml$/);
    const parsed = await simpleParser(fs.readFileSync(file as string));
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.from?.text).toBe(message.from);
    expect(parsed.text?.trim()).toBe(message.text);
    expect([parsed.to].flat().flatMap((to) => to?.value.map((address) => address.address))).toEqual(message.to);
    expect(parsed.attachments.map((attachment) => [attachment.filename, attachment.content.toString('utf8')])).toEqual([
      ['run-errors.csv', 'contact_id,error_code\n100234,INVALID_MOBILE\n'],
    ]);
  });

  it('accepts mail without a login and keeps messages in arrival order', async () => {
    const catcher = await start();
    const mailer = transport(catcher);
    await mailer.sendMail({ ...message, subject: 'first' });
    await mailer.sendMail({ ...message, subject: 'second' });
    const files = await catcher.waitForMessage(2);
    expect(files).toEqual(catcher.messages());
    const subjects = await Promise.all(files.map(async (file) => (await simpleParser(fs.readFileSync(file))).subject));
    expect(subjects).toEqual(['first', 'second']);
    expect(fs.readdirSync(path.dirname(files[0] as string)).sort()).toEqual(files.map((file) => path.basename(file)).sort());
  });

  it('refuses messages with 554 while reject is set, and stores nothing', async () => {
    const catcher = await start({ reject: true });
    await expect(transport(catcher).sendMail(message)).rejects.toMatchObject({ responseCode: 554 });
    expect(catcher.messages()).toEqual([]);
    catcher.knobs.reject = false;
    await transport(catcher).sendMail(message);
    expect(await catcher.waitForMessage(1)).toHaveLength(1);
  });

  it('refuses logins with 535 while rejectAuth is set', async () => {
    const catcher = await start({ rejectAuth: true });
    await expect(transport(catcher, { user: 'mailer', pass: 'wrong' }).sendMail(message)).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
    expect(catcher.messages()).toEqual([]);
  });

  it('gives up waiting after the timeout', async () => {
    const catcher = await start();
    await expect(catcher.waitForMessage(1, 50)).rejects.toThrow(/expected 1 message/);
  });
});
