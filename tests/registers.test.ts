// The register file of the behaviour reference, register by register: capabilities for each
// configuration, the window size, 4- and 8-byte access, reserved and missing-timer offsets,
// the write rules of the general configuration, main counter, timer configuration and FSB
// route, guest errors, and host misuse (which throws and leaves the instance usable).

import assert from "node:assert/strict";
import { test } from "node:test";
import { HpetError } from "../hosts/ts/index.ts";
import {
  bigDevice, device, dump, ENABLE_CNF, GCAP_ID, GEN_CONF, GINTR_STA, LEG_RT_CNF, MAIN_CNT, pulse,
  route, TN_INT_ENB_CNF, tnComparator, tnConf, tnFsbRoute,
} from "./support/device.ts";

const isHpetError = (code: string) => (error: unknown): boolean => {
  assert.ok(error instanceof HpetError, `not an HpetError: ${String(error)}`);
  assert.equal(error.code, code);
  return true;
};

// --- Capabilities and ID --------------------------------------------------------------------

// Low half: 0x8086 << 16 | bit 15 (legacy route) | bit 13 (64-bit) | (timers - 1) << 8 | 1.
// 0xa001 | (timers - 1) << 8; high half: 10 ns = 10,000,000 fs = 0x989680.
const capabilityCases: [timers: number, value: bigint][] = [
  [3, 0x00989680_8086a201n], //  2 << 8 = 0x200
  [8, 0x00989680_8086a701n], //  7 << 8 = 0x700
  [24, 0x00989680_8086b701n], // 23 = 0x17 -> 0x1700
  [25, 0x00989680_8086b801n], // 24 = 0x18 -> 0x1800
  [32, 0x00989680_8086bf01n], // 31 = 0x1f -> 0x1f00
];

for (const [timers, value] of capabilityCases) {
  test(`capabilities with ${timers} timers read 0x${value.toString(16)}`, async () => {
    const { hpet } = await device({ timers });
    assert.equal(hpet.read64(GCAP_ID), value);
    assert.equal(hpet.read(GCAP_ID), Number(value & 0xffff_ffffn));
    assert.equal(hpet.read(GCAP_ID + 4), 0x00989680);
  });
}

test("the clock period shows in capability bits 63:32 in femtoseconds", async () => {
  // 14 ns = 14,000,000 fs = 0xd59f80; 1 ns = 1,000,000 fs = 0xf4240; 100 ns = 10^8 fs = 0x5f5e100.
  for (const [clockPeriodNs, fs] of [[14, 0xd59f80], [1, 0xf4240], [100, 0x5f5e100]] as const) {
    const { hpet } = await device({ clockPeriodNs });
    assert.equal(hpet.read(GCAP_ID + 4), fs);
    assert.equal(hpet.read(GCAP_ID), 0x8086a201);
  }
});

test("capabilities are read-only", async () => {
  const { hpet, take } = await device();
  hpet.write64(GCAP_ID, 0n);
  hpet.write(GCAP_ID, 0);
  hpet.write(GCAP_ID + 4, 0x1234);
  assert.equal(hpet.read64(GCAP_ID), 0x00989680_8086a201n);
  assert.deepEqual(take(), []);
});

// --- Timer configuration reset values ---------------------------------------------------------

test("every timer's config resets to intcap << 32 | 0x30, with bit 15 only when msi is on", async () => {
  const cases: [config: { timers: number; msi: boolean; intcap?: number }, value: bigint][] = [
    [{ timers: 3, msi: false }, 0x00ff0004_00000030n],
    [{ timers: 8, msi: true }, 0x00ff0004_00008030n],
    [{ timers: 25, msi: false, intcap: 0x12345678 }, 0x12345678_00000030n],
    [{ timers: 32, msi: true, intcap: 0xffffffff }, 0xffffffff_00008030n],
  ];
  for (const [config, value] of cases) {
    const { hpet } = await device(config);
    for (let n = 0; n < config.timers; n++) {
      assert.equal(hpet.read64(tnConf(n)), value, `timer ${n} of ${config.timers}`);
      assert.equal(hpet.read(tnConf(n)), Number(value & 0xffff_ffffn));
      assert.equal(hpet.read(tnConf(n) + 4), Number(value >> 32n));
      assert.equal(hpet.read64(tnComparator(n)), 0xffff_ffff_ffff_ffffn);
    }
  }
});

