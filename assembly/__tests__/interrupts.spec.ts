// Raising and lowering interrupts, the status register, the legacy route and inputs, FSB (MSI)
// delivery, reset and the identification register (timer.ts and device.ts).

import { EVENT_CAPACITY, EVENT_LINE, EVENT_MSI, EVENT_PIT, EVENT_PULSE } from "../abi";
import { earliestDeadline } from "../deadlines";
import { advanceTo, INPUT_PIT, INPUT_RTC, powerOn, reset, setLegacyInput } from "../device";
import { consumeEvents } from "../outputs";
import {
  ENABLE_CNF, GCAP_ID, GEN_CONF, GINTR_STA, LEG_RT_CNF, MAIN_CNT, TN_FSB_EN_CNF, TN_INT_ENB_CNF,
  TN_INT_TYPE_CNF,
} from "../registers";
import { block, DEFAULT_INTCAP, NEVER, timer } from "../state";
import {
  boot, cmp, conf, expectEvent, expectEventCount, fsb, r4, r8, route, w4, w8,
} from "./helpers";

const LEVEL: u64 = TN_INT_TYPE_CNF | TN_INT_ENB_CNF;
const EDGE: u64 = TN_INT_ENB_CNF;
const RESET_CONF: u64 = 0x00ff_0004_0000_0030;

// Program timer n (while halted) as a one-shot for counter value `at`.
function oneShot(n: u32, config: u64, at: u64): void {
  w8(conf(n), config);
  w8(cmp(n), at);
}

function enable(): void {
  w8(GEN_CONF, ENABLE_CNF);
}

