// The MMIO adapter: absolute physical addresses onto register offsets, with the behaviour
// reference's treatment of 1- and 2-byte and misaligned accesses, and handlers that plug into
// a v86-style bus unbound.

import assert from "node:assert/strict";
import { test } from "node:test";
import { HpetError, HpetMmio } from "../hosts/ts/index.ts";
import {
  device, ENABLE_CNF, GCAP_ID, GEN_CONF, LEG_RT_CNF, MAIN_CNT, pulse, route, TN_INT_ENB_CNF, tnComparator, tnConf,
} from "./support/device.ts";

const BASE = 0xfed0_0000;

test("registers are at 0xFED00000 by default, by signed or unsigned address", async () => {
  const { hpet } = await device();
  const mmio = new HpetMmio(hpet);
  assert.equal(mmio.base, BASE);
  assert.equal(mmio.size, 0x400);
  assert.equal(mmio.read32(BASE + GCAP_ID), 0x8086a201);
  assert.equal(mmio.read32(BASE + GCAP_ID + 4), 10_000_000); // clock period in fs
  assert.equal(mmio.read32((BASE + GCAP_ID) | 0), 0x8086a201); // an int32 from a wasm CPU core
  assert.equal(mmio.read64(BASE + GCAP_ID), 0x0098_9680_8086_a201n);
  assert.equal(mmio.contains(BASE + 0x3ff), true);
  assert.equal(mmio.contains(BASE + 0x400), false);
  assert.equal(mmio.contains(BASE - 1), false);
});

test("a one-shot programmed through the adapter fires at its exact time", async () => {
  const { hpet, take } = await device();
  const mmio = new HpetMmio(hpet, { base: 0xfee0_0000 });
  const base = 0xfee0_0000;
  mmio.write32(base + tnConf(2), TN_INT_ENB_CNF | route(5));
  mmio.write64(base + tnComparator(2), 0x1234n);
  mmio.write32(base + GEN_CONF, ENABLE_CNF);
  hpet.advance(0x1234 * 10);
  assert.deepEqual(take(), pulse(0x1234 * 10, 5));
  assert.equal(mmio.read64(base + MAIN_CNT), 0x1234n);
  // A signed 32-bit value is the same bits as its unsigned twin.
  mmio.write32(base + tnComparator(2), -1);
  assert.equal(mmio.read32(base + tnComparator(2)), 0xffff_ffff);
});

test("1- and 2-byte and misaligned accesses are guest errors: read 0, write dropped, counted", async () => {
  const { hpet, take } = await device();
  const mmio = new HpetMmio(hpet);
  assert.equal(mmio.read8(BASE + GCAP_ID), 0);
  assert.equal(mmio.read16(BASE + GCAP_ID), 0);
  mmio.write8(BASE + GEN_CONF, ENABLE_CNF | LEG_RT_CNF);
  mmio.write16(BASE + GEN_CONF, 0xffff);
  assert.equal(mmio.read32(BASE + GCAP_ID + 2), 0);
  mmio.write32(BASE + GEN_CONF + 2, ENABLE_CNF);
  assert.deepEqual(hpet.guestErrors(), { size: 4, alignment: 2 });
  assert.equal(mmio.read32(BASE + GEN_CONF), 0);
  hpet.advance(1000);
  assert.equal(mmio.read64(BASE + MAIN_CNT), 0n);
  assert.deepEqual(take(), []); // legacy mode never turned on: PIT-enable stays high
});

test("a v86-style bus calls the handlers unbound, over a 128 KiB block; past the window reads 0", async () => {
  const { hpet } = await device();
  const mmio = new HpetMmio(hpet, { size: 0x20000 });
  // The shape of v86's io.mmap_register: per-block handler tables, called with the absolute address.
  const BLOCK_BITS = 17;
  const read32 = new Map<number, (address: number) => number>();
  const write32 = new Map<number, (address: number, value: number) => void>();
  const mmapRegister = (start: number, size: number, r8: unknown, w8: unknown,
    r32: (address: number) => number, w32: (address: number, value: number) => void): void => {
    for (let block = start >>> BLOCK_BITS; block < (start + size) >>> BLOCK_BITS; block++) {
      read32.set(block, r32);
      write32.set(block, w32);
    }
  };
  mmapRegister(BASE, 0x20000, mmio.read8, mmio.write8, mmio.read32, mmio.write32);
  const busRead32 = (address: number): number => read32.get(address >>> BLOCK_BITS)!(address);
  const busWrite32 = (address: number, value: number): void => write32.get(address >>> BLOCK_BITS)!(address, value);

  busWrite32(BASE + GEN_CONF, ENABLE_CNF);
  hpet.advance(12_340);
  assert.equal(busRead32(BASE + MAIN_CNT), 1234);
  assert.equal(busRead32(BASE + 0x1_fffc), 0);
  busWrite32(BASE + 0x800, 0xffff_ffff);
  assert.equal(busRead32(BASE + 0x800), 0);
  assert.deepEqual(hpet.guestErrors(), { size: 0, alignment: 0 });
});