// --- Window ------------------------------------------------------------------------------------

test("the window is 0x400 bytes up to 24 timers and 0x500 from 25", async () => {
  for (const [timers, size] of [[3, 0x400], [8, 0x400], [24, 0x400], [25, 0x500], [32, 0x500]] as const) {
    const { hpet } = await device({ timers });
    assert.equal(hpet.windowSize, size, `${timers} timers`);
    assert.equal(hpet.read64(size - 8), 0n);
    assert.throws(() => hpet.read64(size), isHpetError("bad-offset"));
    assert.throws(() => hpet.read(size), isHpetError("bad-offset"));
  }
});

// --- 4- and 8-byte access ------------------------------------------------------------------------

test("every register reads the same through 8-byte reads and both 4-byte halves", async () => {
  const { hpet } = await device();
  // Halted counter, one-shot comparator, FSB route and a config with level, INT_ENABLE, route 3.
  hpet.write64(MAIN_CNT, 0x11223344_55667788n);
  hpet.write64(tnComparator(1), 0x01234567_89abcdefn);
  hpet.write64(tnFsbRoute(2), 0xfee01000_000040b1n);
  hpet.write(tnConf(0), 0x606); // 0x600 = route 3, 0x6 = level | INT_ENABLE
  hpet.write(GEN_CONF, LEG_RT_CNF);
  const expected = new Map<number, bigint>([
    [GCAP_ID, 0x00989680_8086a201n],
    [GEN_CONF, 0x2n],
    [GINTR_STA, 0n],
    [MAIN_CNT, 0x11223344_55667788n],
    [tnConf(0), 0x00ff0004_00000636n],
    [tnComparator(0), 0xffffffff_ffffffffn],
    [tnFsbRoute(0), 0n],
    [tnConf(1), 0x00ff0004_00000030n],
    [tnComparator(1), 0x01234567_89abcdefn],
    [tnConf(2), 0x00ff0004_00000030n],
    [tnComparator(2), 0xffffffff_ffffffffn],
    [tnFsbRoute(2), 0xfee01000_000040b1n],
  ]);
  for (let offset = 0; offset < 0x400; offset += 8) {
    const value = expected.get(offset) ?? 0n;
    assert.equal(hpet.read64(offset), value, `8 bytes at 0x${offset.toString(16)}`);
    assert.equal(hpet.read(offset), Number(value & 0xffff_ffffn), `low half at 0x${offset.toString(16)}`);
    assert.equal(hpet.read(offset + 4), Number(value >> 32n), `high half at 0x${offset.toString(16)}`);
  }
});

test("4-byte writes change only their half; 8-byte writes and writeHalves change both", async () => {
  const { hpet } = await device();
  hpet.write(tnFsbRoute(0), 0x4041);
  assert.equal(hpet.read64(tnFsbRoute(0)), 0x4041n);
  hpet.write(tnFsbRoute(0) + 4, 0xfee00000);
  assert.equal(hpet.read64(tnFsbRoute(0)), 0xfee00000_00004041n);
  hpet.write(tnFsbRoute(0), 0x4042);
  assert.equal(hpet.read64(tnFsbRoute(0)), 0xfee00000_00004042n);
  hpet.writeHalves(tnFsbRoute(0), 0x51, 0xfee02000);
  assert.equal(hpet.read64(tnFsbRoute(0)), 0xfee02000_00000051n);
  hpet.write64(tnFsbRoute(0), 0xfee03000_00000061n);
  assert.equal(hpet.read64(tnFsbRoute(0)), 0xfee03000_00000061n);
});

// --- Reserved offsets and missing timers ------------------------------------------------------------

