// Programming, arming and expiry of one comparator, through the registers and the passage of
// time (timer.ts and device.ts). Deadlines are hand-computed from the behaviour reference with
// a 10 ns clock period: deadline = tEnable + ticks * 10.

import {
  ADVANCE_INCOMPLETE, EVENT_CAPACITY, EVENT_PULSE, EVENTS_PER_CALL_MAX, EXPIRIES_PER_CALL_MAX,
} from "../abi";
import { earliestDeadline } from "../deadlines";
import { advanceTo, reset } from "../device";
import { consumeEvents } from "../outputs";
import {
  ENABLE_CNF, GEN_CONF, MAIN_CNT, TN_32MODE_CNF, TN_INT_ENB_CNF, TN_TYPE_CNF, TN_VAL_SET_CNF,
} from "../registers";
import { ARMED_BEFORE, block, NEVER, timer, WRAP_PENDING } from "../state";
import { boot, cmp, conf, expectEvent, expectEventCount, r4, r8, route, w4, w8 } from "./helpers";

const ONE_SHOT: u64 = TN_INT_ENB_CNF | route(2);
const PERIODIC: u64 = TN_INT_ENB_CNF | TN_TYPE_CNF | route(2);
const RESET_CONF: u64 = 0x00ff_0004_0000_0030;

function enable(): void {
  w8(GEN_CONF, ENABLE_CNF);
}

describe("arming for counter value X", () => {
  test("a comparator in the past fires at the current time, at the next advance", () => {
    boot();
    w8(MAIN_CNT, 1000);
    w8(conf(0), ONE_SHOT);
    w8(cmp(0), 500);
    advanceTo(100);
    enable();
    expect<u64>(timer(0).deadline).toBe(100);
    expect<u64>(earliestDeadline()).toBe(100);
    expectEventCount(0); // register accesses never run expirations
    advanceTo(5000);
    expectEventCount(1);
    expectEvent(0, 100, EVENT_PULSE, 2, 0);
    expect<u64>(timer(0).deadline).toBe(NEVER, "a one-shot stays disarmed");
    expect<u64>(r8(cmp(0))).toBe(500);
  });

  test("the deadline is tEnable + (dcur + (X - cur)) * period", () => {
    boot();
    advanceTo(3);
    enable(); // tEnable = 3
    w8(conf(0), ONE_SHOT);
    advanceTo(1000); // dcur = 99, cur = 99
    w8(cmp(0), 150);
    expect<u64>(timer(0).deadline).toBe(1503);
    expect<u64>(timer(0).ticks).toBe(150);
    advanceTo(1502);
    expectEventCount(0);
    advanceTo(1503);
    expectEventCount(1);
    expectEvent(0, 1503, EVENT_PULSE, 2, 0);
  });

  test("a deadline past 2^63 - 1 ns is not armed and cancels an earlier arming", () => {
    boot();
    enable();
    w8(conf(0), ONE_SHOT);
    w8(cmp(0), 922_337_203_685_477_580); // the last tick before 2^63 - 1 ns
    expect<u64>(timer(0).deadline).toBe(9_223_372_036_854_775_800);
    w8(cmp(0), 1000);
    expect<u64>(timer(0).deadline).toBe(10_000);
    w8(cmp(0), 922_337_203_685_477_581);
    expect<u64>(timer(0).deadline).toBe(NEVER);
    expect<u64>(earliestDeadline()).toBe(NEVER);
    advanceTo(0x7fff_ffff_ffff_ffff);
    expectEventCount(0);
  });

  test("a 64-bit comparator of all ones is never armed at enable (deviation 3)", () => {
    boot();
    w8(conf(0), ONE_SHOT);
    enable();
    expect<u64>(r8(cmp(0))).toBe(NEVER);
    expect<u64>(timer(0).deadline).toBe(NEVER);
    expect<u32>(timer(0).flags & ARMED_BEFORE).toBe(0, "no arming happened");
  });

  test("counter values near 2^64 arm without overflow (deviation 3)", () => {
    boot();
    w8(MAIN_CNT, 0xffff_ffff_ffff_ff00);
    w8(conf(0), ONE_SHOT);
    w8(cmp(0), 0xffff_ffff_ffff_ff10);
    advanceTo(7);
    enable();
    expect<u64>(timer(0).deadline).toBe(7 + 16 * 10);
    advanceTo(1000);
    expectEvent(0, 167, EVENT_PULSE, 2, 0);
  });
});