describe("level and edge", () => {
  test("level: ISR bit set and line high; writing 1 to the bit clears it and lowers the line", () => {
    boot();
    oneShot(0, LEVEL | route(5), 10);
    enable();
    advanceTo(100);
    expectEventCount(1);
    expectEvent(0, 100, EVENT_LINE, 5, 1);
    expect<u64>(r8(GINTR_STA)).toBe(1);
    w8(GINTR_STA, 0);
    w8(GINTR_STA, 2); // a bit that is not set
    expectEventCount(1);
    expect<u64>(r8(GINTR_STA)).toBe(1);
    w8(GINTR_STA, 1);
    expectEventCount(2);
    expectEvent(1, 100, EVENT_LINE, 5, 0);
    expect<u64>(r8(GINTR_STA)).toBe(0);
  });

  test("level: firing again while the line is high reports nothing", () => {
    boot();
    w8(conf(0), LEVEL | 0x48 | route(5)); // periodic, VAL_SET
    w8(cmp(0), 100);
    enable();
    advanceTo(2000); // expiries at 1000 and 2000
    expect<u64>(r8(cmp(0))).toBe(300);
    expectEventCount(1);
    expectEvent(0, 1000, EVENT_LINE, 5, 1);
    expect<u64>(r8(GINTR_STA)).toBe(1);
  });

  test("edge: the line pulses and the ISR bit is cleared", () => {
    boot();
    oneShot(0, EDGE | route(5), 10);
    block.isr = 1; // a stale bit: raised at enable (INT_ENB set), which clears it
    enable();
    expect<u64>(r8(GINTR_STA)).toBe(0);
    expectEvent(0, 0, EVENT_PULSE, 5, 0);
    advanceTo(100);
    expectEventCount(2);
    expectEvent(1, 100, EVENT_PULSE, 5, 0);
    expect<u32>(block.lines).toBe(0);
  });

  test("edge on a line held high by a level timer: one LINE-low record", () => {
    boot();
    oneShot(0, LEVEL | route(5), 10);
    oneShot(1, EDGE | route(5), 20);
    enable();
    advanceTo(200);
    expectEventCount(2);
    expectEvent(0, 100, EVENT_LINE, 5, 1);
    expectEvent(1, 200, EVENT_LINE, 5, 0);
    expect<u64>(r8(GINTR_STA)).toBe(1);
  });

  test("INT_ENB clear on expiry: only the status bit changes, the line is left alone (deviation 5)", () => {
    boot();
    block.isr = 4; // timer 2 (edge, disabled) starts with its bit set
    oneShot(0, LEVEL | route(5), 10);
    oneShot(1, TN_INT_TYPE_CNF | route(5), 20);
    oneShot(2, route(5), 30);
    enable();
    advanceTo(300);
    expectEventCount(1);
    expectEvent(0, 100, EVENT_LINE, 5, 1);
    expect<u64>(r8(GINTR_STA)).toBe(3);
    expect<u32>(block.lines).toBe(1 << 5);
  });

  test("INT_ENB 0 -> 1 while the status bit is set raises at once", () => {
    boot();
    oneShot(1, TN_INT_TYPE_CNF | route(5), 20);
    enable();
    advanceTo(300);
    expectEventCount(0);
    expect<u64>(r8(GINTR_STA)).toBe(2);
    w8(conf(1), LEVEL | route(6));
    expectEventCount(1);
    expectEvent(0, 300, EVENT_LINE, 6, 1);
  });

  test("LEVEL 1 -> 0 lowers the timer first, on its old route", () => {
    boot();
    oneShot(0, LEVEL | route(5), 10);
    enable();
    advanceTo(150);
    w8(conf(0), EDGE | route(6)); // and re-armed: comparator 10 <= cur 15, due now
    expectEventCount(2);
    expectEvent(1, 150, EVENT_LINE, 5, 0);
    expect<u64>(r8(GINTR_STA)).toBe(0);
    expect<u64>(timer(0).deadline).toBe(150);
    advanceTo(150);
    expectEventCount(3);
    expectEvent(2, 150, EVENT_PULSE, 6, 0);
  });

  test("ENABLE 1 -> 0 lowers a level line and keeps its bit; 0 -> 1 raises it again", () => {
    boot();
    oneShot(0, LEVEL | route(5), 10);
    enable();
    advanceTo(100);
    w8(GEN_CONF, 0);
    expectEventCount(2);
    expectEvent(1, 100, EVENT_LINE, 5, 0);
    expect<u64>(r8(GINTR_STA)).toBe(1);
    expect<u64>(earliestDeadline()).toBe(NEVER);
    expect<u64>(r8(MAIN_CNT)).toBe(10);
    advanceTo(300);
    enable();
    expectEventCount(3);
    expectEvent(2, 300, EVENT_LINE, 5, 1);
    expect<u64>(timer(0).deadline).toBe(300); // comparator 10 <= counter 10
  });

  test("ISR write: only bits written as 1 that are set are cleared", () => {
    boot();
    oneShot(0, LEVEL | route(5), 10);
    oneShot(1, LEVEL | route(6), 20);
    enable();
    advanceTo(200);
    expect<u64>(r8(GINTR_STA)).toBe(3);
    w8(GINTR_STA, 2);
    expectEventCount(3);
    expectEvent(2, 200, EVENT_LINE, 6, 0);
    expect<u64>(r8(GINTR_STA)).toBe(1);
    w4(GINTR_STA + 4, 1); // bit 32: no timer
    expect<u64>(r8(GINTR_STA)).toBe(1);
    w4(GINTR_STA, 1);
    expectEventCount(4);
    expectEvent(3, 200, EVENT_LINE, 5, 0);
  });

  test("status masks are 64-bit: timer 31 owns bit 31 only (deviation 7)", () => {
    boot(32);
    oneShot(31, LEVEL | route(31), 10);
    enable();
    advanceTo(100);
    expectEvent(0, 100, EVENT_LINE, 31, 1);
    expect<u64>(r8(GINTR_STA)).toBe(0x8000_0000);
    expect<u64>(r4(GINTR_STA + 4)).toBe(0);
    w8(GINTR_STA, 0x8000_0000);
    expectEventCount(2);
    expectEvent(1, 100, EVENT_LINE, 31, 0);
    expect<u64>(r8(GINTR_STA)).toBe(0);
  });
});

