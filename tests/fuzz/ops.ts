// The operations the fuzzer drives through the module's raw ABI, and a seeded generator that
// picks them with hostile arguments: periods of one tick and of 2^63 and above, comparators all
// ones, counters near 2^64, time jumps up to 2^62 ns and beyond the ABI's range, bad sizes,
// offsets, inputs and doubles (NaN, infinities, fractions, -0).

import type { Random } from "../support/trace-generator.ts";

export interface Config {
  readonly timers: number;
  readonly msi: boolean;
  readonly intcap: number;
  readonly periodNs: number;
}

/** How a snapshot is spoiled before a restore (the restore must refuse it). */
export type Corruption =
  | { readonly kind: "bit"; readonly bit: number } //        flip bit `bit mod (length * 8)`
  | { readonly kind: "truncate"; readonly drop: number } //  drop the last `drop mod length + 1` bytes
  | { readonly kind: "extend"; readonly extra: number } //   append bytes that are not part of it
  | { readonly kind: "version" }; //                         a newer format version, CRC still valid

export type Op =
  | { readonly kind: "init"; readonly timers: number; readonly msi: number; readonly intcap: number; readonly periodNs: number }
  | { readonly kind: "reset" }
  | { readonly kind: "write"; readonly offset: number; readonly size: number; readonly value: bigint }
  /** write32(offset, value, timeNs): a 4-byte write, first moving to timeNs unless it is negative. */
  | { readonly kind: "write32"; readonly offset: number; readonly value: number; readonly timeNs: number }
  | { readonly kind: "read"; readonly offset: number; readonly size: number }
  | { readonly kind: "read32"; readonly offset: number; readonly timeNs: number }
  | { readonly kind: "input"; readonly input: number; readonly level: number }
  /** advance(time) or advance_f64(time), called again while incomplete, at most maxCalls times. */
  | { readonly kind: "advance"; readonly time: bigint | number; readonly maxCalls: number }
  | { readonly kind: "guest-errors"; readonly errorKind: number }
  | { readonly kind: "consume"; readonly count: number }
  | { readonly kind: "restore-self" }
  | { readonly kind: "restore-corrupt"; readonly corruption: Corruption };

/** The configuration an init sets, or undefined when the module must refuse it. */
export function initConfig(op: Extract<Op, { kind: "init" }>): Config | undefined {
  const valid = op.timers >= 3 && op.timers <= 32 && (op.msi === 0 || op.msi === 1) && op.periodNs >= 1 && op.periodNs <= 100;
  return valid ? { timers: op.timers, msi: op.msi === 1, intcap: op.intcap, periodNs: op.periodNs } : undefined;
}

export function describe(op: Op): string {
  return JSON.stringify(op, (_key, value: unknown) => {
    if (typeof value === "bigint") return `0x${value.toString(16)}n`;
    return typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
  });
}

/** What the generator may look at: the device as the fuzzer's model sees it. */
export interface Context {
  readonly config: Config;
  readonly windowSize: number;
  readonly now: bigint;
  /** Earliest armed deadline, or -1n. */
  readonly nextDeadline: bigint;
  /** The main counter now. */
  readonly counter: bigint;
  readonly holding: boolean;
}

export const MAX_TIME = (1n << 63n) - 1n;
const ALL_ONES = (1n << 64n) - 1n;
const TWO_63 = 1n << 63n;

/** Hostile doubles for the f64 time parameters. */
const BAD_DOUBLES = [NaN, Infinity, -Infinity, -1, 0.5, 2 ** 63, 2 ** 64, 1e300, -1e-300, Number.MIN_VALUE];

export class OpGenerator {
  constructor(private readonly rng: Random) {}

