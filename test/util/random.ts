/** Seeded random numbers, so a failing case can be replayed from the seed in its name. */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** A uniformly random 64-bit pattern as a signed or unsigned bigint. */
  bits64(signed: boolean): bigint {
    const v = (BigInt(this.int(0, 0xffffffff)) << 32n) | BigInt(this.int(0, 0xffffffff));
    return signed ? BigInt.asIntN(64, v) : v;
  }
}

/** A fresh seed per run unless DUSK_TEST_SEED fixes it. */
export function testSeed(): number {
  const fixed = process.env.DUSK_TEST_SEED;
  return fixed !== undefined ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
}
