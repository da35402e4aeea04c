// A small seeded PRNG: the seed data must be reproducible (same seed, same rows) and cheap to draw from
// millions of times, which rules out Math.random and crypto.

/** Mixes two 32-bit values into a well-spread 32-bit seed (murmur3 finaliser), for independent sub-streams. */
export function mixSeed(a: number, b: number): number {
  let h = (a ^ Math.imul(b | 0, 0x9e3779b9)) | 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** mulberry32: 32 bits of state, fast, and good enough for test data (not for secrets). */
export class Random {
  #state: number

  constructor(seed: number) {
    this.#state = seed | 0
  }

  /** Restarts the stream from a new seed without allocating a new generator. */
  reseed(seed: number): void {
    this.#state = seed | 0
  }

  /** A uniform float in [0, 1). */
  float(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n)
  }

  /** A uniform integer in [min, max], both ends included. */
  between(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1))
  }

  /** A uniform element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.float() * list.length)]!
  }
}
