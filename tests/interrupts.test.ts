// Interrupt delivery as the behaviour reference defines it: level and edge signalling and the
// status register, the ISR and config write rules that raise and lower, ENABLE and LEGACY
// transitions, the legacy inputs, FSB (MSI) delivery, lines that report only changes, reset
// and power-on. Every event list is exact, with its times.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  device, ENABLE_CNF, freshDevice, GEN_CONF, GINTR_STA, LEG_RT_CNF, MAIN_CNT, pulse, route,
  TN_FSB_EN_CNF, TN_INT_ENB_CNF, TN_INT_TYPE_CNF, TN_TYPE_CNF, TN_VAL_SET_CNF, tnComparator,
  tnConf, tnFsbRoute,
} from "./support/device.ts";

const EDGE = TN_INT_ENB_CNF;
const LEVEL = TN_INT_TYPE_CNF | TN_INT_ENB_CNF;

// --- Level, edge and the status register ---------------------------------------------------------

test("level timers set their status bit and hold the line high; edge timers pulse it", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(4) | LEVEL);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(tnConf(1), route(5) | EDGE);
  hpet.write64(tnComparator(1), 100n);
  hpet.write(tnConf(2), route(6) | LEVEL);
  hpet.write64(tnComparator(2), 200n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1000);
  assert.deepEqual(take(), ["I 1000 4 1", ...pulse(1000, 5)]);
  assert.equal(hpet.read64(GINTR_STA), 0x1n);
  hpet.advance(2000);
  assert.deepEqual(take(), ["I 2000 6 1"]);
  assert.equal(hpet.read(GINTR_STA), 0x5);
  assert.equal(hpet.read(GINTR_STA + 4), 0);
});

test("ISR: writing 1 to a set bit clears it and lowers the line; writing 0 does nothing", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(4) | LEVEL);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(tnConf(2), route(6) | LEVEL);
  hpet.write64(tnComparator(2), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1000);
  assert.deepEqual(take(), ["I 1000 4 1", "I 1000 6 1"]);
  hpet.advance(1100);
  hpet.write(GINTR_STA, 0);
  hpet.write(GINTR_STA, 0xfffffffa); // every bit but 0 and 2
  hpet.write(GINTR_STA + 4, 0xffffffff);
  hpet.write64(GINTR_STA, 0xffffffff_00000000n);
  assert.deepEqual(take(), []);
  assert.equal(hpet.read64(GINTR_STA), 0x5n);
  hpet.write(GINTR_STA, 0x1);
  assert.deepEqual(take(), ["I 1100 4 0"]);
  assert.equal(hpet.read64(GINTR_STA), 0x4n);
  hpet.write(GINTR_STA, 0x1); // no longer set: nothing
  assert.deepEqual(take(), []);
  hpet.write64(GINTR_STA, 0xffff_ffff_ffff_ffffn);
  assert.deepEqual(take(), ["I 1100 6 0"]);
  assert.equal(hpet.read64(GINTR_STA), 0n);
});

test("INT_ENABLE 0 -> 1 with the status bit set raises the timer", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(2), route(6) | TN_INT_TYPE_CNF); // level, INT_ENABLE clear
  hpet.write64(tnComparator(2), 100n);
  hpet.write(tnConf(1), route(7) | TN_INT_TYPE_CNF);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1500);
  assert.deepEqual(take(), []);
  assert.equal(hpet.read64(GINTR_STA), 0x4n);
  hpet.write(tnConf(1), route(7) | LEVEL); // status bit clear: nothing
  assert.deepEqual(take(), []);
  hpet.write(tnConf(2), route(6) | LEVEL);
  assert.deepEqual(take(), ["I 1500 6 1"]);
  assert.equal(hpet.read64(GINTR_STA), 0x4n);
});

test("INT_ENABLE 0 -> 1 while halted keeps the line low; ENABLE 0 -> 1 then raises it", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(2), route(6) | TN_INT_TYPE_CNF);
  hpet.write64(tnComparator(2), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1200);
  hpet.write(GEN_CONF, 0);
  hpet.write(tnConf(2), route(6) | LEVEL);
  assert.deepEqual(take(), []);
  assert.equal(hpet.read64(GINTR_STA), 0x4n);
  hpet.advance(2000);
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.deepEqual(take(), ["I 2000 6 1"]);
});

test("LEVEL 1 -> 0 lowers the timer first, on its old route", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(4) | LEVEL);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1200);
  assert.deepEqual(take(), ["I 1000 4 1"]);
  hpet.write(tnConf(0), route(7) | EDGE);
  assert.deepEqual(take(), ["I 1200 4 0"]);
  assert.equal(hpet.read64(GINTR_STA), 0n);
  assert.equal(hpet.read(tnConf(0)), 0xe34);
});