describe("timer decoding", () => {
  test("timers 24..31 are reachable past 0x400 (deviation 4)", () => {
    boot(25);
    expect<u64>(r8(conf(24))).toBe(RESET_CONF);
    w8(cmp(24), 5);
    expect<u64>(r8(cmp(24))).toBe(5);
  });

  test("registers of timers past the count read 0 and ignore writes", () => {
    boot(3);
    expect<u64>(r8(conf(3))).toBe(0);
    w8(cmp(3), 5);
    expect<u64>(r8(cmp(3))).toBe(0);
    expect<u64>(timer(3).cmp).toBe(0);
    boot(24);
    expect<u64>(r8(conf(24))).toBe(0);
  });

  test("GCAP_ID: revision, timers - 1, 64-bit, legacy capable, vendor 0x8086, period in fs", () => {
    boot(3);
    expect<u64>(r8(GCAP_ID)).toBe(0x0098_9680_8086_a201);
    expect<u64>(r4(GCAP_ID + 4)).toBe(0x0098_9680);
    boot(32);
    expect<u64>(r8(GCAP_ID)).toBe(0x0098_9680_8086_bf01);
    powerOn(3, false, DEFAULT_INTCAP, 7);
    expect<u64>(r8(GCAP_ID)).toBe(0x006a_cfc0_8086_a201);
  });
});

describe("legacy route", () => {
  test("LEGACY routes timer 0 to line 0 and timer 1 to line 8; others keep their route", () => {
    boot();
    oneShot(0, LEVEL | route(5), 10);
    oneShot(1, EDGE | route(5), 20);
    oneShot(2, EDGE | route(5), 30);
    w8(GEN_CONF, ENABLE_CNF | LEG_RT_CNF);
    expectEventCount(1);
    expectEvent(0, 0, EVENT_PIT, 0, 0);
    advanceTo(300);
    expectEventCount(4);
    expectEvent(1, 100, EVENT_LINE, 0, 1);
    expectEvent(2, 200, EVENT_PULSE, 8, 0);
    expectEvent(3, 300, EVENT_PULSE, 5, 0);
    w8(GEN_CONF, ENABLE_CNF); // LEGACY 1 -> 0: line 0 low, PIT-enable high, line 8 = RTC (low)
    expectEventCount(6);
    expectEvent(4, 300, EVENT_LINE, 0, 0);
    expectEvent(5, 300, EVENT_PIT, 1, 0);
  });

  test("LEGACY 0 -> 1: PIT-enable low, then lines 0 and 8 low", () => {
    boot();
    setLegacyInput(INPUT_PIT, true);
    setLegacyInput(INPUT_RTC, true);
    expectEventCount(2);
    expectEvent(0, 0, EVENT_LINE, 0, 1);
    expectEvent(1, 0, EVENT_LINE, 8, 1);
    w8(GEN_CONF, LEG_RT_CNF);
    expectEventCount(5);
    expectEvent(2, 0, EVENT_PIT, 0, 0);
    expectEvent(3, 0, EVENT_LINE, 0, 0);
    expectEvent(4, 0, EVENT_LINE, 8, 0);
  });

  test("inputs are ignored under LEGACY; clearing it sets line 8 to the last RTC level", () => {
    boot();
    w8(GEN_CONF, LEG_RT_CNF);
    consumeEvents(EVENT_CAPACITY);
    setLegacyInput(INPUT_PIT, true);
    setLegacyInput(INPUT_RTC, true);
    expectEventCount(0);
    w8(GEN_CONF, 0);
    expectEventCount(2);
    expectEvent(0, 0, EVENT_PIT, 1, 0);
    expectEvent(1, 0, EVENT_LINE, 8, 1);
    w8(GEN_CONF, LEG_RT_CNF);
    setLegacyInput(INPUT_RTC, false);
    w8(GEN_CONF, 0);
    expectEventCount(5);
    expectEvent(2, 0, EVENT_PIT, 0, 0);
    expectEvent(3, 0, EVENT_LINE, 8, 0);
    expectEvent(4, 0, EVENT_PIT, 1, 0);
  });
});