describe("storm guard", () => {
  test("periodic: L <= deadline < L + 1000 ns becomes L + 1000 ns", () => {
    boot();
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF);
    w8(cmp(0), 10); // comparator and period 10
    enable();
    expect<u64>(timer(0).deadline).toBe(100, "first arming is not guarded");
    advanceTo(100); // cmp64 20 would be due at 200
    expect<u64>(timer(0).deadline).toBe(1100);
    expect<u64>(timer(0).ticks).toBe(110);
    expect<u64>(r8(cmp(0))).toBe(20);
    advanceTo(2100); // at 1100: cur 110 -> cmp64 120 (1200 -> 2100); at 2100: cur 210 -> 220
    expectEventCount(3);
    expectEvent(0, 100, EVENT_PULSE, 2, 0);
    expectEvent(1, 1100, EVENT_PULSE, 2, 0);
    expectEvent(2, 2100, EVENT_PULSE, 2, 0);
    expect<u64>(r8(cmp(0))).toBe(220);
    expect<u64>(timer(0).deadline).toBe(3100);
  });

  test("storm guard: a deadline equal to L is moved", () => {
    boot();
    enable();
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF); // comparator all ones: not armed
    w8(cmp(0), 100); // comparator and period 100: deadline 1000 = L
    expect<u64>(timer(0).deadline).toBe(1000);
    w8(cmp(0), 100); // the period again: re-armed for 1000
    expect<u64>(timer(0).deadline).toBe(2000);
  });

  test("storm guard: a re-arm at L + 999 ns moves to L + 1000 ns", () => {
    boot();
    w8(MAIN_CNT, 1000);
    enable();
    advanceTo(1);
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF);
    w8(cmp(0), 100); // comparator and period 100 <= cur 1000: deadline now = 1 = L
    expect<u64>(timer(0).deadline).toBe(1);
    advanceTo(1); // cmp64 -> 1100, due at 1000 = L + 999
    expectEventCount(1);
    expectEvent(0, 1, EVENT_PULSE, 2, 0);
    expect<u64>(r8(cmp(0))).toBe(1100);
    expect<u64>(timer(0).deadline).toBe(1001);
    expect<u64>(timer(0).ticks).toBe(100);
  });

  test("storm guard: a re-arm at exactly L + 1000 ns is not moved", () => {
    boot();
    w8(MAIN_CNT, 1000);
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF);
    w8(cmp(0), 100);
    enable(); // 100 <= cur 1000: deadline now = 0 = L
    expect<u64>(timer(0).deadline).toBe(0);
    advanceTo(0); // cmp64 -> 1100, due at 1000 = L + 1000
    expect<u64>(timer(0).deadline).toBe(1000);
  });

  test("storm guard: a deadline before L is not moved", () => {
    boot();
    enable();
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF);
    w8(cmp(0), 100_000); // L = 1,000,000
    expect<u64>(timer(0).deadline).toBe(1_000_000);
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF); // re-armed for L itself: L + 1000
    expect<u64>(timer(0).deadline).toBe(1_001_000);
    w8(cmp(0), 50); // comparator and period 50: 500 < L
    expect<u64>(timer(0).deadline).toBe(500);
  });

  test("storm guard: one-shot timers are never moved", () => {
    boot();
    enable();
    w8(conf(0), ONE_SHOT);
    w8(cmp(0), 10);
    expect<u64>(timer(0).deadline).toBe(100);
    w8(cmp(0), 20);
    expect<u64>(timer(0).deadline).toBe(200);
    advanceTo(10_000);
    expectEventCount(1);
    expectEvent(0, 200, EVENT_PULSE, 2, 0);
  });

  test("storm guard: reset forgets the previous deadline", () => {
    boot();
    enable();
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF);
    w8(cmp(0), 100);
    expect<u64>(timer(0).deadline).toBe(1000);
    reset();
    expect<u32>(timer(0).flags).toBe(0);
    enable();
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF);
    w8(cmp(0), 100);
    expect<u64>(timer(0).deadline).toBe(1000);
  });
});