test("a route change that keeps LEVEL does not lower; lowering then uses the new route", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(9) | LEVEL);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(tnConf(1), route(9) | LEVEL);
  hpet.write64(tnComparator(1), 300n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1000);
  assert.deepEqual(take(), ["I 1000 9 1"]);
  hpet.write(tnConf(0), route(10) | LEVEL);
  assert.deepEqual(take(), []);
  hpet.write(GINTR_STA, 0x1); // lowers line 10, already low
  assert.deepEqual(take(), []);
  assert.equal(hpet.read64(GINTR_STA), 0n);
  // The config write reprogrammed timer 0 for comparator 100 <= counter 100: due at 1000
  // again, now on line 10. Line 9 was left high: timer 1's raise at 3000 is no change.
  hpet.advance(3000);
  assert.deepEqual(take(), ["I 1000 10 1"]);
  assert.equal(hpet.read64(GINTR_STA), 0x3n);
});

test("ENABLE 1 -> 0 lowers level lines and keeps their status bits; 0 -> 1 raises them again", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(4) | LEVEL);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(tnConf(1), route(5) | EDGE);
  hpet.write64(tnComparator(1), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1500);
  assert.deepEqual(take(), ["I 1000 4 1", ...pulse(1000, 5)]);
  hpet.write(GEN_CONF, 0); // counter held at 150
  assert.deepEqual(take(), ["I 1500 4 0"]);
  assert.equal(hpet.read64(GINTR_STA), 0x1n);
  hpet.advance(2000);
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.deepEqual(take(), ["I 2000 4 1"]);
  // Both comparators (100) are now below the counter (150): due at 2000. Timer 0's raise
  // finds its line high already.
  hpet.advance(3000);
  assert.deepEqual(take(), pulse(2000, 5));
  assert.equal(hpet.read64(GINTR_STA), 0x1n);
});

test("a periodic level timer firing while its line is high reports nothing more", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(4) | LEVEL | TN_TYPE_CNF | TN_VAL_SET_CNF);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(3500);
  assert.deepEqual(take(), ["I 1000 4 1"]);
  hpet.write(GINTR_STA, 0x1);
  hpet.advance(4000);
  assert.deepEqual(take(), ["I 3500 4 0", "I 4000 4 1"]);
});

// --- Legacy replacement ------------------------------------------------------------------------------------

test("under LEGACY timer 0 drives line 0 and timer 1 line 8; other timers keep their route", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(4) | LEVEL);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(tnConf(1), route(5) | EDGE);
  hpet.write64(tnComparator(1), 100n);
  hpet.write(tnConf(2), route(6) | LEVEL);
  hpet.write64(tnComparator(2), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF | LEG_RT_CNF);
  assert.deepEqual(take(), ["P 0 0"]);
  hpet.advance(1000);
  assert.deepEqual(take(), ["I 1000 0 1", ...pulse(1000, 8), "I 1000 6 1"]);
  assert.equal(hpet.read64(GINTR_STA), 0x5n);
  hpet.write(GINTR_STA, 0x1);
  assert.deepEqual(take(), ["I 1000 0 0"]);
  hpet.write(GEN_CONF, ENABLE_CNF); // LEGACY 1 -> 0: line 0 low already, RTC level 0
  assert.deepEqual(take(), ["P 1000 1"]);
});

test("LEGACY 0 -> 1 drops PIT-enable, then lines 0 and 8; inputs are then ignored", async () => {
  const { hpet, take } = await device();
  hpet.setLegacyInput("pit", 1);
  hpet.setLegacyInput("rtc", 1);
  assert.deepEqual(take(), ["I 0 0 1", "I 0 8 1"]);
  hpet.advance(100);
  hpet.write(GEN_CONF, LEG_RT_CNF);
  assert.deepEqual(take(), ["P 100 0", "I 100 0 0", "I 100 8 0"]);
  hpet.setLegacyInput("rtc", 0);
  hpet.setLegacyInput("rtc", 1);
  hpet.setLegacyInput("pit", 0);
  hpet.setLegacyInput("pit", 1);
  assert.deepEqual(take(), []);
  hpet.advance(200);
  // LEGACY 1 -> 0: line 0 lowered (already low; the PIT input is not replayed), PIT-enable
  // high, line 8 to the remembered RTC level 1.
  hpet.write(GEN_CONF, 0);
  assert.deepEqual(take(), ["P 200 1", "I 200 8 1"]);
});

