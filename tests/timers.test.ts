// Time and timers as the behaviour reference defines them: the counter formula, arming for a
// counter value (past comparators, the 2^63 - 1 ns horizon, the storm guard), programming in
// 64- and 32-bit mode, expiry (periodic reload, missed periods, the 32-bit one-shot wrap), the
// comparator write rules, ENABLE, the order of expiries and nextDeadline. Every time and value
// is worked out by hand from the reference.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bigDevice, device, ENABLE_CNF, GCAP_ID, GEN_CONF, GINTR_STA, MAIN_CNT, pulse, route,
  TN_32MODE_CNF, TN_INT_ENB_CNF, TN_INT_TYPE_CNF, TN_TYPE_CNF, TN_VAL_SET_CNF, tnComparator, tnConf,
  tnFsbRoute,
} from "./support/device.ts";

const ONE_SHOT = TN_INT_ENB_CNF; // edge, one-shot, interrupts enabled
const PERIODIC = TN_INT_ENB_CNF | TN_TYPE_CNF;
const MAX_TIME = (1n << 63n) - 1n;

// --- The main counter -------------------------------------------------------------------------

test("counter(t) = base + (t - t_enable) / 10 with integer division, held while halted", async () => {
  const { hpet } = await device();
  hpet.write64(MAIN_CNT, 1000n);
  hpet.advance(5);
  hpet.write(GEN_CONF, ENABLE_CNF); // base 1000, t_enable 5
  assert.equal(hpet.read64(MAIN_CNT), 1000n);
  hpet.advance(14); // 9 ns: 0 ticks
  assert.equal(hpet.read64(MAIN_CNT), 1000n);
  hpet.advance(15);
  assert.equal(hpet.read64(MAIN_CNT), 1001n);
  hpet.advance(2_000_000_004); // 1,999,999,999 ns: 199,999,999 ticks
  assert.equal(hpet.read64(MAIN_CNT), 200_000_999n);
  hpet.advance(2_000_000_005);
  assert.equal(hpet.read64(MAIN_CNT), 200_001_000n);
  hpet.write(GEN_CONF, 0);
  hpet.advance(3_000_000_000);
  assert.equal(hpet.read64(MAIN_CNT), 200_001_000n);
  hpet.write(GEN_CONF, ENABLE_CNF); // base 200,001,000, t_enable 3e9
  hpet.advance(3_000_000_025);
  assert.equal(hpet.read64(MAIN_CNT), 200_001_002n);
});

test("the counter runs at the configured clock period", async () => {
  const { hpet } = await device({ clockPeriodNs: 14 });
  hpet.advance(3);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(100); // 97 / 14 = 6
  assert.equal(hpet.read64(MAIN_CNT), 6n);
  hpet.advance(101); // 98 / 14 = 7
  assert.equal(hpet.read64(MAIN_CNT), 7n);
});

test("the counter wraps around 2^64", async () => {
  const { hpet } = await device();
  hpet.write64(MAIN_CNT, 0xffff_ffff_ffff_fff0n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(150); // + 15
  assert.equal(hpet.read64(MAIN_CNT), 0xffff_ffff_ffff_ffffn);
  assert.equal(hpet.read(MAIN_CNT + 4), 0xffffffff);
  hpet.advance(160); // + 16
  assert.equal(hpet.read64(MAIN_CNT), 0n);
  hpet.advance(250); // + 25
  assert.equal(hpet.read64(MAIN_CNT), 9n);
  assert.equal(hpet.read(MAIN_CNT + 4), 0);
});

// --- Arming -----------------------------------------------------------------------------------------

test("a one-shot fires at the exact moment the counter reaches its comparator, once", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(1), route(2) | ONE_SHOT);
  hpet.write64(tnComparator(1), 100n);
  hpet.advance(7);
  hpet.write(GEN_CONF, ENABLE_CNF); // t_enable 7
  hpet.advance(23);
  hpet.write64(tnComparator(1), 100n); // reprogrammed at dcur = 16 / 10 = 1: 7 + (1 + 99) * 10
  assert.equal(hpet.nextDeadline(), 1007);
  hpet.advance(1006);
  assert.deepEqual(take(), []);
  hpet.advance(1007);
  assert.deepEqual(take(), pulse(1007, 2));
  assert.equal(hpet.nextDeadline(), null);
  hpet.advance(1_000_000);
  assert.deepEqual(take(), []);
  assert.equal(hpet.read64(tnComparator(1)), 100n);
  assert.equal(hpet.read64(GINTR_STA), 0n);
});

