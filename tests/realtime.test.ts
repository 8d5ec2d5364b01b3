// The real-time driver: device time follows the clock while running and stands still while
// paused; the host timer is aimed at the next deadline. Driven by a fake clock and fake timers,
// then once for real over a few tens of milliseconds.

import assert from "node:assert/strict";
import { test } from "node:test";
import { HpetMmio, RealtimeDriver } from "../hosts/ts/index.ts";
import type { HostTimers } from "../hosts/ts/index.ts";
import {
  device, ENABLE_CNF, GEN_CONF, MAIN_CNT, pulse, route, TN_INT_ENB_CNF, TN_TYPE_CNF, TN_VAL_SET_CNF, tnComparator,
  tnConf,
} from "./support/device.ts";

const MS = 1_000_000;

/** A clock the test sets, and host timers the test fires. */
function fakeHost() {
  let wall = 7_000_000_000; // any origin: only differences count
  let nextHandle = 1;
  const pending = new Map<number, { callback: () => void; delayMs: number }>();
  const timers: HostTimers = {
    setTimeout: (callback, delayMs) => {
      pending.set(nextHandle, { callback, delayMs });
      return nextHandle++;
    },
    clearTimeout: (handle) => {
      pending.delete(handle as number);
    },
  };
  return {
    clock: () => wall,
    timers,
    elapse: (ns: number) => {
      wall += ns;
    },
    /** The delays of the timers set and not yet fired or cleared. */
    delays: () => [...pending.values()].map((entry) => entry.delayMs),
    fire: () => {
      assert.equal(pending.size, 1, "one host timer is set");
      const [handle, entry] = [...pending][0]!;
      pending.delete(handle);
      entry.callback();
    },
  };
}

/** Timer 0 periodic every `periodTicks`, edge-triggered on line 2, counter enabled. */
function startPeriodic(hpet: { write(offset: number, value: number): void; write64(offset: number, value: bigint): void },
  periodTicks: bigint): void {
  hpet.write(tnConf(0), TN_INT_ENB_CNF | TN_TYPE_CNF | TN_VAL_SET_CNF | route(2));
  hpet.write64(tnComparator(0), periodTicks);
  hpet.write64(tnComparator(0), periodTicks);
  hpet.write(GEN_CONF, ENABLE_CNF);
}

test("device time follows the clock from resume, and the host timer wakes it at each deadline", async () => {
  const { hpet, take } = await device();
  const host = fakeHost();
  const driver = new RealtimeDriver(hpet, host);
  startPeriodic(hpet, 100_000n); // 1 ms
  assert.deepEqual(host.delays(), [], "a new driver is paused");
  driver.resume();
  assert.equal(driver.isRunning, true);
  assert.deepEqual(host.delays(), [1]);
  host.elapse(MS + 400); // the host timer fires 400 ns late
  host.fire();
  assert.equal(hpet.now, MS + 400);
  assert.deepEqual(take(), pulse(MS, 2)); // at the device's exact time, not the late wall time
  assert.deepEqual(host.delays(), [1]);
  host.elapse(2.5 * MS); // a late wake-up that misses two periods
  host.fire();
  assert.equal(hpet.now, 3.5 * MS + 400);
  assert.deepEqual(take(), [...pulse(2 * MS, 2), ...pulse(3 * MS, 2)]);
  assert.deepEqual(host.delays(), [1]); // 4 ms is 0.4996 ms away: rounded up
});

test("pause freezes the counter and resume continues from it", async () => {
  const { hpet, take } = await device();
  const host = fakeHost();
  const driver = new RealtimeDriver(hpet, host);
  startPeriodic(hpet, 100_000n);
  driver.resume();
  host.elapse(1.5 * MS);
  driver.pause();
  assert.equal(driver.isRunning, false);
  assert.deepEqual(take(), pulse(MS, 2));
  assert.deepEqual(host.delays(), []);
  host.elapse(10 * MS);
  driver.sync(); // nothing moves while paused
  assert.equal(hpet.read64(MAIN_CNT), 150_000n);
  driver.resume();
  assert.deepEqual(host.delays(), [1]);
  host.elapse(0.6 * MS);
  host.fire();
  assert.equal(hpet.read64(MAIN_CNT), 210_000n);
  assert.deepEqual(take(), pulse(2 * MS, 2));
});