  next(ctx: Context): Op {
    const r = this.rng.below(1000);
    if (r < 240) return this.advance(ctx);
    if (r < 560) return this.write(ctx);
    if (r < 760) return this.read(ctx);
    if (r < 830) return { kind: "input", input: this.bit(0.05), level: this.bit(0.05) };
    if (r < 840) return { kind: "reset" };
    if (r < 850) return { kind: "guest-errors", errorKind: this.rng.pick([0, 1, 0, 1, 2, -1, 0x7fffffff]) };
    if (r < 870) return ctx.holding ? { kind: "consume", count: this.rng.pick([1, 2, this.rng.below(600), -1]) } : this.write(ctx);
    if (r < 875) return { kind: "restore-self" };
    if (r < 880) return { kind: "restore-corrupt", corruption: this.corruption() };
    if (r < 881) return this.init();
    return this.rng.chance(0.5) ? this.write(ctx) : this.advance(ctx);
  }

  /** A configuration for a new epoch; sometimes an invalid one (the module must refuse it). */
  init(): Op {
    const rng = this.rng;
    if (rng.chance(0.3)) {
      return rng.pick<Op>([
        { kind: "init", timers: rng.pick([0, 1, 2, 33, 64, -1]), msi: 0, intcap: 0, periodNs: 10 },
        { kind: "init", timers: 32, msi: rng.pick([2, -1]), intcap: 0, periodNs: 10 },
        { kind: "init", timers: 32, msi: 1, intcap: -1, periodNs: rng.pick([0, 101, -10, 0x7fffffff]) },
      ]);
    }
    return { kind: "init", ...this.config() };
  }

  config(): { timers: number; msi: number; intcap: number; periodNs: number } {
    const rng = this.rng;
    return {
      timers: rng.pick([32, 32, 32, 3, 4, 8, 24, 25, 31]),
      msi: rng.below(2),
      intcap: rng.chance(0.5) ? 0x00ff0004 : Number(BigInt.asIntN(32, rng.next64())),
      periodNs: rng.pick([10, 1, 1, 100, 1 + rng.below(100)]),
    };
  }

  // --- Time --------------------------------------------------------------------------------------

  private advance(ctx: Context): Op {
    const maxCalls = 1 + this.rng.below(4);
    const rng = this.rng;
    if (rng.chance(0.04)) {
      // Misuse: backwards, negative, or beyond the i64 range (which wraps).
      const time = rng.pick([ctx.now - 1n - BigInt(rng.below(1000)), -1n, -TWO_63, TWO_63, (1n << 64n) + BigInt(rng.below(100))]);
      return { kind: "advance", time, maxCalls };
    }
    const target = this.target(ctx);
    if (rng.chance(0.2)) {
      // advance_f64: the target as a double (rounded), or a hostile double.
      return { kind: "advance", time: rng.chance(0.8) ? Number(target) : rng.pick([...BAD_DOUBLES, Number(ctx.now) + 0.5, -0]), maxCalls };
    }
    return { kind: "advance", time: target, maxCalls };
  }

  /** A valid time at or after now, from "no time at all" to jumps of 2^62 ns and the end of time. */
  private target(ctx: Context): bigint {
    const rng = this.rng;
    const now = ctx.now;
    let time: bigint;
    switch (rng.below(16)) {
      case 0: time = now; break;
      case 1: case 2: case 3: time = now + BigInt(rng.below(2000)); break;
      case 4: case 5: case 6:
        time = ctx.nextDeadline >= 0n ? ctx.nextDeadline + BigInt(rng.below(3)) - 1n : now + 1n;
        break;
      case 7: case 8: time = now + BigInt(rng.below(1_000_000)); break;
      case 9: time = now + BigInt(rng.below(1_000_000_000)); break;
      case 10: time = now + (rng.next64() >> 24n); break; //      up to 2^40 ns
      case 11: time = now + (rng.next64() >> 2n); break; //       up to 2^62 ns
      case 12: time = MAX_TIME - BigInt(rng.below(3)); break;
      default: time = now + BigInt(rng.below(20_000)); break;
    }
    if (time < now) time = now;
    return time > MAX_TIME ? MAX_TIME : time;
  }