test("reserved offsets read 0 and ignore 4- and 8-byte writes", async () => {
  const { hpet, take } = await device();
  hpet.write64(MAIN_CNT, 0x55n);
  hpet.write64(tnFsbRoute(0), 0xfee00000_00000011n);
  const before = dump(hpet);
  const reserved = [0x008, 0x018, 0x028, 0x030, 0x0e8, 0x0f8, 0x118, 0x138, 0x158];
  for (const offset of reserved) {
    assert.equal(hpet.read64(offset), 0n);
    hpet.write64(offset, 0xffff_ffff_ffff_ffffn);
    hpet.write(offset, 0xffffffff);
    hpet.write(offset + 4, 0xffffffff);
    assert.equal(hpet.read64(offset), 0n, `0x${offset.toString(16)}`);
    assert.equal(hpet.read(offset + 4), 0);
  }
  assert.deepEqual(dump(hpet), before);
  assert.deepEqual(take(), []);
});

test("registers of timer N == timers read 0 and ignore writes, even while enabled", async () => {
  // With 24 timers, timer 24 would start at 0x400: outside the window (a host error, below).
  for (const timers of [3, 8, 25]) {
    const { hpet, take } = await device({ timers });
    hpet.write(GEN_CONF, ENABLE_CNF);
    const before = dump(hpet);
    const missing = timers; // the first timer that does not exist
    for (const offset of [tnConf(missing), tnComparator(missing), tnFsbRoute(missing)]) {
      assert.equal(hpet.read64(offset), 0n);
      hpet.write64(offset, 0x5n);
      hpet.write(offset, TN_INT_ENB_CNF);
      assert.equal(hpet.read64(offset), 0n, `timer ${missing} of ${timers} at 0x${offset.toString(16)}`);
    }
    assert.deepEqual(dump(hpet), before);
    hpet.advance(1_000_000);
    assert.deepEqual(take(), []);
    assert.equal(hpet.nextDeadline(), null);
  }
});

test("timers 24..31 are reachable in the 0x500-byte window", async () => {
  const { hpet } = await device({ timers: 32 });
  for (let n = 24; n < 32; n++) {
    const fsb = 0xfee00000_00000000n | BigInt(n);
    hpet.write64(tnFsbRoute(n), fsb);
    hpet.write64(tnComparator(n), BigInt(n * 100));
    hpet.write(tnConf(n), route(n) | TN_INT_ENB_CNF);
  }
  for (let n = 24; n < 32; n++) {
    assert.equal(hpet.read64(tnConf(n)), 0x00ff0004_00000034n | BigInt(n << 9), `timer ${n} config`);
    assert.equal(hpet.read64(tnComparator(n)), BigInt(n * 100));
    assert.equal(hpet.read64(tnFsbRoute(n)), 0xfee00000_00000000n | BigInt(n));
  }
  // Timer 31's registers end the window: 0x100 + 0x20 * 31 = 0x4e0, last byte 0x4ff.
  assert.equal(tnConf(31), 0x4e0);
  assert.equal(hpet.read64(0x4f8), 0n);
});

// --- General configuration --------------------------------------------------------------------------

test("general config keeps only bits 0 and 1", async () => {
  const { hpet, take } = await device();
  hpet.write(GEN_CONF, 0xfffffffc);
  hpet.write(GEN_CONF + 4, 0xffffffff);
  assert.equal(hpet.read64(GEN_CONF), 0n);
  assert.deepEqual(take(), []);
  hpet.write64(GEN_CONF, 0xffff_ffff_ffff_fffen); // sets LEGACY only
  assert.equal(hpet.read64(GEN_CONF), 0x2n);
  assert.deepEqual(take(), ["P 0 0"]);
  hpet.write(GEN_CONF + 4, 0); // the high half leaves the low bits alone
  assert.equal(hpet.read64(GEN_CONF), 0x2n);
  hpet.write(GEN_CONF, 0xffffffff);
  assert.equal(hpet.read64(GEN_CONF), 0x3n);
  assert.equal(hpet.read(GEN_CONF + 4), 0);
  assert.deepEqual(take(), []);
});

// --- Main counter --------------------------------------------------------------------------------------