test("a guest write that brings a deadline closer re-aims the host timer", async () => {
  const { hpet, take } = await device();
  const host = fakeHost();
  const driver = new RealtimeDriver(hpet, host);
  const mmio = new HpetMmio(hpet, { sync: () => driver.sync() });
  const base = mmio.base;
  mmio.write32(base + tnConf(1), TN_INT_ENB_CNF | route(3));
  mmio.write64(base + tnComparator(1), 5_000_000n); // 50 ms
  mmio.write32(base + GEN_CONF, ENABLE_CNF);
  driver.resume();
  assert.deepEqual(host.delays(), [50]);
  host.elapse(2 * MS);
  mmio.write64(base + tnComparator(1), 300_000n + 123n); // 3 ms + 1230 ns, at device time 2 ms
  assert.equal(hpet.now, 2 * MS, "the access brought the device to the present first");
  assert.deepEqual(host.delays(), [2]);
  host.elapse(1.5 * MS);
  host.fire();
  assert.deepEqual(take(), pulse(3 * MS + 1230, 3));
  assert.deepEqual(host.delays(), [], "a one-shot that fired leaves nothing to wait for");
});

test("a deadline beyond the host timers' range is approached in steps of 2^31 - 1 ms", async () => {
  const { hpet, take } = await device();
  const host = fakeHost();
  const driver = new RealtimeDriver(hpet, host);
  hpet.write(tnConf(0), TN_INT_ENB_CNF | route(2));
  hpet.write64(tnComparator(0), 1n << 50n); // about 130 days away
  hpet.write(GEN_CONF, ENABLE_CNF);
  driver.resume();
  assert.deepEqual(host.delays(), [0x7fff_ffff]);
  host.elapse(0x7fff_ffff * MS);
  host.fire();
  assert.deepEqual(take(), []);
  assert.deepEqual(host.delays(), [0x7fff_ffff]);
});

test("a sync from an interrupt callback during the driver's own advance is ignored, not nested", async () => {
  const { hpet, take } = await device();
  const host = fakeHost();
  const driver = new RealtimeDriver(hpet, host);
  const irqs: number[] = [];
  hpet.onIrq = (line, level, timeNs) => {
    if (level === 1) irqs.push(timeNs);
    driver.sync();
  };
  startPeriodic(hpet, 100_000n);
  driver.resume();
  host.elapse(2 * MS);
  host.fire();
  assert.deepEqual(irqs, [MS, 2 * MS]);
  assert.deepEqual(host.delays(), [1]);
  take();
});

test("for real: interrupts arrive from host timers, never before their device time", async () => {
  const { hpet } = await device();
  const driver = new RealtimeDriver(hpet);
  const started = process.hrtime.bigint();
  const late: number[] = [];
  hpet.onIrq = (line, level, timeNs) => {
    if (level === 1) late.push(Number(process.hrtime.bigint() - started) - timeNs);
  };
  startPeriodic(hpet, 200_000n); // 2 ms
  driver.resume();
  await new Promise((resolve) => setTimeout(resolve, 30));
  const firedByTimers = late.length;
  driver.pause();
  const elapsed = Number(process.hrtime.bigint() - started);
  assert.ok(firedByTimers >= 1, "host timers advanced the device while the test slept");
  assert.ok(hpet.now >= 25 * MS && hpet.now <= elapsed, `device time ${hpet.now} within the wall time ${elapsed}`);
  assert.equal(late.length, Math.floor(hpet.now / (2 * MS)), "every period up to the pause fired once");
  assert.ok(late.every((ns) => ns >= 0), "no interrupt before its time");
  const frozen = hpet.now;
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(hpet.now, frozen);
});
