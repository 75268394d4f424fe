/**
 * The demo's opt-out loop: `serve` runs in this process, the sandbox Cadence is pointed at
 * its webhook URL, a student who is opted in texts STOP, and the change reaches Connect.
 * The sandbox's opt-out history export is written beside the config for `--from-csv`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../config/load.js';
import type { Sandbox } from '../../sandbox/index.js';
import type { CliContext } from '../context.js';
import { startServing } from './serve.js';

/** How long the demo waits for the write-back to reach Connect. */
const LOOP_WAIT_MS = 10_000;

/** Runs the loop once; resolves with the line that tells how it went. */
export async function showOptOutLoop(sandbox: Sandbox, configPath: string, dir: string, context: CliContext): Promise<string> {
  const config = await loadConfig({ path: configPath });
  const student = sandbox.cadence.allContacts().find((contact) => !contact.optedOut);
  if (student === undefined || config.optOut?.webhook === undefined) return 'Opt-out loop: skipped (no opted-in contact in Cadence)';
  const field = config.optOut.field;
  const serve = await startServing(config, context.logger);
  try {
    sandbox.cadence.knobs.webhookUrl = `${serve.url}/cadence/optouts/${config.optOut.webhook.token}`;
    sandbox.cadence.recordKeyword(student.uniqueCampusId, 'STOP');
    await sandbox.cadence.whenWebhooksDelivered();
    const until = Date.now() + LOOP_WAIT_MS;
    const held = () => sandbox.connect.getContact(student.uniqueCampusId)?.values[field];
    while (held() !== config.optOut.optedOutValue && Date.now() < until) await sleep(50);
    writeFileSync(join(dir, 'optout-history.csv'), sandbox.cadence.optOutHistoryCsv());
    return held() === config.optOut.optedOutValue
      ? `Opt-out loop: contact ${student.uniqueCampusId} texted STOP; Cadence's webhook reached serve, and Connect's ${field} is now "${config.optOut.optedOutValue}".`
      : `Opt-out loop: contact ${student.uniqueCampusId} texted STOP, but Connect did not show it within ${LOOP_WAIT_MS / 1000} s (see the log).`;
  } finally {
    sandbox.cadence.knobs.webhookUrl = '';
    await serve.stop();
  }
}
