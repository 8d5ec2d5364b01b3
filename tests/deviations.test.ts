// The behaviour reference's "Deviations from QEMU", one test each: every test shows this
// device's behaviour, which is where it differs from QEMU's hw/timer/hpet.c.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bigDevice, device, ENABLE_CNF, GEN_CONF, GINTR_STA, MAIN_CNT, pulse, route, TN_FSB_EN_CNF,
  TN_INT_ENB_CNF, TN_INT_TYPE_CNF, TN_TYPE_CNF, TN_VAL_SET_CNF, tnComparator, tnConf, tnFsbRoute,
} from "./support/device.ts";

const EDGE = TN_INT_ENB_CNF;
const LEVEL = TN_INT_TYPE_CNF | TN_INT_ENB_CNF;
const PERIODIC = TN_INT_ENB_CNF | TN_TYPE_CNF | TN_VAL_SET_CNF;

test("deviation 1: a periodic expiry exactly on the comparator advances it (one interrupt per period)", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | PERIODIC);
  hpet.write64(tnComparator(0), 100n); // comparator and period 100 ticks
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1000); // counter 100 == comparator
  assert.deepEqual(take(), pulse(1000, 2));
  assert.equal(hpet.read64(tnComparator(0)), 200n);
  assert.equal(hpet.nextDeadline(), 2000);
  hpet.advance(3000);
  assert.deepEqual(take(), [...pulse(2000, 2), ...pulse(3000, 2)]);
  assert.equal(hpet.read64(tnComparator(0)), 400n);
});

test("deviation 2: 2^62 missed periods are skipped in one step", async () => {
  const { hpet, take } = await device();
  hpet.write64(MAIN_CNT, 0x4000_0000_0000_0000n); // 2^62
  hpet.write(tnConf(0), route(2) | PERIODIC);
  hpet.write64(tnComparator(0), 3n); // comparator and period 3...
  hpet.write64(tnComparator(0), 7n); // ...then period 7
  hpet.write(GEN_CONF, ENABLE_CNF); // comparator 3 <= counter: due now (L = 0)
  hpet.advance(999);
  // cmp = 3 + 7 * ((2^62 - 3) / 7 + 1). 2^62 = 4 (mod 7), so (2^62 - 3) / 7 = (2^62 - 4) / 7 and
  // cmp = 3 + 2^62 + 3 = 2^62 + 6: 6 ticks = 60 ns ahead, storm-guarded to L + 1000 = 1000.
  assert.deepEqual(take(), pulse(0, 2));
  assert.equal(hpet.read64(tnComparator(0)), 0x4000_0000_0000_0006n);
  assert.equal(hpet.nextDeadline(), 1000);
  hpet.advance(1000);
  // Counter 2^62 + 100: cmp = 2^62 + 6 + 7 * (94 / 7 + 1) = 2^62 + 104.
  assert.deepEqual(take(), pulse(1000, 2));
  assert.equal(hpet.read64(tnComparator(0)), 0x4000_0000_0000_0068n);
});

test("deviation 3: a counter value >= 2^64 / 10 survives enable", async () => {
  const { hpet } = await device();
  hpet.write64(MAIN_CNT, 0xfedc_ba98_7654_3210n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(hpet.read64(MAIN_CNT), 0xfedc_ba98_7654_3210n);
  hpet.advance(1000);
  assert.equal(hpet.read64(MAIN_CNT), 0xfedc_ba98_7654_3274n); // + 100 = 0x64
});

test("deviation 3: a 64-bit comparator of all ones is not fired at enable", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | EDGE); // comparator still all ones from reset
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(hpet.nextDeadline(), null);
  hpet.advance(1_000_000_000);
  assert.deepEqual(take(), []);

  // With the counter 255 ticks below it, it fires once, exactly on time.
  const near = await device();
  near.hpet.write64(MAIN_CNT, 0xffff_ffff_ffff_ff00n);
  near.hpet.write(tnConf(0), route(2) | EDGE);
  near.hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(near.hpet.nextDeadline(), 2550);
  near.hpet.advance(1_000_000);
  assert.deepEqual(near.take(), pulse(2550, 2));
});

test("deviation 3: a comparator of 10^18 fires once, on time, and is not re-armed", async () => {
  const { hpet, take } = await bigDevice();
  hpet.write64(MAIN_CNT, 999_999_999_999_999_900n);
  hpet.write(tnConf(0), route(2) | EDGE);
  hpet.write64(tnComparator(0), 1_000_000_000_000_000_000n);
  hpet.write(tnConf(1), route(3) | PERIODIC);
  hpet.write64(tnComparator(1), 1_000_000_000_000_000_000n); // comparator and period 10^18...
  hpet.write64(tnComparator(1), 100n); // ...then period 100
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(hpet.nextDeadline(), 1000n);
  hpet.advance(2500n);
  assert.deepEqual(take(), [...pulse(1000n, 2), ...pulse(1000n, 3), ...pulse(2000n, 3)]);
  assert.equal(hpet.read64(tnComparator(1)), 1_000_000_000_000_000_200n);
  assert.equal(hpet.nextDeadline(), 3000n);

  // From counter 0 the same comparator lies at 10^19 ns, past 2^63 - 1: never armed.
  const far = await bigDevice();
  far.hpet.write(tnConf(0), route(2) | EDGE);
  far.hpet.write64(tnComparator(0), 1_000_000_000_000_000_000n);
  far.hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(far.hpet.nextDeadline(), null);
  far.hpet.advance(1_000_000_000n);
  assert.deepEqual(far.take(), []);
});