describe("periodic expiry", () => {
  test("a periodic timer on time (counter == comparator) advances one period (deviation 1)", () => {
    boot();
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF);
    w8(cmp(0), 200);
    enable();
    advanceTo(2000);
    expect<u64>(r8(cmp(0))).toBe(400);
    expect<u64>(timer(0).deadline).toBe(4000);
    advanceTo(4000);
    expectEventCount(2);
    expectEvent(0, 2000, EVENT_PULSE, 2, 0);
    expectEvent(1, 4000, EVENT_PULSE, 2, 0);
    expect<u64>(r8(cmp(0))).toBe(600);
  });

  test("missed periods are skipped in one step: one interrupt", () => {
    boot();
    w8(MAIN_CNT, 1_000_000);
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF);
    w8(cmp(0), 100);
    enable(); // 100 <= cur: due now
    advanceTo(0); // 100 + 100 * ((1,000,000 - 100) / 100 + 1) = 1,000,100
    expectEventCount(1);
    expectEvent(0, 0, EVENT_PULSE, 2, 0);
    expect<u64>(r8(cmp(0))).toBe(1_000_100);
    expect<u64>(timer(0).deadline).toBe(1000);
  });

  test("catch-up is computed modulo 2^64", () => {
    boot();
    w8(MAIN_CNT, 0xffff_ffff_ffff_fff0);
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF);
    w8(cmp(0), 0xffff_ffff_ffff_ff00);
    w8(cmp(0), 0x60); // period 96
    enable();
    expect<u64>(timer(0).deadline).toBe(0);
    advanceTo(0); // late 240: cmp64 += 96 * 3 -> 0x20 after the wrap, below cur: due now, guarded
    expect<u64>(r8(cmp(0))).toBe(0x20);
    expect<u64>(timer(0).deadline).toBe(1000);
    advanceTo(1000); // cur 0x54: late 52 -> cmp64 0x80, due at 1440, guarded to 2000
    expect<u64>(r8(cmp(0))).toBe(0x80);
    expect<u64>(timer(0).deadline).toBe(2000);
    expectEventCount(2);
    expectEvent(1, 1000, EVENT_PULSE, 2, 0);
  });

  test("a period of 1 after 2^63 missed ticks takes one step (deviation 2)", () => {
    boot();
    w8(MAIN_CNT, 0x8000_0000_0000_0000);
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF);
    w8(cmp(0), 0);
    w8(cmp(0), 1);
    enable();
    advanceTo(0);
    expectEventCount(1);
    expect<u64>(r8(cmp(0))).toBe(0x8000_0000_0000_0001);
    expect<u64>(timer(0).deadline).toBe(1000);
  });

  test("a periodic timer with period 0 stays disarmed after its interrupt", () => {
    boot();
    w8(conf(0), ONE_SHOT);
    w8(cmp(0), 50); // comparator only: the period stays 0
    w8(conf(0), PERIODIC);
    enable();
    expect<u64>(timer(0).deadline).toBe(500);
    advanceTo(100_000);
    expectEventCount(1);
    expectEvent(0, 500, EVENT_PULSE, 2, 0);
    expect<u64>(timer(0).deadline).toBe(NEVER);
  });
});

