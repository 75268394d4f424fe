import { describe, expect, it } from 'vitest';
import { backoffDelay, RetriesExhausted, retryPolicy, TransientError, withRetry, type RetryPolicy } from './retry.js';

/** A policy whose sleeps are recorded and return at once. */
function instantPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy & { slept: number[] } {
  const slept: number[] = [];
  const policy = retryPolicy({
    sleep: async (ms) => {
      slept.push(ms);
    },
    random: () => 0.999_999,
    ...overrides,
  });
  return Object.assign(policy, { slept });
}

describe('backoffDelay', () => {
  it('doubles the ceiling per retry and caps it', () => {
    const policy = { baseDelayMs: 250, maxDelayMs: 30_000, random: () => 0.999_999 };
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((retry) => backoffDelay(retry, policy));
    expect(delays).toEqual([249, 499, 999, 1999, 3999, 7999, 15_999, 29_999, 29_999]);
  });

  it('draws the delay anywhere below the ceiling (full jitter)', () => {
    expect(backoffDelay(3, { baseDelayMs: 250, maxDelayMs: 30_000, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { baseDelayMs: 250, maxDelayMs: 30_000, random: () => 0.5 })).toBe(500);
  });
});

describe('withRetry', () => {
  it('retries transient failures with backoff until success', async () => {
    const policy = instantPolicy();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls < 3) throw new TransientError('status', 'HTTP 503', { status: 503 });
        return 'ok';
      },
      { policy },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(policy.slept).toEqual([249, 499]);
  });

  it('waits what Retry-After asks instead of the backoff, capped', async () => {
    const policy = instantPolicy({ retryAfterCapMs: 10_000 });
    const waits = [2000, 90_000];
    let calls = 0;
    await withRetry(
      async () => {
        const retryAfterMs = waits[calls++];
        if (retryAfterMs !== undefined) throw new TransientError('status', 'HTTP 429', { retryAfterMs });
        return 'ok';
      },
      { policy },
    );
    expect(policy.slept).toEqual([2000, 10_000]);
  });

  it('gives up after maxAttempts with the last failure', async () => {
    const policy = instantPolicy({ maxAttempts: 4 });
    let calls = 0;
    const failure = await withRetry(
      async () => {
        calls += 1;
        throw new TransientError('timeout', `timeout ${calls}`);
      },
      { policy },
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RetriesExhausted);
    expect((failure as RetriesExhausted).attempts).toBe(4);
    expect((failure as RetriesExhausted).last.message).toBe('timeout 4');
    expect(policy.slept).toHaveLength(3);
  });

  it('stops when a kind of failure exceeds its own budget', async () => {
    const policy = instantPolicy();
    let calls = 0;
    const failure = await withRetry(
      async () => {
        calls += 1;
        if (calls === 1) throw new TransientError('status', 'HTTP 503');
        throw new TransientError('unparseable', 'truncated', { maxFailures: 2 });
      },
      { policy },
    ).catch((error: unknown) => error);
    expect((failure as RetriesExhausted).attempts).toBe(3);
    expect(calls).toBe(3);
  });

  it('rides out more 429s than other failures: they have their own budget', async () => {
    const policy = instantPolicy({ maxAttempts: 3, maxRateLimited: 12 });
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        if (calls === 1) throw new TransientError('status', 'HTTP 503', { status: 503 });
        if (calls <= 11) throw new TransientError('status', 'HTTP 429', { status: 429, retryAfterMs: 0 });
        return 'ok';
      },
      { policy },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(12);
  });

  it('gives up after maxRateLimited 429s, and 429s do not spare other failures', async () => {
    const paced = instantPolicy({ maxAttempts: 3, maxRateLimited: 5 });
    const limited = await withRetry(
      async () => {
        throw new TransientError('status', 'HTTP 429', { status: 429, retryAfterMs: 0 });
      },
      { policy: paced },
    ).catch((error: unknown) => error);
    expect((limited as RetriesExhausted).attempts).toBe(5);

    const policy = instantPolicy({ maxAttempts: 3, maxRateLimited: 20 });
    let calls = 0;
    const failed = await withRetry(
      async () => {
        calls += 1;
        throw calls % 2 === 0 ? new TransientError('status', 'HTTP 429', { status: 429 }) : new TransientError('status', 'HTTP 503', { status: 503 });
      },
      { policy },
    ).catch((error: unknown) => error);
    // 503, 429, 503, 429, 503: the third 503 ends it.
    expect((failed as RetriesExhausted).attempts).toBe(5);
    expect((failed as RetriesExhausted).last.status).toBe(503);
  });

  it('does not retry other errors', async () => {
    const policy = instantPolicy();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw new Error('bad credentials');
        },
        { policy },
      ),
    ).rejects.toThrow('bad credentials');
    expect(calls).toBe(1);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const policy = retryPolicy({ baseDelayMs: 3_600_000, random: () => 0.5 });
    const pending = withRetry(
      async () => {
        queueMicrotask(() => controller.abort(new Error('stopped by the operator')));
        throw new TransientError('status', 'HTTP 503');
      },
      { policy, signal: controller.signal },
    );
    await expect(pending).rejects.toThrow('stopped by the operator');
  });
});
