// The building blocks on their own: deposit() of timer.ts, the tournament tree of deadlines.ts,
// the outputs of outputs.ts and the main counter of clock.ts.

import { EVENT_CAPACITY, EVENT_LINE, EVENT_MSI, EVENT_PIT, EVENT_PULSE, EVENT_SIZE, MAX_TIME, QUEUE_HEADER_SIZE } from "../abi";
import { counterValue, horizonTicks, startCounter, stopCounter, ticksSinceEnable } from "../clock";
import { disarm, earliestDeadline, earliestKey, keyTimer, rebuildDeadlines, updateDeadline } from "../deadlines";
import { advanceTo, powerOn } from "../device";
import {
  consumeEvents, freeEventSlots, publishDeferLimit, pulseLine, QUEUE, sendMsi,
  setLine, setPitEnable,
} from "../outputs";
import { ENABLE_CNF, GEN_CONF, MAIN_CNT } from "../registers";
import { block, configure, DEFAULT_INTCAP, NEVER, numTimers, timer } from "../state";
import { deposit } from "../timer";
import { boot, eventA, expectEvent, expectEventCount, r4, r8, w4, w8 } from "./helpers";

describe("deposit", () => {
  const OLD: u64 = 0x1111_2222_3333_4444;

  test("a 32-bit write at shift 0 replaces only the low half", () => {
    expect<u64>(deposit(OLD, 0, 32, 0xaaaa_bbbb)).toBe(0x1111_2222_aaaa_bbbb);
  });

  test("a 32-bit write at shift 32 replaces only the high half", () => {
    expect<u64>(deposit(OLD, 32, 32, 0xaaaa_bbbb)).toBe(0xaaaa_bbbb_3333_4444);
  });

  test("a 32-bit write at shift 0 ignores value bits above 31", () => {
    expect<u64>(deposit(OLD, 0, 32, 0xffff_ffff_0000_0001)).toBe(0x1111_2222_0000_0001);
  });

  test("a 64-bit write replaces the whole value", () => {
    expect<u64>(deposit(OLD, 0, 64, 0x0123_4567_89ab_cdef)).toBe(0x0123_4567_89ab_cdef);
  });
});

// --- Tournament tree -------------------------------------------------------------------------

// The earliest deadline by a plain scan: ties go to the lower timer number.
function scanTimer(): u32 {
  let best: u32 = 0;
  for (let n: u32 = 1; n < numTimers; n++) {
    if (timer(n).deadline < timer(best).deadline) best = n;
  }
  return best;
}

let seed: u32 = 12345;
function nextRandom(): u32 {
  seed = seed * 1103515245 + 12345;
  return seed >>> 8;
}

// The earliest timer, as the device's expiry loop takes it from the tree.
function earliestTimer(): u32 {
  return keyTimer(earliestKey());
}

// A timer's new deadline and ticks, carried into the tree.
function setDeadline(n: u32, deadline: u64, ticks: u64): void {
  timer(n).deadline = deadline;
  timer(n).ticks = ticks;
  updateDeadline(n);
}

// Every timer in turn as the single earliest, ties, padding leaves, then random updates.
function checkTree(timers: u32): void {
  powerOn(timers, false, DEFAULT_INTCAP, 10);
  expect<u64>(earliestDeadline()).toBe(NEVER, "all disarmed after power-on");
  for (let m: u32 = 0; m < timers; m++) {
    for (let n: u32 = 0; n < timers; n++) timer(n).deadline = n == m ? 1000 + m : 2000;
    rebuildDeadlines();
    expect<u64>(earliestDeadline()).toBe(1000 + m, "rebuild: earliest deadline");
    expect<u32>(earliestTimer()).toBe(m, "rebuild: earliest timer");
  }
  // A tie between the two highest timers (different subtrees for 25) goes to the lower one.
  for (let n: u32 = 0; n < timers; n++) timer(n).deadline = 2000;
  timer(timers - 1).deadline = 500;
  timer(timers - 2).deadline = 500;
  rebuildDeadlines();
  expect<u32>(earliestTimer()).toBe(timers - 2, "rebuild: tie");
  // Random updates through setDeadline and disarm, checked against a scan after each one: near
  // deadlines, then (from an enable time of 2^40, which the device changes only while every
  // timer is disarmed) far ones too, on both sides of the 2^58 ns distance from the enable time
  // that a key holds exactly.
  for (let i = 0; i < 800; i++) {
    if (i == 400) {
      for (let n: u32 = 0; n < timers; n++) timer(n).deadline = NEVER;
      block.tEnable = 1 << 40;
      rebuildDeadlines();
    }
    const n = nextRandom() % timers;
    const r = nextRandom() % 8;
    const near = block.tEnable + <u64>(nextRandom() % 16);
    if (r == 0) disarm(n);
    else if (i < 400 || r < 5) setDeadline(n, near, r);
    else if (r == 5) setDeadline(n, block.tEnable + KEY_DISTANCE - 2 + <u64>(nextRandom() % 4), r);
    else if (r == 6) setDeadline(n, KEY_DISTANCE + <u64>(nextRandom() % 2), r);
    else setDeadline(n, MAX_TIME - <u64>(nextRandom() % 2), r);
    const best = scanTimer();
    expect<u32>(earliestTimer()).toBe(best, "update: earliest timer");
    expect<u64>(earliestDeadline()).toBe(timer(best).deadline, "update: earliest deadline");
  }
}

