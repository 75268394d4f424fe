/**
 * Seeded pseudo-random numbers for the sandbox (mulberry32): the generated data and the
 * emulator's injected faults depend only on the seed, so a failing run can be replayed.
 * Not for anything that needs real randomness.
 */

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer from `min` to `max`, both included. */
  int(min: number, max: number): number;
  /** True with the given probability. */
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** A weighted choice, prepared once and drawn many times (no allocation per draw). */
export type WeightedPicker<T> = (random: Random) => T;

/** Creates a generator; the same seed always gives the same sequence. */
export function createRandom(seed: number): Random {
  let state = Math.trunc(seed) >>> 0;

  function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick: (items) => {
      if (items.length === 0) throw new Error('cannot pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
  };
}

/** Prepares a choice among `[value, weight]` pairs; weights need not sum to 1. */
export function weighted<T>(choices: readonly (readonly [T, number])[]): WeightedPicker<T> {
  if (choices.length === 0) throw new Error('cannot pick from an empty list');
  const values = choices.map(([value]) => value);
  const bounds: number[] = [];
  let total = 0;
  for (const [, weight] of choices) {
    total += weight;
    bounds.push(total);
  }
  return (random) => {
    const target = random.next() * total;
    for (let index = 0; index < bounds.length; index++) {
      if (target < bounds[index]!) return values[index]!;
    }
    return values[values.length - 1]!;
  };
}