test("a comparator at or below the counter fires at the current time on the next advance", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | ONE_SHOT);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(5005); // counter 500
  hpet.write64(tnComparator(0), 500n); // X == cur: due now (5005), not at 5000
  assert.equal(hpet.nextDeadline(), 5005);
  assert.deepEqual(take(), [], "an access never runs an expiry");
  hpet.advance(9000);
  assert.deepEqual(take(), pulse(5005, 2));
  hpet.write64(tnComparator(0), 100n); // far below the counter (900): no wait for a wrap
  assert.equal(hpet.nextDeadline(), 9000);
  hpet.advance(9001);
  assert.deepEqual(take(), pulse(9000, 2));
});

test("accesses at the current time work while an expiry is due at it, and run no expiry", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | ONE_SHOT);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(100);
  hpet.write64(tnComparator(0), 5n); // below the counter (10): due now, at 100
  assert.equal(hpet.read(GCAP_ID), 0x8086a201);
  assert.equal(hpet.read(MAIN_CNT), 10);
  hpet.write(tnFsbRoute(1), 0x1234);
  assert.equal(hpet.read64(tnFsbRoute(1)), 0x1234n);
  assert.deepEqual(take(), []);
  assert.equal(hpet.nextDeadline(), 100);
  hpet.advance(100);
  assert.deepEqual(take(), pulse(100, 2));
});

test("the last counter value before 2^63 - 1 ns is armed; the next one is never armed", async () => {
  // (2^63 - 1) / 10 = 922337203685477580 ticks: deadline 9223372036854775800 <= 2^63 - 1.
  const first = await bigDevice();
  first.hpet.write(tnConf(0), route(2) | ONE_SHOT);
  first.hpet.write64(tnComparator(0), 922337203685477580n);
  first.hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(first.hpet.nextDeadline(), 9223372036854775800n);
  first.hpet.advance(9223372036854775799n);
  assert.deepEqual(first.take(), []);
  first.hpet.advance(MAX_TIME);
  assert.deepEqual(first.take(), pulse(9223372036854775800n, 2));

  // One more tick: 9223372036854775810 > 2^63 - 1, so it is not armed at all.
  const second = await bigDevice();
  second.hpet.write(tnConf(0), route(2) | ONE_SHOT);
  second.hpet.write64(tnComparator(0), 922337203685477581n);
  second.hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(second.hpet.nextDeadline(), null);
  second.hpet.advance(MAX_TIME);
  assert.deepEqual(second.take(), []);
});

test("moving a comparator beyond the horizon cancels its earlier arming", async () => {
  const { hpet, take } = await bigDevice();
  hpet.write(tnConf(0), route(2) | ONE_SHOT);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(hpet.nextDeadline(), 1000n);
  hpet.write64(tnComparator(0), 922337203685477581n);
  assert.equal(hpet.nextDeadline(), null);
  hpet.advance(1_000_000n);
  assert.deepEqual(take(), []);
});

