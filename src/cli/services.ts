/**
 * Builds the real adapters a command talks to from the config: the Connect and Cadence
 * clients and the state file. The one place that knows which adapter serves which port.
 */
import { createCadenceClient } from '../adapters/cadence/client.js';
import { createConnectClient, type ConnectClient } from '../adapters/connect/client.js';
import { openStateStore, type SqliteStateStore } from '../adapters/sqlite/store.js';
import type { Config } from '../config/schema.js';
import type { CadenceSink } from '../core/ports.js';
import { InterruptedError } from '../errors.js';
import type { Logger } from '../log.js';

export interface Services {
  /** The Connect port, plus what the client tells about the instance (validate-config's paging report). */
  connect: ConnectClient;
  cadence: CadenceSink;
  store: SqliteStateStore;
  /** Closes the HTTP pools and the state file. */
  close(): Promise<void>;
}

/** Opens the services; `readonly` opens the state file without writing anything (dry runs). */
export function openServices(config: Config, logger: Logger, options: { readonly?: boolean } = {}): Services {
  const store = openStateStore(config.state.path, { readonly: options.readonly === true });
  const connect = createConnectClient(config.connect, { logger: logger.child({ service: 'connect' }) });
  const cadence = createCadenceClient(config.cadence, { logger: logger.child({ service: 'cadence' }) });
  return {
    connect,
    cadence,
    store,
    async close() {
      await Promise.allSettled([connect.close(), cadence.close()]);
      store.close();
    },
  };
}

/**
 * An AbortSignal that fires on SIGINT or SIGTERM, so a run stops fetching, lets the
 * batches in flight finish and records what they confirmed. A second signal exits at once.
 */
export function interruptSignal(logger: Logger): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    logger.warn({ signal: name }, 'stopping: finishing the batches in flight (signal again to quit at once)');
    controller.abort(new InterruptedError(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
