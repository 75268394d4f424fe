/**
 * The emulator's deliberate misbehaviour: seeded random 429/5xx answers and failed batches,
 * and the per-key rate limit. Seeded so a test that found a bug can replay it exactly.
 */
import type { CadenceKnobs } from './model.js';

/** mulberry32: a tiny, fast, seedable PRNG giving floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return function next() {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type RequestFault = { status: 429; retryAfterSeconds: number } | { status: 500 | 502 | 503 };

export interface FaultInjector {
  /** Whether this request fails on purpose, and how. */
  requestFault(): RequestFault | undefined;
  /** Whether this batch ends `failed`. */
  batchFails(): boolean;
}

const SERVER_ERRORS = [500, 502, 503] as const;

/**
 * Draws faults from the knobs' current shares. Requests and batches use separate
 * generators, so the number of polls does not change which batches fail. A new
 * `knobs.seed` restarts both sequences.
 */
export function createFaultInjector(knobs: Readonly<CadenceKnobs>): FaultInjector {
  let seed = knobs.seed;
  let requestRandom = mulberry32(seed);
  let batchRandom = mulberry32(seed ^ 0x9e3779b9);
  function reseedIfChanged(): void {
    if (knobs.seed === seed) return;
    seed = knobs.seed;
    requestRandom = mulberry32(seed);
    batchRandom = mulberry32(seed ^ 0x9e3779b9);
  }
  return {
    requestFault() {
      reseedIfChanged();
      if (knobs.failure429Share <= 0 && knobs.failure5xxShare <= 0) return undefined;
      const draw = requestRandom();
      if (draw < knobs.failure429Share) return { status: 429, retryAfterSeconds: knobs.retryAfterSeconds };
      if (draw < knobs.failure429Share + knobs.failure5xxShare) {
        return { status: SERVER_ERRORS[Math.floor(requestRandom() * SERVER_ERRORS.length)] ?? 500 };
      }
      return undefined;
    },
    batchFails() {
      reseedIfChanged();
      if (knobs.batchFailedShare <= 0) return false;
      return batchRandom() < knobs.batchFailedShare;
    },
  };
}

export interface RateLimiter {
  /** Counts a request for `key` at `now` (ms); undefined when admitted, else the seconds to wait. */
  admit(key: string, now: number, limitPerSecond: number): number | undefined;
}

/** A sliding one-second window per key. Refused requests do not count against the key. */
export function createRateLimiter(): RateLimiter {
  const windows = new Map<string, number[]>();
  return {
    admit(key, now, limitPerSecond) {
      if (limitPerSecond <= 0) return undefined;
      let times = windows.get(key);
      if (!times) windows.set(key, (times = []));
      let expired = 0;
      while (expired < times.length && (times[expired] as number) <= now - 1000) expired++;
      if (expired > 0) times.splice(0, expired);
      if (times.length >= limitPerSecond) {
        const oldest = times[times.length - limitPerSecond] as number;
        return Math.max(1, Math.ceil((oldest + 1000 - now) / 1000));
      }
      times.push(now);
      return undefined;
    },
  };
}