test("storm guard: a periodic deadline within 1000 ns of the previous one moves to it + 1000", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | PERIODIC | TN_VAL_SET_CNF);
  hpet.write64(tnComparator(0), 99n); // comparator and period 99 ticks = 990 ns
  hpet.write(GEN_CONF, ENABLE_CNF);
  // First arming (none before since reset): 990, unguarded.
  assert.equal(hpet.nextDeadline(), 990);
  hpet.advance(4000);
  // 990: cur 99, cmp 198 -> 1980, guarded to 1990. 1990: cur 199, cmp 297 -> 2970 -> 2990.
  // 2990: cur 299, cmp 396 -> 3960 -> 3990. 3990: cur 399, cmp 495 -> 4950 -> 4990.
  assert.deepEqual(take(), [...pulse(990, 2), ...pulse(1990, 2), ...pulse(2990, 2), ...pulse(3990, 2)]);
  assert.equal(hpet.read64(tnComparator(0)), 495n);
  assert.equal(hpet.nextDeadline(), 4990);

  // Reset forgets the previous deadline: the same first arming lands on 4000 + 990 = 4990,
  // which a remembered L = 4990 would have moved to 5990.
  hpet.reset();
  take();
  hpet.write(tnConf(0), route(2) | PERIODIC | TN_VAL_SET_CNF);
  hpet.write64(tnComparator(0), 99n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(hpet.nextDeadline(), 4990);
});

test("storm guard: a deadline exactly 1000 ns after the previous one is kept", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | PERIODIC | TN_VAL_SET_CNF);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(3000);
  assert.deepEqual(take(), [...pulse(1000, 2), ...pulse(2000, 2), ...pulse(3000, 2)]);
  assert.equal(hpet.read64(tnComparator(0)), 400n);
  assert.equal(hpet.nextDeadline(), 4000);
});

test("storm guard: reprogramming a periodic timer for its own deadline moves it by 1000 ns", async () => {
  const { hpet } = await device();
  hpet.write(tnConf(0), route(2) | PERIODIC | TN_VAL_SET_CNF);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(hpet.nextDeadline(), 1000); // L = 1000
  hpet.write(tnConf(0), route(2) | PERIODIC); // programs for 1000 again: L <= 1000 < L + 1000
  assert.equal(hpet.nextDeadline(), 2000);
});

test("storm guard: one-shot timers are never moved", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | ONE_SHOT);
  hpet.write64(tnComparator(0), 10n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(100);
  assert.deepEqual(take(), pulse(100, 2)); // L = 100
  hpet.write64(tnComparator(0), 20n); // 200 is within 1000 ns of L, but one-shot
  assert.equal(hpet.nextDeadline(), 200);
  hpet.write64(tnComparator(0), 20n); // programmed again for 200 (L = 200): still 200
  assert.equal(hpet.nextDeadline(), 200);
  hpet.advance(200);
  assert.deepEqual(take(), pulse(200, 2));
});

// --- Periodic expiry ----------------------------------------------------------------------------------

test("missed periods are skipped in one step with one interrupt", async () => {
  const { hpet, take } = await device();
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(100_000); // counter 10,000
  hpet.write(tnConf(0), route(2) | PERIODIC | TN_VAL_SET_CNF);
  hpet.write64(tnComparator(0), 100n); // comparator and period 100: in the past, due now
  assert.equal(hpet.nextDeadline(), 100_000);
  hpet.advance(100_500);
  // cmp64 = 100 + 100 * ((10,000 - 100) / 100 + 1) = 10,100: deadline 101,000 (= L + 1000).
  assert.deepEqual(take(), pulse(100_000, 2));
  assert.equal(hpet.read64(tnComparator(0)), 10_100n);
  assert.equal(hpet.nextDeadline(), 101_000);
  hpet.advance(101_000);
  assert.deepEqual(take(), pulse(101_000, 2));
  assert.equal(hpet.read64(tnComparator(0)), 10_200n);
});

test("expiries run one at a time at their own deadlines within one advance", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | PERIODIC | TN_VAL_SET_CNF);
  hpet.write64(tnComparator(0), 150n); // every 1500 ns
  hpet.write(tnConf(1), route(3) | ONE_SHOT);
  hpet.write64(tnComparator(1), 250n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(4499);
  // With "now" = T = 4499 during expiries, timer 0 would fire once and skip to 450.
  assert.deepEqual(take(), [...pulse(1500, 2), ...pulse(2500, 3), ...pulse(3000, 2)]);
  assert.equal(hpet.read64(tnComparator(0)), 450n);
  assert.equal(hpet.now, 4499);
  assert.equal(hpet.read64(MAIN_CNT), 449n);
  assert.equal(hpet.nextDeadline(), 4500);
  hpet.advance(4500); // a deadline equal to the target time runs
  assert.deepEqual(take(), pulse(4500, 2));
});

