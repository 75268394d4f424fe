/**
 * Retrying transient failures: exponential backoff with full jitter, `Retry-After`
 * honoured (capped), a per-kind budget ("an unparseable answer is retried once"), and
 * abortable waits. Clock, sleep and randomness are injectable so tests run instantly.
 */
import type { Logger } from '../../log.js';

export interface RetryPolicy {
  /** Attempts in all, the first included (429 answers aside: see maxRateLimited). */
  maxAttempts: number;
  /**
   * 429 answers a call tolerates. They are the server pacing the client (with Retry-After),
   * not failing, so they have their own budget and do not count toward maxAttempts.
   */
  maxRateLimited: number;
  /** Backoff ceiling of the first retry; it doubles with each retry. */
  baseDelayMs: number;
  /** Backoff ceiling never exceeds this. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is shortened to it. */
  retryAfterCapMs: number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** In [0, 1). */
  random(): number;
  /** Milliseconds since the epoch (for `Retry-After` dates). */
  now(): number;
}

/** Waits `ms`, rejecting with the signal's reason when it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Six attempts (and twenty 429s), backoff from 250 ms doubling up to 30 s, Retry-After capped at 60 s. */
export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 6,
  maxRateLimited: 20,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  retryAfterCapMs: 60_000,
  sleep: abortableSleep,
  random: Math.random,
  now: Date.now,
};

/** The default policy with some settings replaced. */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...defaultRetryPolicy, ...overrides };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) throw new Error('retry policy: maxAttempts must be a positive integer');
  if (!Number.isInteger(policy.maxRateLimited) || policy.maxRateLimited < 1) throw new Error('retry policy: maxRateLimited must be a positive integer');
  return policy;
}

/** Full-jitter backoff before retry number `retry` (1 = the first retry). */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(policy.random() * ceiling);
}

/** What kind of transient failure happened; adapters word their final error by it. */
export type FailureKind = 'unreachable' | 'timeout' | 'network' | 'status' | 'fault' | 'unparseable';

/** A failure worth another attempt. Anything else thrown by an attempt ends the call at once. */
export class TransientError extends Error {
  readonly kind: FailureKind;
  readonly status: number | undefined;
  /** Wait asked for by the server (already capped), instead of the backoff. */
  readonly retryAfterMs: number | undefined;
  /** Failures of this kind after which the call gives up; default: only maxAttempts limits. */
  readonly maxFailures: number | undefined;
  constructor(kind: FailureKind, message: string, options: { status?: number; retryAfterMs?: number; maxFailures?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TransientError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.maxFailures = options.maxFailures;
  }
}

/** Every attempt failed transiently; `last` is the final failure. */
export class RetriesExhausted extends Error {
  readonly attempts: number;
  readonly last: TransientError;
  constructor(attempts: number, last: TransientError) {
    super(`${last.message} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`, { cause: last });
    this.name = 'RetriesExhausted';
    this.attempts = attempts;
    this.last = last;
  }
}

export interface RetryOptions {
  policy: RetryPolicy;
  signal?: AbortSignal;
  logger?: Logger;
  /** Added to the retry log line (service, path…); never secrets. */
  context?: Record<string, unknown>;
}

/**
 * Runs `operation` until it succeeds, throws a non-transient error, or the attempts (or
 * the failing kind's budget) run out, which throws RetriesExhausted.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, signal, logger } = options;
  const failures = new Map<FailureKind, number>();
  let rateLimited = 0;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      const count = (failures.get(error.kind) ?? 0) + 1;
      failures.set(error.kind, count);
      if (error.status === 429) rateLimited += 1;
      const exhausted = error.status === 429 ? rateLimited >= policy.maxRateLimited : attempt - rateLimited >= policy.maxAttempts;
      if (exhausted || count >= (error.maxFailures ?? Number.POSITIVE_INFINITY)) {
        throw new RetriesExhausted(attempt, error);
      }
      const delayMs =
        error.retryAfterMs === undefined ? backoffDelay(attempt, policy) : Math.min(error.retryAfterMs, policy.retryAfterCapMs);
      logger?.warn({ ...options.context, attempt, delayMs, reason: error.message }, 'retrying request');
      await policy.sleep(delayMs, signal);
    }
  }
}