describe("FSB (MSI) delivery", () => {
  test("an FSB timer makes one 32-bit write of its data to its address and touches no line", () => {
    boot(3, true);
    expect<u64>(r8(conf(0))).toBe(RESET_CONF | 0x8000);
    w4(fsb(0), 0x4041);
    w4(fsb(0) + 4, 0xfee0_0000);
    expect<u64>(r8(fsb(0))).toBe(0xfee0_0000_0000_4041);
    w8(fsb(1), 0xfee0_1000_0000_0051);
    oneShot(0, TN_FSB_EN_CNF | LEVEL | route(5), 10);
    oneShot(1, TN_FSB_EN_CNF | EDGE | route(5), 20);
    enable();
    advanceTo(100);
    expectEventCount(1);
    expectEvent(0, 100, EVENT_MSI, 0xfee0_0000, 0x4041);
    expect<u64>(r8(GINTR_STA)).toBe(1);
    w8(GEN_CONF, 0); // raised again with ENABLE clear: an FSB timer has no line to lower
    enable(); // raised at enable; both re-armed: timer 0 due now (10 <= 10), timer 1 at 200
    expectEventCount(2);
    expectEvent(1, 100, EVENT_MSI, 0xfee0_0000, 0x4041);
    w8(GINTR_STA, 1);
    expect<u64>(r8(GINTR_STA)).toBe(0);
    advanceTo(200);
    expectEventCount(4);
    expectEvent(2, 100, EVENT_MSI, 0xfee0_0000, 0x4041);
    expectEvent(3, 200, EVENT_MSI, 0xfee0_1000, 0x51);
    expect<u64>(r8(GINTR_STA)).toBe(1, "edge FSB timer 1 leaves its bit clear");
    expect<u32>(block.lines).toBe(0);
  });
});

describe("reset", () => {
  test("reset lowers high lines in line order, raises PIT-enable, keeps FSB routes", () => {
    boot();
    w8(fsb(2), 0x1234_5678_9abc_def0);
    oneShot(0, LEVEL | route(9), 10);
    oneShot(1, LEVEL | route(2), 10);
    oneShot(2, LEVEL | route(31), 10);
    enable();
    advanceTo(100);
    expectEventCount(3);
    expectEvent(0, 100, EVENT_LINE, 9, 1);
    expectEvent(1, 100, EVENT_LINE, 2, 1);
    expectEvent(2, 100, EVENT_LINE, 31, 1);
    w8(GEN_CONF, ENABLE_CNF | LEG_RT_CNF);
    setLegacyInput(INPUT_RTC, true); // remembered under LEGACY
    expectEventCount(4);
    expectEvent(3, 100, EVENT_PIT, 0, 0);
    advanceTo(150);
    consumeEvents(EVENT_CAPACITY);
    reset();
    expectEventCount(4);
    expectEvent(0, 150, EVENT_LINE, 2, 0);
    expectEvent(1, 150, EVENT_LINE, 9, 0);
    expectEvent(2, 150, EVENT_LINE, 31, 0);
    expectEvent(3, 150, EVENT_PIT, 1, 0);
    expect<u64>(block.now).toBe(150);
    expect<u64>(r8(GEN_CONF)).toBe(0);
    expect<u64>(r8(GINTR_STA)).toBe(0);
    expect<u64>(r8(MAIN_CNT)).toBe(0);
    expect<u64>(earliestDeadline()).toBe(NEVER);
    for (let n: u32 = 0; n < 3; n++) {
      expect<u64>(r8(conf(n))).toBe(RESET_CONF);
      expect<u64>(r8(cmp(n))).toBe(NEVER);
      expect<u64>(timer(n).period).toBe(0);
      expect<u32>(timer(n).flags).toBe(0);
    }
    expect<u64>(r8(fsb(2))).toBe(0x1234_5678_9abc_def0);
    expect<u64>(r8(fsb(0))).toBe(0);
    // The remembered RTC level is 0 again: LEGACY on and off leaves line 8 low.
    w8(GEN_CONF, LEG_RT_CNF);
    w8(GEN_CONF, 0);
    expectEventCount(6);
    expectEvent(4, 150, EVENT_PIT, 0, 0);
    expectEvent(5, 150, EVENT_PIT, 1, 0);
  });
});