test("LEGACY 1 -> 0 lowers line 0 before PIT-enable rises, then restores line 8", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), LEVEL);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF | LEG_RT_CNF);
  hpet.advance(1000);
  hpet.setLegacyInput("rtc", 1); // remembered, not passed through
  assert.deepEqual(take(), ["P 0 0", "I 1000 0 1"]);
  hpet.write(GEN_CONF, ENABLE_CNF);
  assert.deepEqual(take(), ["I 1000 0 0", "P 1000 1", "I 1000 8 1"]);
  assert.equal(hpet.read64(GINTR_STA), 0x1n, "the status bit stays");
});

test("one write of ENABLE and LEGACY: raises on the legacy route first, then LEGACY lowers line 0", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(4) | LEVEL);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1000);
  hpet.write(GEN_CONF, 0); // status bit kept, line 4 lowered
  hpet.write(GEN_CONF, ENABLE_CNF | LEG_RT_CNF);
  assert.deepEqual(take(), ["I 1000 4 1", "I 1000 4 0", "I 1000 0 1", "P 1000 0", "I 1000 0 0"]);
  // ENABLE also reprogrammed timer 0: comparator 100 <= counter 100, due at 1000.
  hpet.advance(2000);
  assert.deepEqual(take(), ["I 1000 0 1"]);
  assert.equal(hpet.read64(GINTR_STA), 0x1n);
});

test("the remembered RTC level is cleared by reset", async () => {
  const { hpet, take } = await device();
  hpet.write(GEN_CONF, LEG_RT_CNF);
  hpet.setLegacyInput("rtc", 1);
  hpet.advance(100);
  hpet.reset();
  hpet.advance(200);
  hpet.write(GEN_CONF, LEG_RT_CNF);
  hpet.advance(300);
  hpet.write(GEN_CONF, 0); // line 8 to level 0: no change
  assert.deepEqual(take(), ["P 0 0", "P 100 1", "P 200 0", "P 300 1"]);
});

test("while LEGACY is clear the inputs pass through to lines 0 and 8, changes only", async () => {
  const { hpet, take } = await device();
  hpet.advance(250);
  hpet.setLegacyInput("pit", 1);
  hpet.setLegacyInput("pit", true);
  hpet.advance(300);
  hpet.setLegacyInput("pit", 0);
  hpet.setLegacyInput("rtc", true);
  hpet.setLegacyInput("rtc", 1);
  hpet.setLegacyInput("rtc", false);
  hpet.setLegacyInput("rtc", 0);
  assert.deepEqual(take(), ["I 250 0 1", "I 300 0 0", "I 300 8 1", "I 300 8 0"]);
});

test("a legacy input and a timer share line 0: each change of level is reported once", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(2), route(0) | LEVEL);
  hpet.write64(tnComparator(2), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.setLegacyInput("pit", 1);
  hpet.advance(1000); // line 0 already high
  hpet.setLegacyInput("pit", 0); // the input drives the line low
  hpet.write(GINTR_STA, 0x4); // already low
  assert.deepEqual(take(), ["I 0 0 1", "I 1000 0 0"]);
});

// --- FSB (MSI) delivery -------------------------------------------------------------------------------------

test("FSB delivery: one MSI write of the route's data to its address, no line changes", async () => {
  const { hpet, take } = await device({ msi: true });
  hpet.write64(tnFsbRoute(0), 0xfee01000_000041b1n);
  hpet.write(tnConf(0), route(4) | EDGE | TN_FSB_EN_CNF);
  hpet.write64(tnComparator(0), 50n);
  hpet.write64(tnFsbRoute(1), 0xfee02000_00000022n);
  hpet.write(tnConf(1), route(5) | LEVEL | TN_FSB_EN_CNF);
  hpet.write64(tnComparator(1), 80n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1000);
  assert.deepEqual(take(), ["M 500 0xfee01000 0x41b1", "M 800 0xfee02000 0x22"]);
  assert.equal(hpet.read64(GINTR_STA), 0x2n, "a level FSB timer sets its status bit");
  hpet.write(GEN_CONF, 0); // re-raise with ENABLE clear: FSB touches no line
  assert.deepEqual(take(), []);
  assert.equal(hpet.read64(GINTR_STA), 0x2n);
  hpet.write(GEN_CONF, ENABLE_CNF); // raises again: a second MSI
  assert.deepEqual(take(), ["M 1000 0xfee02000 0x22"]);
  hpet.write(GINTR_STA, 0x2); // lowering an FSB timer clears the bit only
  assert.deepEqual(take(), []);
  assert.equal(hpet.read64(GINTR_STA), 0n);
});

