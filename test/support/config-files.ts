/**
 * Config files for tests: a minimal valid config (secrets as `${VAR}`), the environment
 * that fills it, and a temp folder to write them into.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

type Section = Record<string, unknown>;

/** A config as written in the file, open to any edit a test wants to make. */
export interface RawConfig {
  connect: Section;
  cadence: Section;
  standardFields: Section;
  criteria: Section;
  [key: string]: unknown;
}

/** The smallest valid config: only required keys, every secret from the environment. */
export function minimalConfig(): RawConfig {
  return {
    connect: {
      endpoint: 'https://connect.example.edu/ws/bridge.asmx',
      clientName: 'astronomer',
      passKey: '${CONNECT_PASSKEY}',
    },
    cadence: { deptCode: 'ADMISSIONS', apiKey: '${CADENCE_API_KEY}', apiSecret: '${CADENCE_API_SECRET}' },
    standardFields: { firstName: 'firstname', lastName: 'lastname', mobileNumber: 'mobilephone' },
    criteria: { filterIds: [70542], sourceCode: 'CADENCE' },
  };
}

/** Distinctive secret values, easy to search for in any output. */
export const SECRET_ENV = {
  CONNECT_PASSKEY: 'pk-Zq81-connect-SECRET',
  CADENCE_API_KEY: 'ak-Wr27-cadence-KEY',
  CADENCE_API_SECRET: 'as-Lm64-cadence-SECRET',
  SMTP_PASS: 'sp-Tx39-smtp-SECRET',
  CADENCE_WEBHOOK_TOKEN: 'wt-Hk52-webhook-SECRET-0123456789abcdef',
} as const;

/** A new empty temp folder (with a package.json, so the config search stops there). */
export function tempProject(prefix = 'connect-sync-config-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  return dir;
}

/** Writes a config (YAML text, or an object serialised as YAML) and returns its path. */
export function writeConfig(dir: string, config: string | Record<string, unknown>, name = 'connect-sync.config.yaml'): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof config === 'string' ? config : stringify(config));
  return file;
}
