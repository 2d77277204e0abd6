/**
 * Seeded, portable random numbers: the same seed gives the same draws in every browser
 * and in Node, because only 32-bit integer arithmetic (Math.imul, >>>) is used.
 * Generator: PCG-XSH-RR 32 on a 64-bit LCG state held as two 32-bit halves.
 * Every uniform can be logged, so a decode trace records the draws behind each decision.
 */

const MUL_HI = 0x5851f42d;
const MUL_LO = 0x4c957f2d;
const INC_HI = 0x14057b7e;
const INC_LO = 0xf767814f;

/** 64-bit multiply-add (hi:lo) * (mh:ml) + (ih:il), mod 2^64, on 16-bit limbs. */
function mulAdd64(hi: number, lo: number, mh: number, ml: number, ih: number, il: number): [number, number] {
  const a0 = lo & 0xffff, a1 = lo >>> 16, a2 = hi & 0xffff, a3 = hi >>> 16;
  const b0 = ml & 0xffff, b1 = ml >>> 16, b2 = mh & 0xffff, b3 = mh >>> 16;
  let c0 = a0 * b0 + (il & 0xffff);
  let c1 = (c0 >>> 16) + a0 * b1 + a1 * b0 + (il >>> 16);
  let c2 = Math.floor(c1 / 65536) + a0 * b2 + a1 * b1 + a2 * b0 + (ih & 0xffff);
  let c3 = Math.floor(c2 / 65536) + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + (ih >>> 16);
  c0 &= 0xffff;
  c1 &= 0xffff;
  c2 = c2 % 65536;
  c3 = c3 % 65536;
  return [((c3 << 16) | c2) >>> 0, ((c1 << 16) | c0) >>> 0];
}

export class Rng {
  private hi: number;
  private lo: number;
  /** Uniform draws since the last takeDraws(), when logging is on. */
  private log: number[] | null = null;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new Error(`seed must be a non-negative integer, got ${String(seed)}`);
    }
    this.hi = 0;
    this.lo = 0;
    this.step();
    const s = mulAdd64(0, 0, 0, 0, Math.floor(seed / 2 ** 32) >>> 0, seed >>> 0);
    const [h, l] = mulAdd64(this.hi, this.lo, 0, 1, s[0], s[1]);
    this.hi = h;
    this.lo = l;
    this.step();
  }

  private step(): void {
    const [h, l] = mulAdd64(this.hi, this.lo, MUL_HI, MUL_LO, INC_HI, INC_LO);
    this.hi = h;
    this.lo = l;
  }

  /** Next 32-bit unsigned integer (PCG-XSH-RR output of the old state). */
  nextU32(): number {
    const hi = this.hi, lo = this.lo;
    this.step();
    // xorshifted = ((state >> 18) ^ state) >> 27, as a 32-bit value
    const sh = (hi >>> 18);
    const sl = ((hi << 14) | (lo >>> 18)) >>> 0;
    const xh = (sh ^ hi) >>> 0;
    const xl = (sl ^ lo) >>> 0;
    const xorshifted = ((xh << 5) | (xl >>> 27)) >>> 0;
    const rot = hi >>> 27;
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    const u = (a * 67108864 + b) / 9007199254740992;
    if (this.log) this.log.push(u);
    return u;
  }

  /** Start (or restart) recording uniform draws. */
  startLog(): void {
    this.log = [];
  }

  /** The draws recorded since startLog()/the last takeDraws(); recording continues. */
  takeDraws(): number[] {
    const out = this.log ?? [];
    if (this.log) this.log = [];
    return out;
  }
}