test("counter writes are taken while halted, in either half or whole", async () => {
  const { hpet } = await device();
  hpet.write(MAIN_CNT, 0x12345678);
  assert.equal(hpet.read64(MAIN_CNT), 0x12345678n);
  hpet.write(MAIN_CNT + 4, 0x9abcdef0);
  assert.equal(hpet.read64(MAIN_CNT), 0x9abcdef0_12345678n);
  hpet.write(MAIN_CNT, 0x1);
  assert.equal(hpet.read64(MAIN_CNT), 0x9abcdef0_00000001n);
  hpet.write64(MAIN_CNT, 0x1000n);
  hpet.advance(5000);
  assert.equal(hpet.read64(MAIN_CNT), 0x1000n, "a halted counter does not count");
  hpet.writeHalves(MAIN_CNT, 0x2000, 0x3);
  assert.equal(hpet.read64(MAIN_CNT), 0x3_00002000n);
});

test("counter writes are ignored while enabled, and the halted value is counter(now)", async () => {
  const { hpet } = await device();
  hpet.write64(MAIN_CNT, 0x1000n);
  hpet.write(GEN_CONF, ENABLE_CNF); // base 0x1000 at t = 0
  hpet.advance(1000); // 100 ticks
  hpet.write(MAIN_CNT, 0);
  hpet.write(MAIN_CNT + 4, 5);
  hpet.write64(MAIN_CNT, 7n);
  hpet.writeHalves(MAIN_CNT, 8, 9);
  assert.equal(hpet.read64(MAIN_CNT), 0x1064n);
  hpet.advance(2009); // 200 ticks: 0x1000 + 0xc8
  hpet.write(GEN_CONF, 0);
  assert.equal(hpet.read64(MAIN_CNT), 0x10c8n);
  hpet.advance(9000);
  assert.equal(hpet.read64(MAIN_CNT), 0x10c8n);
  hpet.write(MAIN_CNT, 0x77);
  assert.equal(hpet.read64(MAIN_CNT), 0x77n);
});

// --- Timer configuration ------------------------------------------------------------------------------

test("timer config: only the mask 0x7f4e is writable, bits 4, 5, 15 and 63:32 are read-only", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), 0xffffffff);
  // 0xffffffff & 0x7f4e = 0x7f4e, with bits 4 and 5 read as 1: 0x7f7e.
  assert.equal(hpet.read64(tnConf(0)), 0x00ff0004_00007f7en);
  hpet.write(tnConf(0) + 4, 0);
  assert.equal(hpet.read64(tnConf(0)), 0x00ff0004_00007f7en);
  hpet.write64(tnConf(0), 0n);
  assert.equal(hpet.read64(tnConf(0)), 0x00ff0004_00000030n);
  hpet.write64(tnConf(1), 0xffff_ffff_ffff_80b1n); // only read-only and reserved bits set
  assert.equal(hpet.read64(tnConf(1)), 0x00ff0004_00000030n);
  assert.deepEqual(take(), []);

  const msi = await device({ msi: true });
  msi.hpet.write(tnConf(2), 0);
  assert.equal(msi.hpet.read64(tnConf(2)), 0x00ff0004_00008030n);
  msi.hpet.write(tnConf(2), 0x7f4e);
  assert.equal(msi.hpet.read64(tnConf(2)), 0x00ff0004_0000ff7en);
});

// --- FSB route --------------------------------------------------------------------------------------------

test("the FSB route is stored without side effects and kept across reset", async () => {
  const { hpet, take } = await device({ timers: 4 });
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.write64(tnFsbRoute(3), 0xfee01000_000040a1n);
  hpet.write(tnFsbRoute(1) + 4, 0xfee0f000);
  assert.deepEqual(take(), []);
  assert.equal(hpet.nextDeadline(), null);
  hpet.advance(100);
  hpet.reset();
  assert.equal(hpet.read64(tnFsbRoute(3)), 0xfee01000_000040a1n);
  assert.equal(hpet.read64(tnFsbRoute(1)), 0xfee0f000_00000000n);
  assert.equal(hpet.read64(tnFsbRoute(0)), 0n);
  assert.equal(hpet.read64(GEN_CONF), 0n);
});

// --- Guest errors ---------------------------------------------------------------------------------------