describe("32-bit mode", () => {
  test("cmp64 is cur with its low 32 bits replaced", () => {
    boot();
    w8(MAIN_CNT, 0x5_8000_0000);
    w8(conf(0), ONE_SHOT | TN_32MODE_CNF);
    w8(cmp(0), 0x9000_0000);
    enable();
    expect<u64>(timer(0).cmp64).toBe(0x5_9000_0000);
    expect<u32>(timer(0).flags & WRAP_PENDING).toBe(0);
    expect<u64>(timer(0).deadline).toBe(2_684_354_560);
  });

  test("a one-shot beyond the next wrap interrupts at the wrap, then at cmp64", () => {
    boot();
    w8(MAIN_CNT, 0x5_8000_0000);
    w8(conf(0), ONE_SHOT | TN_32MODE_CNF);
    w8(cmp(0), 0x7000_0000); // 0x5_7000_0000 < cur: cmp64 0x6_7000_0000, past the wrap 0x6_0000_0000
    enable();
    expect<u64>(timer(0).cmp64).toBe(0x6_7000_0000);
    expect<u32>(timer(0).flags & WRAP_PENDING).toBe(WRAP_PENDING);
    expect<u64>(timer(0).deadline).toBe(21_474_836_480);
    advanceTo(21_474_836_480);
    expectEventCount(1);
    expectEvent(0, 21_474_836_480, EVENT_PULSE, 2, 0);
    expect<u32>(timer(0).flags & WRAP_PENDING).toBe(0);
    expect<u64>(timer(0).deadline).toBe(40_265_318_400);
    advanceTo(0x7fff_ffff_ffff_ffff);
    expectEventCount(2);
    expectEvent(1, 40_265_318_400, EVENT_PULSE, 2, 0);
  });

  test("a one-shot whose cmp64 is the wrap itself interrupts once", () => {
    boot();
    w8(MAIN_CNT, 0x5_8000_0000);
    w8(conf(0), ONE_SHOT | TN_32MODE_CNF);
    w8(cmp(0), 0);
    enable();
    expect<u64>(timer(0).cmp64).toBe(0x6_0000_0000);
    expect<u32>(timer(0).flags & WRAP_PENDING).toBe(0);
    advanceTo(0x7fff_ffff_ffff_ffff);
    expectEventCount(1);
    expectEvent(0, 21_474_836_480, EVENT_PULSE, 2, 0);
  });

  test("a 32-bit periodic timer arms for cmp64 directly and shows the low half", () => {
    boot();
    w8(MAIN_CNT, 0x5_8000_0000);
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF | TN_32MODE_CNF);
    w8(cmp(0), 0x7000_0000);
    enable();
    expect<u32>(timer(0).flags & WRAP_PENDING).toBe(0);
    expect<u64>(timer(0).deadline).toBe(40_265_318_400);
    advanceTo(40_265_318_400);
    expectEventCount(1);
    expect<u64>(timer(0).cmp64).toBe(0x6_e000_0000);
    expect<u64>(r8(cmp(0))).toBe(0xe000_0000);
    expect<u64>(timer(0).deadline).toBe(59_055_800_320);
  });

  test("setting 32BIT_MODE truncates the comparator and the period", () => {
    boot();
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF);
    w8(cmp(0), 0x12_3456_789a);
    w8(conf(0), PERIODIC | TN_32MODE_CNF);
    expect<u64>(r8(cmp(0))).toBe(0x3456_789a);
    expect<u64>(timer(0).period).toBe(0x3456_789a);
  });

  test("a write to the high half of a 32-bit comparator is ignored and VAL_SET stays", () => {
    boot();
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF | TN_32MODE_CNF);
    w4(cmp(0) + 4, 0x1234);
    expect<u64>(r8(cmp(0))).toBe(0xffff_ffff);
    expect<u64>(timer(0).period).toBe(0);
    expect<u64>(r8(conf(0)) & TN_VAL_SET_CNF).toBe(TN_VAL_SET_CNF);
    w4(cmp(0), 0x5678);
    expect<u64>(r8(cmp(0))).toBe(0x5678);
    expect<u64>(timer(0).period).toBe(0x5678);
    expect<u64>(r8(conf(0)) & TN_VAL_SET_CNF).toBe(0);
    w8(cmp(0), 0xaaaa_bbbb_cccc_dddd); // periodic without VAL_SET: the period only, low half
    expect<u64>(timer(0).period).toBe(0xcccc_dddd);
    expect<u64>(r8(cmp(0))).toBe(0x5678);
  });

  test("an 8-byte write to a 32-bit one-shot comparator keeps the low half", () => {
    boot();
    w8(conf(0), ONE_SHOT | TN_32MODE_CNF);
    w8(cmp(0), 0xaaaa_bbbb_cccc_dddd);
    expect<u64>(r8(cmp(0))).toBe(0xcccc_dddd);
  });
});