// 2^58 ns: deadlines at least this far from the enable time order by a scan.
const KEY_DISTANCE: u64 = 1 << 58;

describe("deadlines: tournament tree", () => {
  test("the earliest deadline wins", () => {
    boot();
    setDeadline(2, 500, 50);
    setDeadline(1, 700, 70);
    expect<u64>(earliestDeadline()).toBe(500);
    expect<u32>(earliestTimer()).toBe(2);
    expect<u64>(timer(2).deadline).toBe(500);
    expect<u64>(timer(2).ticks).toBe(50);
    setDeadline(2, 800, 80);
    expect<u64>(earliestDeadline()).toBe(700);
    expect<u32>(earliestTimer()).toBe(1);
  });

  test("ties go to the lower timer number", () => {
    boot();
    setDeadline(2, 500, 50);
    setDeadline(0, 500, 50);
    expect<u32>(earliestTimer()).toBe(0);
    setDeadline(1, 500, 50);
    expect<u32>(earliestTimer()).toBe(0);
    disarm(0);
    expect<u32>(earliestTimer()).toBe(1);
  });

  test("disarm sets NEVER and ticks 0 and the next earliest takes over", () => {
    boot();
    setDeadline(0, 300, 30);
    setDeadline(1, 400, 40);
    disarm(0);
    expect<u64>(timer(0).deadline).toBe(NEVER);
    expect<u64>(timer(0).ticks).toBe(0);
    expect<u64>(earliestDeadline()).toBe(400);
    expect<u32>(earliestTimer()).toBe(1);
    disarm(1);
    expect<u64>(earliestDeadline()).toBe(NEVER);
  });

  test("rebuild for 3 timers", () => { checkTree(3); });
  test("rebuild for 8 timers", () => { checkTree(8); });
  test("rebuild for 24 timers", () => { checkTree(24); });
  test("rebuild for 25 timers", () => { checkTree(25); });
  test("rebuild for 32 timers", () => { checkTree(32); });

  test("rebuild ignores the state of timers past the configured count", () => {
    powerOn(32, false, DEFAULT_INTCAP, 10);
    timer(31).deadline = 1;
    timer(3).deadline = 1;
    configure(25, false, DEFAULT_INTCAP, 10);
    rebuildDeadlines();
    expect<u64>(earliestDeadline()).toBe(1);
    expect<u32>(earliestTimer()).toBe(3);
    configure(3, false, DEFAULT_INTCAP, 10);
    rebuildDeadlines();
    expect<u64>(earliestDeadline()).toBe(NEVER);
  });
});

// --- Outputs ---------------------------------------------------------------------------------