test("1- and 2-byte accesses read 0, drop writes and are counted as size errors", async () => {
  const { hpet, take } = await device();
  const before = dump(hpet);
  assert.equal(hpet.read(GCAP_ID, 1), 0);
  assert.equal(hpet.read(GCAP_ID, 2), 0);
  assert.equal(hpet.read(tnConf(0) + 1, 1), 0);
  hpet.write(GEN_CONF, ENABLE_CNF | LEG_RT_CNF, 1);
  hpet.write(GEN_CONF, ENABLE_CNF | LEG_RT_CNF, 2);
  hpet.write(MAIN_CNT, 0x55, 1);
  assert.deepEqual(hpet.guestErrors(), { size: 6, alignment: 0 });
  assert.deepEqual(dump(hpet), before);
  assert.deepEqual(take(), []);
});

test("misaligned 4- and 8-byte accesses read 0, drop writes and are counted as alignment errors", async () => {
  const { hpet, take } = await device();
  hpet.write64(MAIN_CNT, 0x0102030405060708n);
  const before = dump(hpet);
  assert.equal(hpet.read(GCAP_ID + 2), 0);
  assert.equal(hpet.read(MAIN_CNT + 1), 0);
  assert.equal(hpet.read64(GCAP_ID + 4), 0n);
  assert.equal(hpet.read64(MAIN_CNT + 4), 0n);
  hpet.write(GEN_CONF + 2, 0xffffffff);
  hpet.write64(GEN_CONF + 4, 0x3n);
  hpet.writeHalves(MAIN_CNT + 4, 1, 1);
  hpet.write(tnConf(0) + 1, 0xffffffff);
  assert.deepEqual(hpet.guestErrors(), { size: 0, alignment: 8 });
  assert.deepEqual(dump(hpet), before);
  assert.deepEqual(take(), []);
  hpet.read(GCAP_ID, 1);
  assert.deepEqual(hpet.guestErrors(), { size: 1, alignment: 8 });
});

// --- Host misuse --------------------------------------------------------------------------------------------

test("accesses outside the window throw bad-offset for every size and change nothing", async () => {
  const { hpet, take } = await device();
  hpet.write(GEN_CONF, ENABLE_CNF);
  const before = dump(hpet);
  assert.throws(() => hpet.read(0x400), isHpetError("bad-offset"));
  assert.throws(() => hpet.read(-4), isHpetError("bad-offset"));
  assert.throws(() => hpet.read(1.5 as number), isHpetError("bad-offset"));
  assert.throws(() => hpet.read64(0x400), isHpetError("bad-offset"));
  assert.throws(() => hpet.read64(0x1_0000_0000), isHpetError("bad-offset"));
  assert.throws(() => hpet.write(0x400, 1), isHpetError("bad-offset"));
  assert.throws(() => hpet.write(0x7fc, 1, 2), isHpetError("bad-offset"));
  assert.throws(() => hpet.write64(0x408, 1n), isHpetError("bad-offset"));
  assert.throws(() => hpet.writeHalves(0x400, 1, 1), isHpetError("bad-offset"));
  assert.deepEqual(hpet.guestErrors(), { size: 0, alignment: 0 }, "host errors are not guest errors");
  assert.deepEqual(dump(hpet), before);
  assert.deepEqual(take(), []);
});

test("1- and 2-byte reads outside the window throw bad-offset like every other access", async () => {
  const { hpet } = await device({ timers: 24 });
  assert.throws(() => hpet.read(0x400, 1), isHpetError("bad-offset"));
  assert.throws(() => hpet.read(0x4ff, 2), isHpetError("bad-offset"));
  assert.throws(() => hpet.read(-2, 2), isHpetError("bad-offset"));
  assert.deepEqual(hpet.guestErrors(), { size: 0, alignment: 0 });
  assert.equal(hpet.read(0x3ff, 1), 0, "inside the window it is a guest error");
  assert.deepEqual(hpet.guestErrors(), { size: 1, alignment: 0 });
});