describe("comparator and configuration writes", () => {
  test("one-shot: each half goes into the comparator, the period is untouched", () => {
    boot();
    w4(cmp(0), 0x1111_2222);
    expect<u64>(r8(cmp(0))).toBe(0xffff_ffff_1111_2222);
    w4(cmp(0) + 4, 3);
    expect<u64>(r8(cmp(0))).toBe(0x3_1111_2222);
    expect<u64>(r4(cmp(0) + 4)).toBe(3);
    expect<u64>(timer(0).period).toBe(0);
  });

  test("VAL_SET: periodic without it sets only the period, with it both, then it clears", () => {
    boot();
    w8(conf(0), TN_TYPE_CNF);
    w8(cmp(0), 500);
    expect<u64>(r8(cmp(0))).toBe(NEVER);
    expect<u64>(timer(0).period).toBe(500);
    w8(conf(0), TN_TYPE_CNF | TN_VAL_SET_CNF);
    w8(cmp(0), 600);
    expect<u64>(r8(cmp(0))).toBe(600);
    expect<u64>(timer(0).period).toBe(600);
    expect<u64>(r8(conf(0))).toBe(RESET_CONF | TN_TYPE_CNF);
    w8(cmp(0), 700);
    expect<u64>(r8(cmp(0))).toBe(600);
    expect<u64>(timer(0).period).toBe(700);
  });

  test("configuration: only bits 0x7f4e are writable", () => {
    boot();
    expect<u64>(r8(conf(0))).toBe(RESET_CONF);
    w8(conf(0), 0xffff_ffff_ffff_ffff);
    expect<u64>(r8(conf(0))).toBe(0x00ff_0004_0000_7f7e);
    w8(conf(1), 0);
    w4(conf(1) + 4, 0);
    expect<u64>(r8(conf(1))).toBe(RESET_CONF);
    boot(3, true);
    expect<u64>(r8(conf(2))).toBe(RESET_CONF | 0x8000);
  });
});

describe("advancing time", () => {
  test("advance stops before the queue has fewer free slots than one call needs", () => {
    boot();
    w8(conf(0), PERIODIC | TN_VAL_SET_CNF);
    w8(cmp(0), 100); // every 1000 ns, from 1000
    enable();
    const limit = EVENT_CAPACITY - EVENTS_PER_CALL_MAX;
    const end: u64 = <u64>(2 * limit + 56) * 1000;
    expect<i32>(advanceTo(end)).toBe(ADVANCE_INCOMPLETE | limit);
    expectEventCount(limit);
    expectEvent(limit - 1, <u64>limit * 1000, EVENT_PULSE, 2, 0);
    expect<u64>(block.now).toBe(<u64>limit * 1000, "time stays at the last expiry");
    consumeEvents(EVENT_CAPACITY);
    expect<i32>(advanceTo(end)).toBe(ADVANCE_INCOMPLETE | limit);
    expectEvent(0, <u64>(limit + 1) * 1000, EVENT_PULSE, 2, 0);
    consumeEvents(EVENT_CAPACITY);
    expect<i32>(advanceTo(end)).toBe(56);
    expectEvent(55, end, EVENT_PULSE, 2, 0);
    expect<u64>(block.now).toBe(end);
  });

  test("advance runs at most EXPIRIES_PER_CALL_MAX expiries per call", () => {
    boot();
    w8(conf(0), TN_TYPE_CNF | TN_VAL_SET_CNF); // INT_ENB clear: no events
    w8(cmp(0), 100);
    enable();
    expect<i32>(advanceTo(100_000_000)).toBe(ADVANCE_INCOMPLETE);
    expect<u64>(block.now).toBe(<u64>EXPIRIES_PER_CALL_MAX * 1000);
    expect<u64>(timer(0).deadline).toBe(<u64>(EXPIRIES_PER_CALL_MAX + 1) * 1000);
  });
});
