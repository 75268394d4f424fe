/**
 * Builds the real adapters a command talks to from the config: the Connect and Cadence
 * clients and the team's state. The one place that knows which adapter serves which port.
 */
import { createCadenceClient } from '../adapters/cadence/client.js';
import { createConnectClient, type ConnectClient } from '../adapters/connect/client.js';
import { openPostgresState } from '../adapters/postgres/state.js';
import { openSqliteState } from '../adapters/sqlite/state.js';
import type { Config } from '../config/schema.js';
import type { CadenceSink } from '../core/ports.js';
import type { State } from '../core/state.js';
import { InterruptedError } from '../errors.js';
import type { Logger } from '../log.js';

export interface Services {
  /** The Connect port, plus what the client tells about the instance (validate-config's paging report). */
  connect: ConnectClient;
  cadence: CadenceSink;
  /** The state's roles: what commands and the core use. */
  state: State;
  /** Closes the HTTP pools and the state. */
  close(): Promise<void>;
}

export interface OpenStateOptions {
  /** Opened without writing anything (dry runs, `status`). */
  readonly?: boolean;
  /**
   * Every write is committed before its promise resolves, in short transactions: for serve,
   * which shares the state with runs for as long as it lives. (PostgreSQL always does.)
   */
  writeThrough?: boolean;
}

/**
 * Opens the team's state named by `config.state`. The one place that picks the state's
 * backend: the SQLite file at `state.path`, or PostgreSQL at `state.url` for the team
 * `cadence.deptCode` + `connect.clientName` (connected on first use).
 */
export function openState(config: Config, options: OpenStateOptions = {}): State {
  const readonly = options.readonly === true;
  if (config.state.url !== undefined) {
    return openPostgresState(config.state.url, { deptCode: config.cadence.deptCode, clientName: config.connect.clientName }, { readonly });
  }
  return openSqliteState(config.state.path, { readonly, ...(options.writeThrough === true && { writeBehind: false }) });
}

/** Opens the services; `readonly` opens the state without writing anything (dry runs). */
export function openServices(config: Config, logger: Logger, options: { readonly?: boolean } = {}): Services {
  const state = openState(config, options);
  const connect = createConnectClient(config.connect, { logger: logger.child({ service: 'connect' }) });
  const cadence = createCadenceClient(config.cadence, { logger: logger.child({ service: 'cadence' }) });
  return {
    connect,
    cadence,
    state,
    async close() {
      await Promise.allSettled([connect.close(), cadence.close()]);
      await state.close();
    },
  };
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** The reason a run past `--max-minutes` stops for: an interruption (exit 3), named for the operator. */
export class DeadlineError extends InterruptedError {
  constructor(maxMinutes: number) {
    super('--max-minutes');
    this.message = `stopped after --max-minutes ${maxMinutes}`;
    this.name = 'DeadlineError';
  }
}

/**
 * An AbortSignal that fires on SIGINT or SIGTERM, or once the run has taken `maxMinutes`,
 * so a run stops fetching, lets the batches in flight finish and records what they
 * confirmed. A second signal exits at once.
 */
export function interruptSignal(logger: Logger, options: { maxMinutes?: number } = {}): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    logger.warn({ signal: name }, 'stopping: finishing the batches in flight (signal again to quit at once)');
    controller.abort(new InterruptedError(name));
  };
  const { maxMinutes } = options;
  // Past setTimeout's range (about 24 days) a timer would fire at once: no deadline then.
  const timer =
    maxMinutes === undefined || maxMinutes * 60_000 > MAX_TIMER_MS
      ? undefined
      : setTimeout(() => {
          if (controller.signal.aborted) return;
          logger.warn({ maxMinutes }, 'stopping: the run took longer than --max-minutes; finishing the batches in flight');
          controller.abort(new DeadlineError(maxMinutes));
        }, maxMinutes * 60_000);
  // The timer must not keep a finished process alive.
  timer?.unref();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