describe("outputs", () => {
  test("power-on queues exactly the reset's PIT-enable rise at time 0", () => {
    boot();
    setLine(4, true);
    powerOn(3, false, DEFAULT_INTCAP, 10);
    expectEventCount(1);
    expectEvent(0, 0, EVENT_PIT, 1, 0);
    expect<u32>(block.lines).toBe(0);
  });

  test("a line reports only changes of level", () => {
    boot();
    block.now = 50;
    setLine(5, true);
    setLine(5, true);
    setLine(5, false);
    setLine(5, false);
    setLine(31, true);
    expectEventCount(3);
    expectEvent(0, 50, EVENT_LINE, 5, 1);
    expectEvent(1, 50, EVENT_LINE, 5, 0);
    expectEvent(2, 50, EVENT_LINE, 31, 1);
    expect<u32>(block.lines).toBe(0x8000_0000);
  });

  test("a pulse on a low line is one PULSE record and the line stays low", () => {
    boot();
    block.now = 70;
    pulseLine(3);
    expectEventCount(1);
    expectEvent(0, 70, EVENT_PULSE, 3, 0);
    expect<u32>(block.lines).toBe(0);
  });

  test("a pulse on a high line is one LINE-low record", () => {
    boot();
    block.now = 70;
    setLine(3, true);
    pulseLine(3);
    expectEventCount(2);
    expectEvent(1, 70, EVENT_LINE, 3, 0);
    expect<u32>(block.lines).toBe(0);
  });

  test("PIT-enable reports only changes", () => {
    boot(); // PIT-enable is high after reset
    block.now = 9;
    setPitEnable(true);
    expectEventCount(0);
    setPitEnable(false);
    setPitEnable(false);
    setPitEnable(true);
    expectEventCount(2);
    expectEvent(0, 9, EVENT_PIT, 0, 0);
    expectEvent(1, 9, EVENT_PIT, 1, 0);
  });

  test("record layout: header with the count first, then u64 time, kind at 8, a at 12, b at 16", () => {
    boot();
    block.now = 0x0123_4567_89ab_cdef;
    sendMsi(0xfee0_1000, 0x0000_4041);
    expect<u32>(QUEUE_HEADER_SIZE).toBe(64, "header size (count, capacity, size, reserved, defer limit, deadline, counter)");
    const record = QUEUE + QUEUE_HEADER_SIZE;
    expect<u32>(load<u32>(QUEUE)).toBe(1, "count");
    expect<u32>(load<u32>(QUEUE, 4)).toBe(EVENT_CAPACITY, "capacity");
    expect<u32>(load<u32>(QUEUE, 8)).toBe(EVENT_SIZE, "record size");
    expect<u64>(load<u64>(record)).toBe(0x0123_4567_89ab_cdef, "time");
    expect<u32>(load<u32>(record, 8)).toBe(EVENT_MSI, "kind");
    expect<u32>(load<u32>(record, 12)).toBe(0xfee0_1000, "a");
    expect<u32>(load<u32>(record, 16)).toBe(0x4041, "b");
  });

  test("the defer limit is the earliest deadline, below it when not exact in a double", () => {
    const at = QUEUE + 16;
    const exact = QUEUE + 24;
    publishDeferLimit(0);
    expect<f64>(load<f64>(at)).toBe(0.0);
    expect<u64>(load<u64>(exact)).toBe(0);
    publishDeferLimit(9_007_199_254_740_992); // 2^53: exact
    expect<f64>(load<f64>(at)).toBe(9_007_199_254_740_992.0);
    publishDeferLimit(9_007_199_254_740_993); // 2^53 + 1: minus 1024, exact below 2^53
    expect<f64>(load<f64>(at)).toBe(9_007_199_254_739_969.0);
    expect<u64>(load<u64>(exact)).toBe(9_007_199_254_740_993, "the exact deadline beside it");
    publishDeferLimit(0x7fff_ffff_ffff_ffff); // 2^63 - 1025 rounds to 2^63 - 1024
    expect<f64>(load<f64>(at)).toBe(9_223_372_036_854_774_784.0);
    publishDeferLimit(NEVER);
    expect<f64>(load<f64>(at)).toBe(9_223_372_036_854_775_808.0);
    expect<u64>(load<u64>(exact)).toBe(NEVER);
  });

  test("the counter's parameters are republished, under a new even sequence, at every change", () => {
    boot();
    const sequence = (): u32 => load<u32>(QUEUE, 32);
    const running = (): u32 => load<u32>(QUEUE, 36);
    const base = (): u64 => load<u64>(QUEUE, 40);
    const enableTime = (): u64 => load<u64>(QUEUE, 48);
    expect<u32>(load<u32>(QUEUE, 56)).toBe(10, "clock period");
    let seen = sequence();
    expect<u32>(seen & 1).toBe(0, "even after power-on");
    expect<u32>(running()).toBe(0);
    expect<u64>(base()).toBe(0);
    w8(MAIN_CNT, 0xffff_ffff_0000_0005);
    expect<u32>(sequence()).toBe(seen + 2, "a MAIN_CNT write while halted");
    expect<u64>(base()).toBe(0xffff_ffff_0000_0005);
    block.now = 700;
    w4(GEN_CONF, 1);
    expect<u32>(sequence()).toBe(seen + 4, "enable");
    expect<u32>(running()).toBe(1);
    expect<u64>(base()).toBe(0xffff_ffff_0000_0005);
    expect<u64>(enableTime()).toBe(700);
    w8(MAIN_CNT, 0); // ignored while running
    expect<u32>(sequence()).toBe(seen + 4, "a write the counter ignores changes nothing");
    block.now = 1234;
    w4(GEN_CONF, 0);
    expect<u32>(sequence()).toBe(seen + 6, "disable");
    expect<u32>(running()).toBe(0);
    expect<u64>(base()).toBe(0xffff_ffff_0000_0005 + 53, "the held value");
  });

  test("consumeEvents moves later events to the front", () => {
    boot();
    for (let i: u32 = 0; i < 5; i++) {
      block.now = 100 + i;
      sendMsi(i, 10 + i);
    }
    consumeEvents(0);
    expectEventCount(5);
    consumeEvents(2);
    expectEventCount(3);
    expectEvent(0, 102, EVENT_MSI, 2, 12);
    expectEvent(1, 103, EVENT_MSI, 3, 13);
    expectEvent(2, 104, EVENT_MSI, 4, 14);
    expect<u32>(freeEventSlots()).toBe(EVENT_CAPACITY - 3);
    consumeEvents(4);
    expectEventCount(0);
  });

  test("a full queue takes no more records", () => {
    boot();
    for (let i: u32 = 0; i < EVENT_CAPACITY + 3; i++) sendMsi(i, 0);
    expectEventCount(EVENT_CAPACITY);
    expect<u32>(eventA(EVENT_CAPACITY - 1)).toBe(EVENT_CAPACITY - 1);
    expect<u32>(freeEventSlots()).toBe(0);
  });
});