test("VAL_SET: the first comparator write sets comparator and period, later ones the period", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | PERIODIC | TN_VAL_SET_CNF);
  assert.equal(hpet.read(tnConf(0)), 0x47c); // 0x44c | 0x30
  hpet.write64(tnComparator(0), 500n);
  assert.equal(hpet.read(tnConf(0)), 0x43c, "VAL_SET cleared");
  hpet.write64(tnComparator(0), 200n);
  assert.equal(hpet.read64(tnComparator(0)), 500n, "without VAL_SET only the period changes");
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(9000);
  assert.deepEqual(take(), [...pulse(5000, 2), ...pulse(7000, 2), ...pulse(9000, 2)]);
  assert.equal(hpet.read64(tnComparator(0)), 1100n);
});

test("VAL_SET with 4-byte halves of a 64-bit periodic timer", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | PERIODIC | TN_VAL_SET_CNF);
  hpet.write(tnComparator(0), 0x1f4); // comparator low half and period low half; clears VAL_SET
  hpet.write(tnComparator(0) + 4, 0); // period high half only
  assert.equal(hpet.read64(tnComparator(0)), 0xffffffff_000001f4n);
  hpet.write(tnConf(0), route(2) | PERIODIC | TN_VAL_SET_CNF);
  hpet.write(tnComparator(0) + 4, 0); // comparator (and period) high half
  assert.equal(hpet.read64(tnComparator(0)), 0x1f4n);
  assert.equal(hpet.read(tnConf(0)), 0x43c);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(10_000); // 0x1f4 = 500 ticks, period 500 ticks
  assert.deepEqual(take(), [...pulse(5000, 2), ...pulse(10_000, 2)]);
  assert.equal(hpet.read64(tnComparator(0)), 1500n);
});

// --- 32-bit mode ---------------------------------------------------------------------------------------

test("32BIT_MODE truncates comparator and period to 32 bits", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(1), TN_32MODE_CNF);
  assert.equal(hpet.read64(tnComparator(1)), 0xffffffffn);

  hpet.write(tnConf(0), route(2) | PERIODIC | TN_VAL_SET_CNF);
  hpet.write64(tnComparator(0), 0x1_0000_0064n); // comparator and period
  assert.equal(hpet.read64(tnComparator(0)), 0x1_0000_0064n);
  hpet.write(tnConf(0), route(2) | PERIODIC | TN_32MODE_CNF);
  assert.equal(hpet.read64(tnComparator(0)), 0x64n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(2000); // comparator 100, period 0x64 = 100 (not 0x1_0000_0064)
  assert.deepEqual(take(), [...pulse(1000, 2), ...pulse(2000, 2)]);
  assert.equal(hpet.read64(tnComparator(0)), 300n);
});

test("a 32-bit periodic timer runs across the 32-bit wrap and shows the low 32 bits", async () => {
  const { hpet, take } = await device();
  hpet.write64(MAIN_CNT, 0xffff_ff00n);
  hpet.write(tnConf(1), route(3) | PERIODIC | TN_VAL_SET_CNF | TN_32MODE_CNF);
  hpet.write(tnComparator(1), 0xffffff64); // comparator (and period)
  hpet.write(tnComparator(1), 0x100); // period 256 ticks
  hpet.write(GEN_CONF, ENABLE_CNF);
  // cmp64 0xffffff64 is 0x64 = 100 ticks ahead: 1000. Then 0x1_0000_0064: 3560, shown as 0x64.
  assert.equal(hpet.nextDeadline(), 1000);
  hpet.advance(1000);
  assert.equal(hpet.read64(tnComparator(1)), 0x64n);
  assert.equal(hpet.nextDeadline(), 3560);
  hpet.advance(6120); // 0x1_0000_0164 at 3560 + 2560 = 6120
  assert.deepEqual(take(), [...pulse(1000, 3), ...pulse(3560, 3), ...pulse(6120, 3)]);
  assert.equal(hpet.read64(tnComparator(1)), 0x264n);
  assert.equal(hpet.read64(MAIN_CNT), 0x1_0000_0164n); // 0xffffff00 + 612
});

