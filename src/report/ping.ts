/**
 * Pings for a monitor (product.md §12, the healthchecks.io convention): `<url>/start` when
 * an import starts, `<url>` when it ends with exit 0 or 1, `<url>/fail` otherwise, each
 * with the one-line summary as body. The URL is a secret (it is the monitor's credential):
 * it never reaches a log line. A ping that fails is logged and changes nothing.
 */
import type { Logger } from 'pino';

/** Seconds one ping may take: a slow monitor must not hold the run up. */
const PING_TIMEOUT_MS = 10_000;

export type PingKind = 'start' | 'success' | 'fail';

export interface Pinger {
  ping(kind: PingKind, body: string): Promise<void>;
}

/** The URL a ping of `kind` goes to. */
export function pingTarget(url: string, kind: PingKind): string {
  if (kind === 'success') return url;
  const base = new URL(url);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/${kind}`;
  return base.toString();
}

/** Which ping ends a run with this exit code. */
export function endPing(exitCode: number): PingKind {
  return exitCode === 0 || exitCode === 1 ? 'success' : 'fail';
}

/** A pinger for `url`; one that does nothing without a URL. */
export function createPinger(url: string | undefined, logger: Logger): Pinger {
  if (url === undefined) return { ping: async () => {} };
  return {
    async ping(kind, body) {
      try {
        const response = await fetch(pingTarget(url, kind), {
          method: 'POST',
          body,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          signal: AbortSignal.timeout(PING_TIMEOUT_MS),
        });
        await response.body?.cancel();
        if (!response.ok) logger.warn({ ping: kind, status: response.status }, 'monitor ping not accepted');
        else logger.debug({ ping: kind }, 'monitor pinged');
      } catch (error) {
        // The error text of fetch may hold the URL: only its kind is logged.
        logger.warn({ ping: kind, error: errorKind(error) }, 'monitor ping failed');
      }
    },
  };
}

/** `ECONNREFUSED`, `TimeoutError`: what went wrong, without a message that may quote the URL. */
function errorKind(error: unknown): string {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'error';
}
