/**
 * The whole sandbox in one call: a Connect emulator, a Cadence emulator and a mail
 * catcher on loopback ports, over one seeded data set, plus a ready config that points
 * connect-sync at them. Used by `connect-sync sandbox`, `connect-sync demo`, the
 * end-to-end tests and the benchmark. Nothing in the real import path imports this.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCadenceEmulator, type CadenceEmulator, type CadenceKnobs } from './cadence/index.js';
import { startConnectEmulator, type ConnectEmulator, type ConnectKnobs, type ConnectProfile, type WsdlServed } from './connect/index.js';
import { generateDataset, type SandboxDataset } from './generate.js';
import { sandboxFacts } from './generate-catalog.js';
import { startMailCatcher, type MailCatcher } from './mail-catcher.js';

/** The sandbox's fixed credentials: fixtures, not secrets (they open nothing but the sandbox). */
export const SANDBOX_CREDENTIALS = {
  clientName: 'sandbox',
  passKey: 'sandbox-passkey',
  deptCode: 'ADMISSIONS',
  apiKey: 'sandbox-key',
  apiSecret: 'sandbox-secret',
  webhookToken: 'sandbox-webhook-token-0123456789abcdef',
} as const;

export interface SandboxOptions {
  contacts?: number;
  seed?: number;
  /** The generator's "now" (default: the current hour). */
  now?: Date;
  timeZone?: string;
  /** Folder the mail catcher writes `.eml` files to. */
  mailDir: string;
  /** Fixed ports (default: any free ones). */
  ports?: { connect?: number; cadence?: number; smtp?: number };
  connect?: Partial<ConnectKnobs>;
  cadence?: Partial<CadenceKnobs>;
  /** How the Connect emulator behaves: the paged contract (default) or a public-evidence instance. */
  connectProfile?: ConnectProfile;
  /** What Connect's `GET ?WSDL` answers (default: the WSDL). */
  connectWsdl?: WsdlServed;
  /** Cadence's team code (default ADMISSIONS); current instances use numbers such as 1234567. */
  deptCode?: string;
}

export interface Sandbox {
  dataset: SandboxDataset;
  connect: ConnectEmulator;
  cadence: CadenceEmulator;
  mail: MailCatcher;
  /**
   * A complete config object for connect-sync pointing at the sandbox (credentials as
   * `${VAR:-default}` so that the file names no secret literally).
   */
  config(options: { statePath: string; extra?: Record<string, unknown> }): Record<string, unknown>;
  /** The same config as YAML, with a comment header. */
  configYaml(options: { statePath: string; extra?: Record<string, unknown> }): string;
  /** The environment variables the config's `${VAR}` names, with the sandbox's values. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the three servers. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dataset = generateDataset({ contacts: options.contacts, seed: options.seed, now: options.now, timeZone: options.timeZone });
  const started: { close(): Promise<void> }[] = [];
  try {
    const connect = await startConnectEmulator({
      clientName: SANDBOX_CREDENTIALS.clientName,
      passKey: SANDBOX_CREDENTIALS.passKey,
      dataset,
      seed: options.seed,
      knobs: options.connect,
      profile: options.connectProfile,
      wsdl: options.connectWsdl,
      port: options.ports?.connect,
    });
    started.push(connect);
    const cadence = await startCadenceEmulator({
      deptCode: options.deptCode ?? SANDBOX_CREDENTIALS.deptCode,
      apiKey: SANDBOX_CREDENTIALS.apiKey,
      apiSecret: SANDBOX_CREDENTIALS.apiSecret,
      users: dataset.users,
      fields: dataset.fields,
      port: options.ports?.cadence,
      seed: options.seed,
      ...options.cadence,
    });
    started.push(cadence);
    const mail = await startMailCatcher({ dir: options.mailDir, port: options.ports?.smtp });
    started.push(mail);
    const env = {
      CONNECT_PASSKEY: SANDBOX_CREDENTIALS.passKey,
      CADENCE_API_KEY: SANDBOX_CREDENTIALS.apiKey,
      CADENCE_API_SECRET: SANDBOX_CREDENTIALS.apiSecret,
      CADENCE_WEBHOOK_TOKEN: SANDBOX_CREDENTIALS.webhookToken,
    };
    const config = ({ statePath, extra }: { statePath: string; extra?: Record<string, unknown> }) => ({
      connect: { endpoint: connect.url, clientName: SANDBOX_CREDENTIALS.clientName, passKey: '${CONNECT_PASSKEY:-sandbox-passkey}', timeZone: dataset.timeZone, pageSize: 500 },
      cadence: {
        baseUrl: cadence.url,
        deptCode: options.deptCode ?? SANDBOX_CREDENTIALS.deptCode,
        apiKey: '${CADENCE_API_KEY:-sandbox-key}',
        apiSecret: '${CADENCE_API_SECRET:-sandbox-secret}',
        batchSize: 1000,
        concurrency: 4,
      },
      standardFields: { ...sandboxFacts.standardFields },
      optOut: {
        ...sandboxFacts.optOut,
        emptyIsOptedIn: true,
        // Port 0: `serve` takes any free port and logs it.
        webhook: { listen: '127.0.0.1:0', token: `\${CADENCE_WEBHOOK_TOKEN:-${SANDBOX_CREDENTIALS.webhookToken}}` },
      },
      additionalFields: sandboxFacts.additionalFields.map((field) => ({ ...field })),
      criteria: { filterIds: [...sandboxFacts.filterIds], sourceCode: sandboxFacts.sourceCode, lookbackMinutes: 10 },
      nightlyImport: { enabled: true, window: { start: '01:00', end: '04:00', timeZone: 'America/New_York' } },
      notification: {
        to: ['admissions-ops@example.edu', 'it-alerts@example.edu'],
        from: 'connect-sync@example.edu',
        smtp: { host: mail.host, port: mail.port, secure: false },
      },
      state: { path: statePath },
      ...extra,
    });
    return {
      dataset,
      connect,
      cadence,
      mail,
      config,
      configYaml: (input) =>
        `# connect-sync config for the local sandbox (seed ${dataset.seed}, ${dataset.contacts.length} contacts).\n` +
        `# The sandbox's credentials are fixtures, filled in by the \${VAR:-default} values.\n` +
        stringify(config(input), { lineWidth: 0 }),
      env,
      async close() {
        await Promise.allSettled(started.map((server) => server.close()));
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((server) => server.close()));
    throw error;
  }
}

/** Where the sandbox's mail goes by default, under a base folder. */
export function mailDirIn(base: string): string {
  return join(base, 'mail');
}
