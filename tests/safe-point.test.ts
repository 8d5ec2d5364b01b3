// Safe-point delivery: interrupts a guest access causes reach the interrupt controller between
// instructions, never inside the access; falls reach it at once; order and times are kept.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Hpet, HpetMmio, SafePointDelivery } from "../hosts/ts/index.ts";
import {
  ENABLE_CNF, GEN_CONF, GINTR_STA, LEG_RT_CNF, MAIN_CNT, route, TN_32MODE_CNF, TN_FSB_EN_CNF, TN_INT_ENB_CNF, TN_INT_TYPE_CNF,
  tnComparator, tnConf, tnFsbRoute,
} from "./support/device.ts";

const BASE = 0xfed0_0000;
// Every timer below runs in 32-bit mode, so that one 4-byte write sets its comparator.

/**
 * A machine: the device's outputs go through a SafePointDelivery to a controller that notes each
 * call and whether a guest access was in progress; guest accesses bring the device to the
 * machine's clock first, as a real-time driver's sync does.
 */
async function machine(config: { msi?: boolean } = {}) {
  const controller: string[] = [];
  let lines: SafePointDelivery | undefined;
  const note = (text: string): void => {
    controller.push(`${text}${lines!.inAccess ? " (during access)" : ""}`);
  };
  lines = new SafePointDelivery({
    onIrq: (line, level, t) => note(`I ${t} ${line} ${level}`),
    onPitEnable: (level, t) => note(`P ${t} ${level}`),
    onMsi: (address, data, t) => note(`M ${t} 0x${address.toString(16)} 0x${data.toString(16)}`),
  });
  const hpet = await Hpet.create({ ...config, ...lines });
  controller.length = 0; // the power-on PIT-enable rise
  const clock = { now: 0 };
  const mmio = new HpetMmio(hpet, { sync: () => hpet.advance(clock.now), safePoint: lines });
  const take = (): string[] => controller.splice(0);
  return { hpet, lines, mmio, clock, take };
}

test("an access that makes a timer due calls nothing during the access; the rise comes at the safe point, at its time", async () => {
  const { lines, mmio, clock, take } = await machine();
  mmio.write32(BASE + tnConf(0), TN_32MODE_CNF | TN_INT_ENB_CNF | TN_INT_TYPE_CNF | route(5)); // level-triggered, line 5
  mmio.write32(BASE + tnComparator(0), 100); // 1000 ns
  mmio.write32(BASE + GEN_CONF, ENABLE_CNF);
  clock.now = 5_000;
  assert.equal(mmio.read32(BASE + MAIN_CNT), 500); // the read brought the device to 5000 ns
  assert.deepEqual(take(), []);
  assert.equal(lines.pending, 1);
  lines.deliver();
  assert.deepEqual(take(), ["I 1000 5 1"]);
  assert.equal(lines.pending, 0);
});

test("a fall during an access reaches the controller at once, before the access ends", async () => {
  const { lines, mmio, clock, take } = await machine();
  mmio.write32(BASE + tnConf(0), TN_32MODE_CNF | TN_INT_ENB_CNF | TN_INT_TYPE_CNF | route(5));
  mmio.write32(BASE + tnComparator(0), 100);
  mmio.write32(BASE + GEN_CONF, ENABLE_CNF);
  clock.now = 2_000;
  assert.equal(mmio.read32(BASE + GINTR_STA), 0x1); // the handler reads the status ...
  lines.deliver();
  assert.deepEqual(take(), ["I 1000 5 1"]);
  clock.now = 2_500;
  mmio.write32(BASE + GINTR_STA, 0x1); // ... and clears it before its end-of-interrupt
  assert.deepEqual(take(), ["I 2500 5 0 (during access)"]);
  assert.equal(lines.pending, 0);
});

test("an edge pulse made during an access stays a rise and a fall, both at the safe point", async () => {
  const { lines, mmio, clock, take } = await machine();
  mmio.write32(BASE + tnConf(1), TN_32MODE_CNF | TN_INT_ENB_CNF | route(3)); // edge-triggered, line 3
  mmio.write32(BASE + tnComparator(1), 70); // 700 ns
  mmio.write32(BASE + GEN_CONF, ENABLE_CNF);
  clock.now = 1_000;
  mmio.read32(BASE + MAIN_CNT);
  assert.deepEqual(take(), []);
  assert.equal(lines.pending, 2);
  lines.deliver();
  assert.deepEqual(take(), ["I 700 3 1", "I 700 3 0"]);
});