test("a 32-bit one-shot beyond the counter's 32-bit wrap interrupts at the wrap, then matches", async () => {
  const { hpet, take } = await device();
  hpet.write64(MAIN_CNT, 0xffff_fff6n); // 10 ticks before the wrap
  hpet.write(tnConf(2), route(5) | ONE_SHOT | TN_32MODE_CNF);
  hpet.write(tnComparator(2), 5); // cmp64 = 0x1_0000_0005 > wrap 0x1_0000_0000
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(hpet.nextDeadline(), 100);
  hpet.advance(100);
  assert.equal(hpet.nextDeadline(), 150);
  hpet.advance(10_000);
  assert.deepEqual(take(), [...pulse(100, 5), ...pulse(150, 5)]);
  assert.equal(hpet.nextDeadline(), null);
  assert.equal(hpet.read64(tnComparator(2)), 5n);
});

test("a 32-bit one-shot matching exactly at the wrap interrupts once", async () => {
  const { hpet, take } = await device();
  hpet.write64(MAIN_CNT, 0xffff_fff6n);
  hpet.write(tnConf(2), route(5) | ONE_SHOT | TN_32MODE_CNF);
  hpet.write(tnComparator(2), 0); // cmp64 = 0x1_0000_0000: not beyond the wrap
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(10_000);
  assert.deepEqual(take(), pulse(100, 5));
});

test("32-bit mode: high-half comparator writes are ignored entirely, VAL_SET included", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | PERIODIC | TN_VAL_SET_CNF | TN_32MODE_CNF);
  assert.equal(hpet.read(tnConf(0)), 0x57c);
  hpet.write(tnComparator(0) + 4, 5);
  assert.equal(hpet.read64(tnComparator(0)), 0xffffffffn);
  assert.equal(hpet.read(tnConf(0)), 0x57c, "VAL_SET stays");
  hpet.write(tnComparator(0), 0x80); // comparator and period 0x80
  assert.equal(hpet.read(tnConf(0)), 0x53c);
  hpet.write(tnComparator(0) + 4, 7);
  hpet.write(tnComparator(0), 0x100); // period 0x100
  assert.equal(hpet.read64(tnComparator(0)), 0x80n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(3840); // 0x80 = 128 ticks, then 0x180 = 384 ticks
  assert.deepEqual(take(), [...pulse(1280, 2), ...pulse(3840, 2)]);
  assert.equal(hpet.read64(tnComparator(0)), 0x280n);
});

test("32-bit mode: an 8-byte comparator write stores its low 32 bits", async () => {
  const { hpet } = await device();
  hpet.write(tnConf(0), TN_32MODE_CNF);
  hpet.write64(tnComparator(0), 0x12345_00000100n);
  assert.equal(hpet.read64(tnComparator(0)), 0x100n);
});

test("32-bit mode: a high-half comparator write does not reprogram the timer", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | ONE_SHOT | TN_32MODE_CNF);
  hpet.write(tnComparator(0), 100);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1500);
  assert.deepEqual(take(), pulse(1000, 2));
  hpet.write(tnComparator(0) + 4, 0);
  assert.equal(hpet.nextDeadline(), null);
  // The same value written to the low half programs it: counter 150, so cmp64 = 2^32 + 100,
  // beyond the wrap: armed for the wrap at (2^32 - 150 + 150) * 10 ns.
  hpet.write(tnComparator(0), 100);
  assert.equal(hpet.nextDeadline(), 42_949_672_960);
});

// --- ENABLE ----------------------------------------------------------------------------------------------

