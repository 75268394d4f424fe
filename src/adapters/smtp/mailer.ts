/**
 * The Mailer port over SMTP (nodemailer): one connection per message, no pool, since a run
 * sends one mail. Every stage of the conversation has a timeout so a silent server cannot
 * hold the end of a cron run. Failures become ExternalServiceError('SMTP') whose message
 * never holds the password. nodemailer itself loads with the first message: most commands,
 * and every run with --no-email, never send one.
 */
import type { Logger } from 'pino';
import type { SmtpConfig } from '../../config/schema.js';
import type { Mailer, MailMessage } from '../../core/ports.js';
import { ExternalServiceError } from '../../errors.js';

export interface SmtpMailerOptions {
  logger?: Logger;
  /** Limit for connecting, for the greeting and for each silence on the socket (default 15 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** Creates a Mailer that sends through the configured SMTP server. */
export function createSmtpMailer(smtp: SmtpConfig, options: SmtpMailerOptions = {}): Mailer {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const scrub = passwordScrubber(smtp);

  return {
    async send(message: MailMessage): Promise<void> {
      let info: { messageId?: string; accepted?: unknown[]; rejected?: unknown[] };
      try {
        const { createTransport } = await import('nodemailer');
        const transport = createTransport({
          host: smtp.host,
          port: smtp.port,
          secure: smtp.secure,
          auth: smtp.user !== undefined && smtp.pass !== undefined ? { user: smtp.user, pass: smtp.pass } : undefined,
          connectionTimeout: timeout,
          greetingTimeout: timeout,
          socketTimeout: timeout,
          dnsTimeout: timeout,
          // The only content we attach is a local file; never let a message fetch a URL.
          disableUrlAccess: true,
          logger: false,
        });
        info = (await transport.sendMail({
          from: message.from,
          to: [...message.to],
          subject: message.subject,
          text: message.text,
          html: message.html,
          attachments: message.attachments.map((attachment) => ({ ...attachment })),
        })) as typeof info;
      } catch (error) {
        throw new ExternalServiceError('SMTP', `could not send the mail: ${scrub(describe(error))}`, {
          hint: `notification.smtp (host ${smtp.host}, port ${smtp.port}, secure ${smtp.secure}${smtp.user ? ', user and pass' : ''})`,
        });
      }
      const rejected = (info.rejected ?? []).map(String);
      // nodemailer resolves when at least one recipient was accepted; the others are only named here.
      if (rejected.length > 0) options.logger?.warn({ rejected }, 'SMTP server refused some recipients');
      options.logger?.debug({ messageId: info.messageId, accepted: (info.accepted ?? []).map(String) }, 'mail sent');
    },
  };
}

/** The error's message with nodemailer's code and the server's reply code, when known. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, responseCode } = error as Error & { code?: unknown; responseCode?: unknown };
  const extra = [typeof code === 'string' ? code : undefined, typeof responseCode === 'number' ? `reply ${responseCode}` : undefined]
    .filter(Boolean)
    .join(', ');
  return extra ? `${error.message} (${extra})` : error.message;
}

/** Blanks the password, raw and in the base64 forms AUTH PLAIN and LOGIN send, should a server echo it. */
function passwordScrubber(smtp: SmtpConfig): (text: string) => string {
  if (smtp.pass === undefined) return (text) => text;
  const forms = [
    smtp.pass,
    Buffer.from(smtp.pass).toString('base64'),
    Buffer.from(`\u0000${smtp.user ?? ''}\u0000${smtp.pass}`).toString('base64'),
  ].filter((form) => form.length >= 4);
  return (text) => forms.reduce((result, form) => result.split(form).join('[redacted]'), text);
}
