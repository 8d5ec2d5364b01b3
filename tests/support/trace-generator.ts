// A seeded generator of random guest traces in the replay format: every register (and some
// reserved, missing-timer and misaligned offsets), both access sizes and halves, resets, legacy
// inputs and the timer-count classes 3, 8, 24, 25 and 32, msi on and off. Values lean towards
// the interesting ones: counter and comparators near 32- and 64-bit wraps, tiny and huge periods.

export interface GeneratorOptions {
  /** Operations to emit (default 40..240, chosen by the seed). */
  ops?: number;
  /** Force a timer count (default: one of 3, 8, 24, 25, 32). */
  timers?: number;
  /** Probability of an `s` (snapshot, restore, continue) line between operations (default 0). */
  snapshotRate?: number;
}

export const TIMER_CLASSES = [3, 8, 24, 25, 32] as const;

/** xorshift128+: small, fast and deterministic across platforms. */
export class Random {
  private s0: bigint;
  private s1: bigint;
  constructor(seed: number) {
    this.s0 = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + 1n);
    this.s1 = BigInt.asUintN(64, (this.s0 ^ 0xdeadbeefcafebaben) * 0xbf58476d1ce4e5b9n);
    for (let i = 0; i < 8; i++) this.next64();
  }
  next64(): bigint {
    let x = this.s0;
    const y = this.s1;
    this.s0 = y;
    x = BigInt.asUintN(64, x ^ (x << 23n));
    this.s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return BigInt.asUintN(64, this.s1 + y);
  }
  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Number(this.next64() % BigInt(n));
  }
  chance(p: number): boolean {
    return this.below(1_000_000) < p * 1_000_000;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

const ALL_ONES = (1n << 64n) - 1n;
const hex = (value: bigint | number): string => `0x${value.toString(16)}`;

export function generateTrace(seed: number, options: GeneratorOptions = {}): string {
  const rng = new Random(seed);
  const timers = options.timers ?? rng.pick(TIMER_CLASSES);
  const msi = rng.chance(0.5);
  const intcap = rng.chance(0.7) ? 0x00ff0004 : Number(rng.next64() & 0xffff_ffffn);
  const count = options.ops ?? 40 + rng.below(201);
  const lines = [`# generated, seed ${seed}`, `config timers=${timers} msi=${msi ? 1 : 0} intcap=${hex(intcap)}`];
  let time = 0n;
  // A rough model of the counter, to aim comparators near it.
  let counter = 0n;
  let enabled = false;

  const timerOffset = (): number => {
    // Mostly existing timers; sometimes the first missing one, or one past the window's end.
    const n = rng.chance(0.92) ? rng.below(Math.min(timers, 4) + (rng.chance(0.3) ? timers : 0)) % timers
      : rng.chance(0.5) ? timers : rng.below(32);
    return 0x100 + 0x20 * n;
  };
  const comparatorValue = (): bigint => {
    switch (rng.below(7)) {
      case 0: return counter + BigInt(rng.below(200)); //                  soon
      case 1: return counter + BigInt(rng.below(100_000)); //              later
      case 2: return counter - BigInt(rng.below(50)); //                   in the past
      case 3: return ALL_ONES - BigInt(rng.below(3)); //                   never
      case 4: return (counter | 0xffff_ffffn) - BigInt(rng.below(100)); // near a 32-bit wrap
      case 5: return BigInt(rng.below(4)); //                              tiny (period 0..3)
      default: return rng.next64(); //                                     anything
    }
  };
  const configValue = (): bigint => {
    let value = BigInt(rng.below(0x10000)) & 0x7f4en; // writable bits, random
    if (rng.chance(0.6)) value |= 0x4n; //             INT_ENB mostly on
    if (rng.chance(0.3)) value &= ~0x4000n; //         FSB_EN less often
    return value | (rng.chance(0.1) ? rng.next64() & ~0xffffn : 0n);
  };
  const counterValue = (): bigint => rng.pick([
    0n, BigInt(rng.below(1000)), 0xffff_ff00n + BigInt(rng.below(0x200)),
    ALL_ONES - BigInt(rng.below(5000)), rng.next64(),
  ]);

  const write = (offset: number, value: bigint): void => {
    const r = rng.below(10);
    if (r < 5) lines.push(`w ${hex(offset)} 8 ${hex(BigInt.asUintN(64, value))}`);
    else if (r < 8) lines.push(`w ${hex(offset)} 4 ${hex(value & 0xffff_ffffn)}`);
    else lines.push(`w ${hex(offset + 4)} 4 ${hex((value >> 32n) & 0xffff_ffffn)}`);
  };
  const read = (offset: number): void => {
    const r = rng.below(10);
    if (r < 5) lines.push(`r ${hex(offset)} 4`);
    else if (r < 8) lines.push(`r ${hex(offset)} 8`);
    else lines.push(`r ${hex(offset + 4)} 4`);
  };

  for (let i = 0; i < count; i++) {
    if (options.snapshotRate && rng.chance(options.snapshotRate)) lines.push("s");
    const choice = rng.below(100);
    if (choice < 22) {
      const step = rng.pick([0n, 1n, 9n, 10n, 11n, BigInt(rng.below(1000)), BigInt(rng.below(20_000)),
        BigInt(rng.below(200_000)), BigInt(rng.below(2_000_000))]);
      time += step;
      if (enabled) counter += step / 10n;
      lines.push(`t ${time}`);
    } else if (choice < 32) {
      const value = BigInt(rng.below(4));
      enabled = (value & 1n) === 1n;
      write(0x10, value);
    } else if (choice < 48) {
      write(timerOffset(), configValue());
    } else if (choice < 66) {
      write(timerOffset() + 8, comparatorValue());
    } else if (choice < 69) {
      write(timerOffset() + 0x10, rng.next64());
    } else if (choice < 73) {
      write(0x20, rng.chance(0.5) ? ALL_ONES : rng.next64());
    } else if (choice < 77) {
      const value = counterValue();
      if (!enabled) counter = value;
      write(0xf0, value);
    } else if (choice < 92) {
      read(rng.pick([0x0, 0x10, 0x20, 0xf0, 0xf0, timerOffset(), timerOffset() + 8, timerOffset() + 0x10]));
    } else if (choice < 95) {
      lines.push(`i ${rng.below(2)} ${rng.below(2)}`);
    } else if (choice < 96) {
      lines.push("x");
      enabled = false;
      counter = 0n;
    } else {
      // Reserved offsets, misaligned and sub-word accesses: guest errors or ignored registers.
      const offset = rng.pick([0x8, 0x18, 0x28, 0x80, 0xf8, 0x118, 0x3fc, 0x4f8, 0x102, 0x10c]);
      const size = rng.pick([4, 8]);
      if (rng.chance(0.5)) lines.push(`r ${hex(offset)} ${size}`);
      else lines.push(`w ${hex(offset)} ${size} ${hex(size === 4 ? rng.next64() & 0xffff_ffffn : rng.next64())}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