// --- Main counter ------------------------------------------------------------------------------

describe("clock: counter = base + (now - tEnable) / period", () => {
  test("the counter holds its stored value while halted", () => {
    boot();
    w8(MAIN_CNT, 1000);
    advanceTo(12345);
    expect<u64>(counterValue()).toBe(1000);
    expect<u64>(r8(MAIN_CNT)).toBe(1000);
  });

  test("whole ticks since enable are added to the base", () => {
    boot();
    w8(MAIN_CNT, 1000);
    advanceTo(55);
    w8(GEN_CONF, ENABLE_CNF);
    expect<u64>(block.base).toBe(1000);
    expect<u64>(block.tEnable).toBe(55);
    advanceTo(154);
    expect<u64>(ticksSinceEnable()).toBe(9);
    expect<u64>(r8(MAIN_CNT)).toBe(1009);
    advanceTo(155);
    expect<u64>(r8(MAIN_CNT)).toBe(1010);
    expect<u64>(r4(MAIN_CNT)).toBe(1010);
    expect<u64>(r4(MAIN_CNT + 4)).toBe(0);
  });

  test("disabling stores the count, which then holds", () => {
    boot();
    w8(MAIN_CNT, 1000);
    w8(GEN_CONF, ENABLE_CNF);
    advanceTo(1009);
    w8(GEN_CONF, 0);
    expect<u64>(block.counter).toBe(1100);
    advanceTo(5000);
    expect<u64>(r8(MAIN_CNT)).toBe(1100);
    w8(GEN_CONF, ENABLE_CNF); // restarts from the held value at t = 5000
    advanceTo(5030);
    expect<u64>(r8(MAIN_CNT)).toBe(1103);
  });

  test("the counter wraps modulo 2^64", () => {
    boot();
    w8(MAIN_CNT, 0xffff_ffff_ffff_fff0);
    w8(GEN_CONF, ENABLE_CNF);
    advanceTo(159);
    expect<u64>(r8(MAIN_CNT)).toBe(0xffff_ffff_ffff_ffff);
    advanceTo(200);
    expect<u64>(r8(MAIN_CNT)).toBe(4);
  });

  test("a counter write while enabled is ignored; halves write while halted", () => {
    boot();
    w4(MAIN_CNT, 0x89ab_cdef);
    w4(MAIN_CNT + 4, 0x0123_4567);
    expect<u64>(r8(MAIN_CNT)).toBe(0x0123_4567_89ab_cdef);
    w8(GEN_CONF, ENABLE_CNF);
    w8(MAIN_CNT, 7);
    w4(MAIN_CNT, 7);
    expect<u64>(r8(MAIN_CNT)).toBe(0x0123_4567_89ab_cdef);
  });

  test("another clock period divides by it", () => {
    powerOn(3, false, DEFAULT_INTCAP, 7);
    w8(GEN_CONF, ENABLE_CNF);
    advanceTo(100);
    expect<u64>(r8(MAIN_CNT)).toBe(14);
  });

  test("startCounter and stopCounter move the count between counter and base", () => {
    boot();
    block.counter = 0xffff_ffff_ffff_fffe;
    block.now = 1000;
    startCounter();
    expect<u64>(block.base).toBe(0xffff_ffff_ffff_fffe);
    expect<u64>(block.tEnable).toBe(1000);
    expect<u64>(horizonTicks).toBe((0x7fff_ffff_ffff_ffff - 1000) / 10);
    block.genConf = ENABLE_CNF;
    block.now = 1035;
    expect<u64>(counterValue()).toBe(1);
    stopCounter();
    expect<u64>(block.counter).toBe(1);
  });

  test("the horizon is (2^63 - 1 - tEnable) / period ticks", () => {
    boot();
    expect<u64>(horizonTicks).toBe(922_337_203_685_477_580);
  });
});