test("deviation 4: timer number == timers is not decoded", async () => {
  const { hpet, take } = await device(); // timers 0..2; timer 3 would sit at 0x160
  hpet.write(tnConf(3), route(2) | EDGE);
  hpet.write64(tnComparator(3), 10n);
  hpet.write64(tnFsbRoute(3), 0xfee00000_00000001n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(hpet.read64(tnConf(3)), 0n);
  assert.equal(hpet.read64(tnComparator(3)), 0n);
  assert.equal(hpet.read64(tnFsbRoute(3)), 0n);
  assert.equal(hpet.nextDeadline(), null);
  hpet.advance(1_000_000);
  assert.deepEqual(take(), []);
});

test("deviation 4: timers 24..31 are reachable and work", async () => {
  const { hpet, take } = await device({ timers: 32 });
  hpet.write(tnConf(24), route(1) | EDGE);
  hpet.write64(tnComparator(24), 50n);
  hpet.write(tnConf(31), route(23) | LEVEL);
  hpet.write64(tnComparator(31), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1000);
  assert.deepEqual(take(), [...pulse(500, 1), "I 1000 23 1"]);
  assert.equal(hpet.read64(GINTR_STA), 0x8000_0000n);

  const { hpet: small } = await device({ timers: 25 });
  assert.equal(small.read64(tnConf(24)), 0x00ff0004_00000030n); // at 0x400
  assert.equal(small.read64(tnConf(25)), 0n); // at 0x420: timer 25 does not exist
});

test("deviation 5: an expiry with INT_ENABLE clear leaves a shared line alone", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(9) | LEVEL);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(tnConf(1), route(9) | TN_INT_TYPE_CNF); // level, INT_ENABLE clear
  hpet.write64(tnComparator(1), 200n);
  hpet.write(tnConf(2), route(9)); // edge, INT_ENABLE clear
  hpet.write64(tnComparator(2), 150n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(3000);
  assert.deepEqual(take(), ["I 1000 9 1"]); // QEMU would lower line 9 at 1500 and 2000
  assert.equal(hpet.read64(GINTR_STA), 0x3n);
  hpet.write(GINTR_STA, 0x1); // the line was still high
  assert.deepEqual(take(), ["I 3000 9 0"]);
});

test("deviation 6: reset clears ISR and lowers lines without re-raising first", async () => {
  const { hpet, take } = await device({ msi: true });
  hpet.write(tnConf(0), route(4) | LEVEL);
  hpet.write64(tnComparator(0), 100n);
  hpet.write64(tnFsbRoute(1), 0xfee03000_00000033n);
  hpet.write(tnConf(1), LEVEL | TN_FSB_EN_CNF);
  hpet.write64(tnComparator(1), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(2000);
  assert.deepEqual(take(), ["I 1000 4 1", "M 1000 0xfee03000 0x33"]);
  assert.equal(hpet.read64(GINTR_STA), 0x3n);
  hpet.reset(); // QEMU would re-raise both (a second MSI) and keep line 4 high
  assert.deepEqual(take(), ["I 2000 4 0"]);
  assert.equal(hpet.read64(GINTR_STA), 0n);
});

test("deviation 7: timer 31's status bit is bit 31 of a 64-bit register", async () => {
  const { hpet, take } = await device({ timers: 32 });
  hpet.write(tnConf(31), route(3) | LEVEL);
  hpet.write64(tnComparator(31), 100n);
  hpet.write(tnConf(0), route(4) | LEVEL);
  hpet.write64(tnComparator(0), 200n);
  hpet.write(tnConf(30), route(5) | TN_INT_TYPE_CNF); // INT_ENABLE clear
  hpet.write64(tnComparator(30), 300n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1000);
  assert.equal(hpet.read64(GINTR_STA), 0x8000_0000n); // QEMU: 0xffffffff_80000000
  assert.equal(hpet.read(GINTR_STA + 4), 0);
  hpet.advance(3000);
  assert.equal(hpet.read64(GINTR_STA), 0xc000_0001n);
  hpet.write64(GINTR_STA, 0xffff_ffff_8000_0000n); // clears bit 31 only
  assert.equal(hpet.read64(GINTR_STA), 0x4000_0001n);
  assert.deepEqual(take(), ["I 1000 3 1", "I 2000 4 1", "I 3000 3 0"]);
});