test("with more than 24 timers the window, and the default range, is 0x500 bytes", async () => {
  const { hpet, take } = await device({ timers: 32 });
  const mmio = new HpetMmio(hpet);
  assert.equal(mmio.size, 0x500);
  mmio.write32(BASE + tnConf(31), TN_INT_ENB_CNF | route(17));
  mmio.write32(BASE + tnComparator(31), 50);
  mmio.write32(BASE + tnComparator(31) + 4, 0);
  mmio.write32(BASE + GEN_CONF, ENABLE_CNF);
  hpet.advance(500);
  assert.deepEqual(take(), pulse(500, 17));
});

test("the sync hook runs before every access and after every write", async () => {
  const { hpet } = await device();
  const calls: string[] = [];
  const mmio = new HpetMmio(hpet, { sync: () => calls.push(`sync at counter ${hpet.read64(MAIN_CNT)}`) });
  mmio.read32(BASE + MAIN_CNT);
  assert.equal(calls.length, 1);
  mmio.write32(BASE + GEN_CONF, ENABLE_CNF);
  assert.equal(calls.length, 3);
  mmio.write64(BASE + tnComparator(0), 5n);
  mmio.read64(BASE + MAIN_CNT);
  assert.equal(calls.length, 6);
});

test("the safePoint option brackets every access, its syncs included, and only accesses", async () => {
  const { hpet } = await device();
  const calls: string[] = [];
  let depth = 0;
  const marker = {
    enter: () => void (depth++, calls.push("enter")),
    leave: () => void (depth--, calls.push("leave")),
  };
  const mmio = new HpetMmio(hpet, { sync: () => calls.push(`sync (depth ${depth})`), safePoint: marker });
  mmio.read32(BASE + MAIN_CNT);
  mmio.write32(BASE + GEN_CONF, ENABLE_CNF);
  mmio.read64(BASE + MAIN_CNT);
  mmio.write64(BASE + tnComparator(0), 5n);
  mmio.read8(BASE + GEN_CONF);
  assert.deepEqual(calls, [
    "enter", "sync (depth 1)", "leave",
    "enter", "sync (depth 1)", "sync (depth 1)", "leave",
    "enter", "sync (depth 1)", "leave",
    "enter", "sync (depth 1)", "sync (depth 1)", "leave",
    "enter", "sync (depth 1)", "leave",
  ]);
  // An access the device refuses still ends the access.
  assert.throws(() => mmio.write32(BASE + GEN_CONF, 1.5));
  assert.throws(() => mmio.read32(BASE + 0x400));
  assert.equal(depth, 0);
});

test("addresses outside the range, bad values and bad ranges are host errors that change nothing", async () => {
  const { hpet } = await device();
  const mmio = new HpetMmio(hpet);
  const error = (code: string, message: RegExp) => (thrown: unknown): boolean =>
    thrown instanceof HpetError && thrown.code === code && message.test(thrown.message);
  assert.throws(() => mmio.read32(BASE + 0x400),
    error("bad-offset", /address 0xfed00400 is outside the HPET's MMIO range 0xfed00000\.\.0xfed003ff/));
  assert.throws(() => mmio.write32(BASE - 4, 1), error("bad-offset", /address 0xfecffffc/));
  assert.throws(() => mmio.read32(BASE + 0x1_0000_0000), error("bad-offset", /address 0x1fed00000 is outside/));
  assert.throws(() => mmio.read32(-0x8000_0001), error("bad-offset", /address -2147483649 is outside/));
  assert.throws(() => mmio.read32(BASE + 0.5), error("bad-offset", /address 4275044352.5/));
  assert.throws(() => mmio.write32(BASE + GEN_CONF, 1.5), error("bad-value", /4-byte write of 1.5/));
  assert.throws(() => mmio.write64(BASE + GEN_CONF, 1 as unknown as bigint), error("bad-value", /must be a bigint/));
  assert.equal(mmio.read32(BASE + GEN_CONF), 0);
  assert.throws(() => new HpetMmio(hpet, { base: 0xffff_fe00 }), error("bad-config", /MMIO range/));
  assert.throws(() => new HpetMmio(hpet, { size: 0 }), error("bad-config", /size 0/));
});