  /** The time parameter of read32/write32: mostly "stay" (-1), else a time to move to. */
  private accessTime(ctx: Context): number {
    const rng = this.rng;
    if (rng.chance(0.6)) return rng.pick([-1, -1, -2, -(2 ** 53)]);
    switch (rng.below(6)) {
      case 0: return Number(ctx.now);
      case 1: return Number(ctx.now) + rng.below(2000);
      case 2: return ctx.nextDeadline >= 0n ? Number(ctx.nextDeadline) - rng.below(2) : Number(ctx.now) + 1;
      case 3: return ctx.now > 0n ? Number(ctx.now) - 1 - rng.below(10) : 0;
      case 4: return rng.pick([...BAD_DOUBLES, -0.5]);
      default: return Number(this.target(ctx));
    }
  }

  // --- Register accesses -------------------------------------------------------------------------

  private write(ctx: Context): Op {
    const rng = this.rng;
    const [offset, register] = this.offset(ctx);
    const value = this.valueFor(ctx, register);
    const size = this.size();
    if (size === 4 && rng.chance(0.3)) {
      // write32: the value is an i32 parameter; the host may pass anything that converts.
      const low = Number(value & 0xffff_ffffn);
      const asNumber = rng.chance(0.1) ? rng.pick([NaN, 1.5, -1, 2 ** 32 + 5, -(2 ** 40)]) : low;
      return { kind: "write32", offset: this.mangleOffset(offset), value: asNumber, timeNs: this.accessTime(ctx) };
    }
    // A value outside the i64 range converts modulo 2^64.
    const raw = rng.chance(0.05) ? value + rng.pick([1n << 64n, -(1n << 64n)]) : value;
    return { kind: "write", offset: this.mangleOffset(offset), size, value: raw };
  }

  private read(ctx: Context): Op {
    const [offset] = this.offset(ctx);
    const size = this.size();
    if (size === 4 && this.rng.chance(0.3)) {
      return { kind: "read32", offset: this.mangleOffset(offset), timeNs: this.accessTime(ctx) };
    }
    return { kind: "read", offset: this.mangleOffset(offset), size };
  }

  /** Mostly 8- and 4-byte accesses; some guest errors (1, 2 bytes) and host errors (other sizes). */
  private size(): number {
    const r = this.rng.below(100);
    if (r < 50) return 8;
    if (r < 90) return 4;
    if (r < 95) return this.rng.pick([1, 2]);
    return this.rng.pick([0, 3, 5, 7, 16, -1, 0x7fffffff, -0x80000000]);
  }

  /** An offset and the register it aims at ("gen", "isr", "counter", "conf", "cmp", "fsb", "other"). */
  private offset(ctx: Context): [number, string] {
    const rng = this.rng;
    const r = rng.below(100);
    const half = rng.chance(0.25) ? 4 : 0;
    if (r < 14) return [0x010 + half, "gen"];
    if (r < 19) return [0x020 + half, "isr"];
    if (r < 26) return [0x0f0 + half, "counter"];
    if (r < 30) return [rng.pick([0x000, 0x004]), "cap"];
    if (r < 90) {
      const n = this.timer(ctx);
      const register = rng.below(10);
      if (register < 4) return [0x100 + 0x20 * n + half, "conf"];
      if (register < 9) return [0x108 + 0x20 * n + half, "cmp"];
      return [0x110 + 0x20 * n + half, "fsb"];
    }
    // Reserved registers, a missing timer's reserved slot, the window's last word.
    return [rng.pick([0x008, 0x018, 0x028, 0x0e8, 0x0f8, 0x118, ctx.windowSize - 4, ctx.windowSize - 8]), "other"];
  }