test("FSB_ENABLE is writable and delivers even without the msi capability", async () => {
  const { hpet, take } = await device();
  hpet.write64(tnFsbRoute(2), 0xfee00000_00004041n);
  hpet.write(tnConf(2), EDGE | TN_FSB_EN_CNF);
  assert.equal(hpet.read64(tnConf(2)), 0x00ff0004_00004034n);
  hpet.write64(tnComparator(2), 1000n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(20_000);
  assert.deepEqual(take(), ["M 10000 0xfee00000 0x4041"]);
});

// --- Shared lines ----------------------------------------------------------------------------------------------

test("timers sharing a line: only changes of its level are reported", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(9) | LEVEL);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(tnConf(1), route(9) | LEVEL);
  hpet.write64(tnComparator(1), 200n);
  hpet.write(tnConf(2), route(9) | EDGE);
  hpet.write64(tnComparator(2), 300n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(2000);
  assert.deepEqual(take(), ["I 1000 9 1"]);
  assert.equal(hpet.read64(GINTR_STA), 0x3n);
  hpet.advance(3000); // an edge pulse on a high line: only the fall is a change
  assert.deepEqual(take(), ["I 3000 9 0"]);
  assert.equal(hpet.read64(GINTR_STA), 0x3n);
  hpet.write(GINTR_STA, 0x1);
  assert.deepEqual(take(), []);
  assert.equal(hpet.read64(GINTR_STA), 0x2n);
});

test("clearing one of two level timers on a line lowers the line", async () => {
  const { hpet, take } = await device();
  hpet.write(tnConf(0), route(9) | LEVEL);
  hpet.write64(tnComparator(0), 100n);
  hpet.write(tnConf(1), route(9) | LEVEL);
  hpet.write64(tnComparator(1), 100n);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(1100);
  hpet.write(GINTR_STA, 0x1);
  hpet.write(GINTR_STA, 0x2);
  assert.deepEqual(take(), ["I 1000 9 1", "I 1100 9 0"]);
  assert.equal(hpet.read64(GINTR_STA), 0n);
});

// --- Reset and power-on ------------------------------------------------------------------------------------------

test("power-on reports PIT-enable rising at time 0, and nothing else", async () => {
  const { hpet, take } = await freshDevice();
  assert.deepEqual(take(), ["P 0 1"]);
  assert.equal(hpet.now, 0);
  assert.equal(hpet.read64(GEN_CONF), 0n);
});

test("reset lowers the high lines in line order, then raises PIT-enable, and resets registers", async () => {
  const { hpet, take } = await device({ msi: true });
  hpet.write(tnConf(2), route(17) | LEVEL);
  hpet.write64(tnComparator(2), 100n);
  hpet.write(tnConf(1), route(3) | LEVEL | TN_TYPE_CNF | TN_VAL_SET_CNF);
  hpet.write64(tnComparator(1), 200n);
  hpet.write(tnConf(0), LEVEL);
  hpet.write64(tnComparator(0), 300n);
  hpet.write(GEN_CONF, ENABLE_CNF | LEG_RT_CNF);
  hpet.advance(5000);
  assert.deepEqual(take(), ["P 0 0", "I 1000 17 1", "I 2000 8 1", "I 3000 0 1"]);
  hpet.reset();
  assert.deepEqual(take(), ["I 5000 0 0", "I 5000 8 0", "I 5000 17 0", "P 5000 1"]);
  assert.equal(hpet.now, 5000);
  assert.equal(hpet.read64(GEN_CONF), 0n);
  assert.equal(hpet.read64(GINTR_STA), 0n);
  assert.equal(hpet.read64(MAIN_CNT), 0n);
  for (let n = 0; n < 3; n++) {
    assert.equal(hpet.read64(tnConf(n)), 0x00ff0004_00008030n);
    assert.equal(hpet.read64(tnComparator(n)), 0xffff_ffff_ffff_ffffn);
  }
  assert.equal(hpet.nextDeadline(), null);
  // The period is 0 again: VAL_SET then one write sets comparator and period together.
  hpet.write(tnConf(1), route(3) | EDGE | TN_TYPE_CNF);
  hpet.write(GEN_CONF, ENABLE_CNF);
  hpet.advance(6000);
  assert.deepEqual(take(), []);
  hpet.reset();
  assert.deepEqual(take(), [], "nothing to lower, PIT-enable already high");
});
