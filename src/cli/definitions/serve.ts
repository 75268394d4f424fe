/** The `serve` command's options and help; its implementation loads when it runs. */
import type { Command } from 'commander';
import { commandAction } from '../context.js';

/** Registers `serve` on the program. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description("receive Cadence's opt-out webhooks and write them back to Connect as they arrive")
    .addHelpText(
      'after',
      `
Listens on optOut.webhook.listen (default 127.0.0.1:8787) until SIGTERM or Ctrl-C:
  POST /cadence/optouts/<optOut.webhook.token>   one change {studentId, departmentCode, optedIn};
                                                 200 once it is in the opt-out journal
  GET  /healthz                                  200 when the state answers, else 503
  GET  /metrics                                  Prometheus text
The URL you give Cadence is https://<your proxy>/cadence/optouts/<token>: put TLS in a
reverse proxy in front (see README, "Receiving opt-out webhooks"). A wrong token is 404.
It may run beside imports on the same state (file or PostgreSQL); \`import\` and \`optouts\` write back
whatever serve has not written yet.

A token: openssl rand -hex 32 (keep it in the environment: token: \${CADENCE_WEBHOOK_TOKEN}).

Examples:
  $ connect-sync serve
  $ connect-sync -c /etc/connect-sync/connect-sync.config.yaml --log-format json serve`,
    )
    .action(
      commandAction(async (_options: Record<string, never>, context) => {
        const { serveCommand } = await import('../commands/serve.js');
        return serveCommand(context);
      }),
    );
}