  /** Mostly existing timers, sometimes the first missing one or any of the 32. */
  private timer(ctx: Context): number {
    const rng = this.rng;
    if (rng.chance(0.9)) return rng.below(Math.min(ctx.config.timers, rng.chance(0.7) ? 4 : 32));
    return rng.chance(0.5) ? Math.min(ctx.config.timers, 31) : rng.below(32);
  }

  /** Misaligned, outside the window, or not an integer, now and then. */
  private mangleOffset(offset: number): number {
    const rng = this.rng;
    const r = rng.below(100);
    if (r < 4) return offset + 1 + rng.below(7);
    if (r < 6) return rng.pick([0x400, 0x500, 0x1000, -1, -8, 0x7fffffff, -0x80000000]);
    if (r < 7) return rng.pick([offset + 0.5, NaN, offset + 2 ** 32]);
    return offset;
  }

  private valueFor(ctx: Context, register: string): bigint {
    const rng = this.rng;
    if (rng.chance(0.1)) return this.hostile(ctx);
    switch (register) {
      case "gen": return BigInt(rng.below(4));
      case "isr": return rng.pick([ALL_ONES, BigInt(1 << rng.below(32)), rng.next64()]);
      case "counter": return this.hostile(ctx);
      case "conf": return this.timerConfig();
      case "cmp": return this.comparator(ctx);
      default: return rng.next64();
    }
  }

  /** Tn_CONF with the writable bits in useful combinations, now and then junk in the others. */
  private timerConfig(): bigint {
    const rng = this.rng;
    let conf = 0n;
    if (rng.chance(0.5)) conf |= 1n << 1n; //  level
    if (rng.chance(0.7)) conf |= 1n << 2n; //  interrupt enable
    if (rng.chance(0.45)) conf |= 1n << 3n; // periodic
    if (rng.chance(0.3)) conf |= 1n << 6n; //  VAL_SET
    if (rng.chance(0.25)) conf |= 1n << 8n; // 32-bit mode
    conf |= BigInt(rng.below(32)) << 9n; //     route
    if (rng.chance(0.25)) conf |= 1n << 14n; // FSB delivery
    return rng.chance(0.1) ? conf | (rng.next64() & ~0x7f4en) : conf;
  }

  /** Comparator or period values: one tick, near the counter, near wraps, 2^63 and above, all ones. */
  private comparator(ctx: Context): bigint {
    const rng = this.rng;
    const c = ctx.counter;
    const value = rng.pick([
      1n, 2n, 0n, BigInt(1 + rng.below(200)), BigInt(rng.below(200_000)), c + BigInt(rng.below(500)),
      c + BigInt(rng.below(1_000_000)), c - BigInt(rng.below(100)), (c | 0xffff_ffffn) - BigInt(rng.below(300)),
      (c | 0xffff_ffffn) + 1n + BigInt(rng.below(300)), ALL_ONES, ALL_ONES - 1n, TWO_63, TWO_63 + 1n,
      TWO_63 - 1n, ALL_ONES - BigInt(rng.below(100_000)), rng.next64(),
    ]);
    return BigInt.asUintN(64, value);
  }

  private hostile(ctx: Context): bigint {
    const rng = this.rng;
    return BigInt.asUintN(64, rng.pick([
      0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, TWO_63 - 1n, TWO_63, ALL_ONES, ALL_ONES - BigInt(rng.below(5000)),
      0xffff_ff00n + BigInt(rng.below(0x200)), ctx.counter + BigInt(rng.below(100)), rng.next64(),
    ]));
  }

  private corruption(): Corruption {
    const rng = this.rng;
    switch (rng.below(4)) {
      case 0: return { kind: "truncate", drop: rng.below(1 << 16) };
      case 1: return { kind: "extend", extra: 1 + rng.below(64) };
      case 2: return { kind: "version" };
      default: return { kind: "bit", bit: rng.below(1 << 30) };
    }
  }

  private bit(badRate: number): number {
    return this.rng.chance(badRate) ? this.rng.pick([2, -1, 255]) : this.rng.below(2);
  }
}