test("held outputs keep their order across lines; a fall of another line does not wait for them", async () => {
  const { lines, mmio, clock, take } = await machine();
  mmio.write32(BASE + tnConf(0), TN_32MODE_CNF | TN_INT_ENB_CNF | TN_INT_TYPE_CNF | route(9)); // level, line 9
  mmio.write32(BASE + tnComparator(0), 100); // 1000 ns
  mmio.write32(BASE + GEN_CONF, ENABLE_CNF);
  clock.now = 1_500;
  mmio.read32(BASE + MAIN_CNT);
  lines.deliver();
  assert.deepEqual(take(), ["I 1000 9 1"]);

  mmio.write32(BASE + tnConf(1), TN_32MODE_CNF | TN_INT_ENB_CNF | route(4)); // edge, line 4, at 2000 ns
  mmio.write32(BASE + tnComparator(1), 200);
  mmio.write32(BASE + tnConf(2), TN_32MODE_CNF | TN_INT_ENB_CNF | route(6)); // edge, line 6, at 3000 ns
  mmio.write32(BASE + tnComparator(2), 300);
  clock.now = 4_000;
  mmio.write32(BASE + GINTR_STA, 0x1); // brings time to 4000 ns, then lowers line 9
  assert.deepEqual(take(), ["I 4000 9 0 (during access)"]);
  lines.deliver();
  assert.deepEqual(take(), ["I 2000 4 1", "I 2000 4 0", "I 3000 6 1", "I 3000 6 0"]);
});

test("outside an access outputs pass straight on, after any still held", async () => {
  const { hpet, lines, mmio, clock, take } = await machine();
  mmio.write32(BASE + tnConf(0), TN_32MODE_CNF | TN_INT_ENB_CNF | route(2));
  mmio.write32(BASE + tnComparator(0), 100);
  mmio.write32(BASE + tnConf(1), TN_32MODE_CNF | TN_INT_ENB_CNF | route(7));
  mmio.write32(BASE + tnComparator(1), 300);
  mmio.write32(BASE + GEN_CONF, ENABLE_CNF);
  clock.now = 2_000;
  mmio.read32(BASE + MAIN_CNT);
  assert.equal(lines.pending, 2);
  hpet.advance(3_000); // a host timer, say, between instructions: first the held pulse, then the new one
  assert.deepEqual(take(), ["I 1000 2 1", "I 1000 2 0", "I 3000 7 1", "I 3000 7 0"]);
  assert.equal(lines.pending, 0);
});

test("PIT-enable: its fall passes at once, its rise waits for the safe point", async () => {
  const { lines, mmio, take } = await machine();
  mmio.write32(BASE + GEN_CONF, ENABLE_CNF | LEG_RT_CNF);
  assert.deepEqual(take(), ["P 0 0 (during access)"]);
  mmio.write32(BASE + GEN_CONF, ENABLE_CNF);
  assert.deepEqual(take(), []);
  lines.deliver();
  assert.deepEqual(take(), ["P 0 1"]);
});

test("an MSI write made during an access waits for the safe point", async () => {
  const { lines, mmio, clock, take } = await machine({ msi: true });
  mmio.write64(BASE + tnFsbRoute(0), 0xfee0_0000_0000_0041n); // address 0xfee00000, data 0x41
  mmio.write32(BASE + tnConf(0), TN_32MODE_CNF | TN_INT_ENB_CNF | TN_FSB_EN_CNF);
  mmio.write32(BASE + tnComparator(0), 10);
  mmio.write32(BASE + GEN_CONF, ENABLE_CNF);
  clock.now = 200;
  mmio.read32(BASE + MAIN_CNT);
  assert.deepEqual(take(), []);
  lines.deliver();
  assert.deepEqual(take(), ["M 100 0xfee00000 0x41"]);
});

test("accesses nest; leave() without enter() is a wiring mistake", async () => {
  const { lines } = await machine();
  lines.enter();
  lines.enter();
  lines.leave();
  assert.equal(lines.inAccess, true);
  lines.leave();
  assert.equal(lines.inAccess, false);
  assert.throws(() => lines.leave(), /leave\(\) without a matching enter\(\)/);
});

test("a controller that throws while outputs are delivered keeps the ones it did not reach held", async () => {
  const seen: string[] = [];
  let fail = true;
  const lines = new SafePointDelivery({
    onIrq: (line, level, t) => {
      if (fail && line === 4) throw new Error("controller failure");
      seen.push(`I ${t} ${line} ${level}`);
    },
  });
  lines.enter();
  lines.onIrq(3, 1, 10);
  lines.onIrq(4, 1, 20);
  lines.onIrq(5, 1, 30);
  lines.onIrq(4, 0, 40); // behind its held rise
  lines.leave();
  assert.throws(() => lines.deliver(), /controller failure/);
  assert.deepEqual(seen, ["I 10 3 1"]);
  assert.equal(lines.pending, 2);
  fail = false;
  lines.deliver();
  assert.deepEqual(seen, ["I 10 3 1", "I 30 5 1", "I 40 4 0"]);
});
