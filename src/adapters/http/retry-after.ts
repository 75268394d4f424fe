/**
 * The `Retry-After` response header (RFC 9110 §10.2.3): a number of seconds or an
 * HTTP-date. Both services may send either form with 429 and 503 answers.
 */

const SECONDS = /^\d+(?:\.\d+)?$/;

/**
 * How long a `Retry-After` value asks the client to wait, in milliseconds, at most `capMs`.
 * Undefined when the header is absent or unreadable (the caller falls back to backoff);
 * a date in the past is 0.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, options: { nowMs: number; capMs: number }): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  let waitMs: number;
  if (SECONDS.test(text)) {
    waitMs = Number(text) * 1000;
  } else {
    // Only date-shaped text: Date.parse would also take "5" or "2026" as a date.
    if (!/[A-Za-z]/.test(text)) return undefined;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    waitMs = at - options.nowMs;
  }
  return Math.min(Math.max(0, Math.ceil(waitMs)), options.capMs);
}