test("ENABLE 0 -> 1 programs every timer, interrupts enabled or not", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(10) | ONE_SHOT);
  hpet.write64(tnComparator(0), 300n);
  hpet.write(tnConf(1), route(11) | ONE_SHOT);
  hpet.write64(tnComparator(1), 100n);
  hpet.write(tnConf(2), route(12) | TN_INT_TYPE_CNF); // level, INT_ENABLE clear
  hpet.write64(tnComparator(2), 200n);
  assert.equal(hpet.nextDeadline(), null, "nothing is armed while halted");
  hpet.advance(50);
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(hpet.nextDeadline(), 1050);
  hpet.advance(2050);
  assert.equal(hpet.read64(GINTR_STA), 0x4n); // timer 2 fired at 2050, silently
  assert.equal(hpet.nextDeadline(), 3050);
  hpet.advance(5000);
  assert.deepEqual(take(), [...pulse(1050, 11), ...pulse(3050, 10)]);
});

test("ENABLE 1 -> 0 disarms every timer; re-enabling programs them from the held counter", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(2) | ONE_SHOT);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(500);
  hpet.write(GEN_CONF, 0); // counter held at 50
  assert.equal(hpet.nextDeadline(), null);
  hpet.advance(5000);
  assert.deepEqual(take(), []);
  hpet.write(GEN_CONF, ENABLE_CNF); // base 50 at 5000: 50 more ticks
  assert.equal(hpet.nextDeadline(), 5500);
  hpet.advance(6000);
  assert.deepEqual(take(), pulse(5500, 2));
});

// --- Order of expiries --------------------------------------------------------------------------------

test("expiries at one time run lowest timer number first", async () => {
  const { hpet, take } = await device();
  for (const n of [2, 1, 0]) {
    hpet.write64(tnComparator(n), 100n);
    hpet.write(tnConf(n), route(20 + n) | ONE_SHOT);
  }
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1000);
  assert.deepEqual(take(), [...pulse(1000, 20), ...pulse(1000, 21), ...pulse(1000, 22)]);
});

test("expiries run earliest first whatever the timer numbers", async () => {
  const { hpet, take } = await device({ timers: 8 });
  const comparators: [timer: number, value: bigint][] = [[0, 300n], [1, 200n], [2, 100n], [7, 100n],
    [5, 100n], [3, 100n], [6, 99n], [4, 301n]];
  for (const [n, value] of comparators) {
    hpet.write64(tnComparator(n), value);
    hpet.write(tnConf(n), route(20 + n) | ONE_SHOT);
  }
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(10_000);
  assert.deepEqual(take(), [
    ...pulse(990, 26), ...pulse(1000, 22), ...pulse(1000, 23), ...pulse(1000, 25), ...pulse(1000, 27),
    ...pulse(2000, 21), ...pulse(3000, 20), ...pulse(3010, 24),
  ]);
});

// --- nextDeadline ----------------------------------------------------------------------------------------

test("nextDeadline is the earliest armed expiry, or null", async () => {
  const { hpet } = await device();
  assert.equal(hpet.nextDeadline(), null);
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(hpet.nextDeadline(), null, "comparators all ones are beyond the horizon");
  hpet.write64(tnComparator(1), 70n);
  assert.equal(hpet.nextDeadline(), 700);
  hpet.write64(tnComparator(2), 40n);
  assert.equal(hpet.nextDeadline(), 400);
  hpet.write(tnConf(0), PERIODIC | TN_VAL_SET_CNF);
  hpet.write64(tnComparator(0), 250n);
  assert.equal(hpet.nextDeadline(), 400);
  hpet.advance(400);
  assert.equal(hpet.nextDeadline(), 700);
  hpet.advance(700);
  assert.equal(hpet.nextDeadline(), 2500);
  hpet.advance(2500);
  assert.equal(hpet.nextDeadline(), 5000);
  hpet.write(GEN_CONF, 0);
  assert.equal(hpet.nextDeadline(), null);

  const big = await bigDevice();
  big.hpet.write64(tnComparator(0), 7n);
  big.hpet.write(GEN_CONF, ENABLE_CNF);
  assert.equal(big.hpet.nextDeadline(), 70n);
});