test("sizes other than 1, 2 and 4 and values that do not fit throw, changing nothing", async () => {
  const { hpet, take } = await device();
  assert.throws(() => hpet.read(GEN_CONF, 3 as 4), isHpetError("bad-size"));
  assert.throws(() => hpet.read(GEN_CONF, 8 as 4), isHpetError("bad-size"));
  assert.throws(() => hpet.write(GEN_CONF, 1, 8 as 4), isHpetError("bad-size"));
  assert.throws(() => hpet.write(GEN_CONF, 1, 0 as 4), isHpetError("bad-size"));
  assert.throws(() => hpet.write(GEN_CONF, 0x1_0000_0001), isHpetError("bad-value"));
  assert.throws(() => hpet.write(GEN_CONF, 1.5), isHpetError("bad-value"));
  assert.throws(() => hpet.write(GEN_CONF, -0x8000_0001), isHpetError("bad-value"));
  assert.throws(() => hpet.write64(GEN_CONF, 1n << 64n), isHpetError("bad-value"));
  assert.throws(() => hpet.write64(GEN_CONF, -(1n << 63n) - 1n), isHpetError("bad-value"));
  assert.equal(hpet.read64(GEN_CONF), 0n);
  assert.deepEqual(hpet.guestErrors(), { size: 0, alignment: 0 });
  assert.deepEqual(take(), []);
  // The boundaries themselves are accepted: -2^31 is 0x80000000, -1n is all ones.
  hpet.write(tnFsbRoute(0), -0x8000_0000);
  assert.equal(hpet.read64(tnFsbRoute(0)), 0x80000000n);
  hpet.write64(tnFsbRoute(0), -1n);
  assert.equal(hpet.read64(tnFsbRoute(0)), 0xffff_ffff_ffff_ffffn);
});

test("bad times throw bad-time or time-backwards and the instance keeps working", async () => {
  const { hpet, take } = await device();
  hpet.write64(tnComparator(0), 300n);
  hpet.write(tnConf(0), route(2) | TN_INT_ENB_CNF);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1000);
  assert.throws(() => hpet.advance(999), isHpetError("time-backwards"));
  assert.throws(() => hpet.advance(Number.NaN), isHpetError("bad-time"));
  assert.throws(() => hpet.advance(-1), isHpetError("bad-time"));
  assert.throws(() => hpet.advance(1000.5), isHpetError("bad-time"));
  assert.throws(() => hpet.advance(Infinity), isHpetError("bad-time"));
  assert.throws(() => hpet.advance(2 ** 63), isHpetError("bad-time"));
  assert.equal(hpet.now, 1000);
  assert.equal(hpet.read64(MAIN_CNT), 100n);
  assert.deepEqual(take(), []);
  hpet.advance(3000); // the timer armed for 300 ticks fires on time
  assert.deepEqual(take(), pulse(3000, 2));
  assert.equal(hpet.read64(MAIN_CNT), 300n);
});

test("bigint times: negative, 2^63 and backwards throw; the instance keeps working", async () => {
  const { hpet, take } = await bigDevice();
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(50n);
  assert.throws(() => hpet.advance(-1n), isHpetError("bad-time"));
  assert.throws(() => hpet.advance(1n << 63n), isHpetError("bad-time"));
  assert.throws(() => hpet.advance(49n), isHpetError("time-backwards"));
  assert.equal(hpet.now, 50n);
  hpet.advance((1n << 63n) - 1n);
  assert.equal(hpet.now, (1n << 63n) - 1n);
  // (2^63 - 1) / 10 = 922337203685477580 ticks = 0xccccccccccccccc
  assert.equal(hpet.read64(MAIN_CNT), 0xcccccccccccccccn);
  assert.deepEqual(take(), []);
});

test("bad legacy inputs and bad configurations throw", async () => {
  const { hpet, take } = await device();
  assert.throws(() => hpet.setLegacyInput("hpet" as "pit", 1), isHpetError("bad-input"));
  assert.throws(() => hpet.setLegacyInput("rtc", 2 as 1), isHpetError("bad-input"));
  assert.deepEqual(take(), []);
  hpet.setLegacyInput("rtc", 1);
  assert.deepEqual(take(), ["I 0 8 1"]);
  for (const config of [{ timers: 2 }, { timers: 33 }, { timers: 3.5 }, { clockPeriodNs: 0 },
    { clockPeriodNs: 101 }, { intcap: 2 ** 32 }]) {
    await assert.rejects(device(config), isHpetError("bad-config"), JSON.stringify(config));
  }
});
