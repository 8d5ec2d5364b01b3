// A seeded generator of adversarial guest traces: values from the edges of every arithmetic
// range (counter and comparators near 2^32 and 2^64 wraps, periods of 0, 1 and 2^63 and up,
// times near 2^63), each trace leaning on one focus area. Complements trace-generator.ts, whose
// traces are closer to what guests do.
import { Random } from "./trace-generator.ts";

const ONES = (1n << 64n) - 1n;
const T63 = (1n << 63n) - 1n;
const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

export type Focus = "mixed" | "wrap64" | "wrap32" | "storm" | "bigtimers" | "legacy" | "fsb" | "halves" | "farTime" | "shared";
export const FOCI: Focus[] = ["mixed", "wrap64", "wrap32", "storm", "bigtimers", "legacy", "fsb", "halves", "farTime", "shared"];

export function adversarialTrace(seed: number, focus: Focus, snapshotRate = 0): string {
  const r = new Random(seed * 7919 + FOCI.indexOf(focus));
  const timers = focus === "bigtimers" ? 24 + r.below(9) : r.pick([3, 3, 4, 8, 24, 25, 32]);
  const msi = r.chance(0.5);
  const intcap = r.chance(0.6) ? 0x00ff0004 : Number(r.next64() & 0xffffffffn);
  const lines = [`# adversarial ${focus} seed ${seed}`, `config timers=${timers} msi=${msi ? 1 : 0} intcap=${hex(intcap)}`];
  let time = 0n;
  let counter = 0n; let enabled = false; // rough guess of the counter
  const small = (n: number) => BigInt(r.below(n));
  const counterPool = (): bigint => r.pick([
    () => ONES - small(300), () => ONES - small(5), () => (ONES - 0xffffffffn) - small(200),
    () => (1n << 32n) - small(300), () => (1n << 63n) - small(300), () => (1n << 63n) + small(300),
    () => ONES / 10n - small(300), () => T63 / 10n - small(300), () => small(100), () => r.next64(),
    () => ((r.next64() | 0xffffffffn) - small(300)) & ONES,
  ])();
  const timerN = (): number => {
    if (focus === "bigtimers") return r.chance(0.7) ? 23 + r.below(Math.max(1, timers - 23)) : r.below(timers + 1);
    if (r.chance(0.03)) return timers; // first missing
    return r.below(Math.min(timers, 4));
  };
  const cmpPool = (): bigint => r.pick([
    () => ONES, () => ONES - small(3), () => (counter + small(300)) & ONES, () => (counter - small(50)) & ONES,
    () => (counter | 0xffffffffn) - small(100) & ONES, () => (counter & 0xffffffffn) + small(100),
    () => small(300), () => 0xffffffffn - small(5), () => counterPool(), () => r.next64(),
    () => (counter + 100_000_000n * small(50)) & ONES,
  ])();
  const periodPool = (): bigint => r.pick([
    () => 0n, () => 1n, () => 2n, () => small(200), () => 99n + small(3), () => 0xffffffffn, () => 1n << 32n,
    () => 1n << 63n, () => ONES, () => T63, () => ONES - small(10), () => r.next64(), () => 100_000n,
  ])();
  const cfgPool = (): bigint => {
    let v = r.next64() & 0x7f4en;
    if (focus === "wrap32" && r.chance(0.8)) v |= 0x100n;
    if (focus === "storm" && r.chance(0.8)) v |= 0x8n;
    if (focus === "fsb" && r.chance(0.7)) v |= 0x4000n;
    if (focus === "legacy" && r.chance(0.6)) v |= 0x2n;
    if (r.chance(0.7)) v |= 0x4n;
    if (focus === "shared") v = (v & ~(0x1fn << 9n) & ~0x4000n) | (BigInt(r.pick([0, 2, 8])) << 9n);
    if (r.chance(0.1)) v |= r.next64() & ~0xffffn;
    return v;
  };
  const w = (off: number, size: 4 | 8, v: bigint) => lines.push(`w ${hex(off)} ${size} ${hex(v & (size === 4 ? 0xffffffffn : ONES))}`);
  const write = (off: number, v: bigint): void => {
    const c = r.below(focus === "halves" ? 6 : 10);
    if (c < 2) w(off, 8, v);
    else if (c < 4) { w(off, 4, v); w(off + 4, 4, v >> 32n); }
    else if (c < 5) { w(off + 4, 4, v >> 32n); w(off, 4, v); }
    else if (c < 6) w(off + 4, 4, v >> 32n);
    else w(off, r.chance(0.5) ? 8 : 4, v);
  };
  const read = (off: number): void => {
    const c = r.below(3);
    lines.push(c === 0 ? `r ${hex(off)} 8` : c === 1 ? `r ${hex(off)} 4` : `r ${hex(off + 4)} 4`);
  };
  const step = (): bigint => {
    if (focus === "farTime" && r.chance(0.05)) {
      const target = T63 - small(r.chance(0.5) ? 100_000 : 20_000_000_000);
      return target > time ? target - time : 0n;
    }
    return r.pick([
      () => 0n, () => 1n, () => 9n, () => 10n, () => 11n, () => 990n + small(21), () => 1000n, () => small(5000),
      () => small(100_000), () => small(3_000_000), () => (focus === "storm" ? small(1200) : small(50_000_000)),
      () => (r.chance(0.05) ? 1n << BigInt(20 + r.below(36)) : 0n),
    ])();
  };
  const programPeriodic = (n: number): void => {
    const base = 0x100 + 0x20 * n;
    const cfg = (cfgPool() | 0x48n) & ~(r.chance(0.5) ? 0x100n : 0n);
    w(base, r.chance(0.5) ? 8 : 4, cfg);
    write(base + 8, cmpPool());
    write(base + 8, periodPool());
  };
  const count = 30 + r.below(200);
  for (let i = 0; i < count; i++) {
    if (snapshotRate > 0 && r.chance(snapshotRate)) lines.push("s");
    const c = r.below(100);
    if (c < 22) {
      const s = step(); time += s; if (time > T63) time = T63;
      if (enabled) counter = (counter + s / 10n) & ONES;
      lines.push(`t ${time}`);
    } else if (c < 30) {
      const v = BigInt(r.below(4)); enabled = (v & 1n) === 1n;
      if (r.chance(0.2)) w(0x14, 4, r.next64()); else write(0x10, v | (r.chance(0.1) ? r.next64() & ~3n : 0n));
    } else if (c < 42) {
      write(0x100 + 0x20 * timerN(), cfgPool());
    } else if (c < 56) {
      write(0x108 + 0x20 * timerN(), r.chance(0.3) ? periodPool() : cmpPool());
    } else if (c < 61) {
      programPeriodic(timerN());
    } else if (c < 64) {
      const fsb = r.chance(0.5) ? (0xfee00000n << 32n) | BigInt(r.below(0x10000)) : r.next64();
      write(0x110 + 0x20 * timerN(), fsb);
    } else if (c < 69) {
      const v = r.chance(0.4) ? ONES : r.chance(0.5) ? BigInt(1 << r.below(4)) | (1n << BigInt(r.below(32))) : r.next64();
      const k = r.below(4);
      if (k === 0) w(0x24, 4, v); else if (k === 1) w(0x20, 8, v); else w(0x20, 4, v);
    } else if (c < 74) {
      const v = counterPool(); if (!enabled) counter = v;
      write(0xf0, v);
    } else if (c < 86) {
      read(r.pick([0x0, 0x10, 0x20, 0xf0, 0xf0, 0x100 + 0x20 * timerN(), 0x108 + 0x20 * timerN(), 0x110 + 0x20 * timerN()]));
    } else if (c < 91) {
      lines.push(`i ${r.below(2)} ${r.below(2)}`);
    } else if (c < 92) {
      lines.push("x"); enabled = false; counter = 0n;
    } else if (c < 94) {
      const off = r.pick([0x4, 0x8, 0xc, 0x14, 0x18, 0x1c, 0x24, 0x28, 0xf4, 0xf8, 0x104, 0x10c, 0x114, 0x118, 0x11c,
        0x3f8, 0x3fc, 0x400, 0x404, 0x408, 0x4f8, 0x4fc, 0x500, 0x508, 0x101, 0x102, 0x103, 0x106, 0x10a]);
      const size = r.pick([1, 2, 4, 8]);
      if (r.chance(0.5)) lines.push(`r ${hex(off)} ${size}`);
      else lines.push(`w ${hex(off)} ${size} ${hex(r.next64() & ((1n << BigInt(size * 8)) - 1n))}`);
    } else if (c < 97) {
      // reprogram via the high half of the config (no bits change, but the timer is programmed)
      w(0x104 + 0x20 * timerN(), 4, r.next64());
    } else {
      lines.push("s");
    }
  }
  const end = time + BigInt(r.below(100_000_000));
  lines.push(`t ${end > T63 ? T63 : end}`);
  for (let n = 0; n < Math.min(timers, 4); n++) read(0x108 + 0x20 * n);
  read(0x20); read(0xf0);
  return `${lines.join("\n")}\n`;
}
