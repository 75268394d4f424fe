/**
 * `connect-sync serve` (product.md §10): receives Cadence's opt-out webhooks into the
 * journal and writes them back to Connect as they arrive. Runs until SIGTERM or SIGINT:
 * then it stops accepting, finishes the requests in flight and the write in progress, and
 * exits 0 (within 10 seconds: what is left then is cut off, and stays in the journal).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnectClient } from '../../adapters/connect/client.js';
import { openStateStore } from '../../adapters/sqlite/store.js';
import { writerId } from '../../core/write-back.js';
import { ConfigError, ExitCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Config } from '../../config/schema.js';
import type { CliContext } from '../context.js';
import { loadConfigFor } from '../load-config.js';
import { webhookHandler } from './serve-http.js';
import { sqliteStatePath } from '../services.js';
import { serveMetrics } from './serve-metrics.js';
import { startWriteBackWorker } from './serve-worker.js';

/** SIGTERM to exit: the whole shutdown fits in this. */
const SHUTDOWN_MS = 9000;

/** Splits `host:port` (`[::1]:8787` for IPv6). */
export function parseListen(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(colon + 1)) };
}

/** A running serve: its address, and how to stop it (as SIGTERM does). */
export interface RunningServe {
  /** `http://127.0.0.1:8787` */
  url: string;
  stop(): Promise<void>;
}

/** Serves until a signal; resolves with the exit code. */
export async function serveCommand(context: CliContext): Promise<number> {
  const config = await loadConfigFor(context);
  // Listening for the signal before serve says it listens: whoever reads that may stop it at once.
  const stopped = stopSignal(context.logger);
  const running = await startServing(config, context.logger);
  await stopped;
  await running.stop();
  context.logger.info('serve stopped');
  return ExitCode.Ok;
}

/** Opens the state file and Connect, listens, and starts the write-back worker. */
export async function startServing(config: Config, logger: Logger): Promise<RunningServe> {
  const webhook = config.optOut?.webhook;
  if (config.optOut === undefined || webhook === undefined) {
    throw new ConfigError('connect-sync serve needs optOut.webhook in the config', [{ path: 'optOut.webhook', message: 'required by serve (listen and token)' }]);
  }
  // Short transactions on this connection: an import may be writing to the same file.
  const store = openStateStore(sqliteStatePath(config, 'serve'), { writeBehind: false });
  const connect = createConnectClient(config.connect, { logger: logger.child({ service: 'connect' }) });
  const metrics = serveMetrics(store);
  const worker = startWriteBackWorker(config, { connect, store, logger, owner: writerId() }, (outcome) => metrics.wrote(outcome));
  const server = createServer(webhookHandler({ token: webhook.token, deptCode: config.cadence.deptCode, store, metrics, logger, journalled: () => worker.nudge() }));
  server.requestTimeout = 10_000;
  server.headersTimeout = 5000;
  const stop = async () => {
    await shutDown(server, async () => {
      await worker.stop();
      await connect.close();
    });
    store.close();
  };
  try {
    return { url: await listen(server, webhook.listen, logger), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function listen(server: Server, address: string, logger: Logger): Promise<string> {
  const { host, port } = parseListen(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  // The webhook path is logged without its token.
  const url = `http://${shown}:${bound.port}`;
  logger.info({ address: url, webhookPath: '/cadence/optouts/<token>' }, 'serve listening');
  return url;
}

function stopSignal(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      logger.info({ signal }, 'serve stopping: finishing the requests in flight');
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** Stops accepting, lets requests in flight finish, then `drain`; cuts off what is left at the deadline. */
async function shutDown(server: Server, drain: () => Promise<void>): Promise<void> {
  const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_MS);
  deadline.unref();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
  await Promise.race([drain(), new Promise((resolve) => setTimeout(resolve, Math.max(0, SHUTDOWN_MS - 1000)).unref())]);
  clearTimeout(deadline);
}

