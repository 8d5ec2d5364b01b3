// The recorder: a session recorded through it and replayed with `hpet replay` gives exactly
// the outputs the session saw, including accesses made from interrupt callbacks.

import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Hpet, HpetError, HpetMmio, HpetRecorder, type HpetOptions } from "../hosts/ts/index.ts";
import { replayCommand } from "../cli/replay-command.ts";
import {
  ENABLE_CNF, GEN_CONF, GINTR_STA, LEG_RT_CNF, MAIN_CNT, route, TN_FSB_EN_CNF, TN_INT_ENB_CNF, TN_INT_TYPE_CNF,
  TN_TYPE_CNF, TN_VAL_SET_CNF, tnComparator, tnConf, tnFsbRoute,
} from "./support/device.ts";

/** An instance whose outputs are written in the replay output format, as `hpet replay` writes them. */
async function session(options: HpetOptions = {}): Promise<{ hpet: Hpet; out: string[] }> {
  const out: string[] = [];
  const hpet = await Hpet.create({
    ...options,
    onIrq: (line, level, timeNs) => out.push(`I ${timeNs} ${line} ${level}`),
    onPitEnable: (level, timeNs) => out.push(`P ${timeNs} ${level}`),
    onMsi: (address, data, timeNs) => out.push(`M ${timeNs} 0x${address.toString(16)} 0x${data.toString(16)}`),
  });
  return { hpet, out };
}

async function replayWithCli(trace: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "hpet-recorder-"));
  await writeFile(join(dir, "session.trace"), trace);
  assert.equal(await replayCommand(["--out", dir, join(dir, "session.trace")]), 0);
  return readFile(join(dir, "session.out"), "utf8");
}

test("a recorded guest session replays to the outputs it produced", async () => {
  const { hpet, out } = await session({ timers: 4, msi: true });
  const recorder = new HpetRecorder(hpet);
  // The guest goes through the MMIO adapter, which goes through the recorder.
  const mmio = new HpetMmio(recorder);
  const reg = (offset: number): number => mmio.base + offset;
  const read = (offset: number, size: 1 | 4 | 8): void => {
    const value = size === 8 ? mmio.read64(reg(offset)) : size === 4 ? mmio.read32(reg(offset)) : mmio.read8(reg(offset));
    out.push(`R ${hpet.now} 0x${offset.toString(16)} ${size} 0x${value.toString(16)}`);
  };
  // A level interrupt handler that acknowledges from the callback, which runs once the
  // advance has brought the device to its target time.
  hpet.onIrq = (line, level, timeNs) => {
    out.push(`I ${timeNs} ${line} ${level}`);
    if (line === 11 && level === 1) mmio.write32(reg(GINTR_STA), 1 << 2);
  };

  recorder.setLegacyInput("rtc", 1);
  recorder.setLegacyInput("pit", 1);
  recorder.setLegacyInput("pit", 0);
  mmio.write32(reg(tnConf(0)), TN_INT_ENB_CNF | TN_TYPE_CNF | TN_VAL_SET_CNF);
  mmio.write64(reg(tnComparator(0)), 100_000n);
  mmio.write64(reg(tnComparator(0)), 100_000n);
  mmio.write32(reg(tnConf(2)), TN_INT_ENB_CNF | TN_INT_TYPE_CNF | route(11));
  mmio.write64(reg(tnComparator(2)), 250_000n);
  mmio.write64(reg(tnFsbRoute(3)), 0xfee0_0000_0000_0041n);
  mmio.write32(reg(tnConf(3)), TN_INT_ENB_CNF | TN_FSB_EN_CNF);
  mmio.write32(reg(tnComparator(3)), 400_000);
  mmio.write32(reg(tnComparator(3)) + 4, 0);
  mmio.write32(reg(GEN_CONF), ENABLE_CNF | LEG_RT_CNF);
  recorder.advance(1_500_000);
  read(MAIN_CNT, 4);
  recorder.advance(1_500_000);
  recorder.advance(3_000_000);
  recorder.advance(5_000_003);
  read(tnComparator(0), 8);
  read(GINTR_STA, 1); // a guest error: reads 0
  mmio.write32(reg(GEN_CONF), ENABLE_CNF);
  recorder.setLegacyInput("rtc", 0);
  recorder.advance(6_000_000);
  recorder.reset();
  read(MAIN_CNT, 8);
  recorder.advance(7_000_000);

  const trace = recorder.trace();
  assert.match(trace, /^config timers=4 msi=1 intcap=0xff0004\n/);
  assert.match(trace, /^t 3000000\nw 0x20 4 0x4\nt 5000003\n/m, "the callback's write is recorded at its time");
  assert.ok(out.includes("I 2500000 11 1") && out.includes("I 3000000 11 0"), "the acknowledgement lowered the level line");
  assert.ok(out.some((line) => line.startsWith("M 4000000 0xfee00000 0x41")));
  assert.ok(out.length > 20);
  assert.equal(await replayWithCli(trace), `${out.join("\n")}\n`);
});

test("a recording can stream its lines instead of keeping them", async () => {
  const { hpet } = await session();
  const lines: string[] = [];
  const recorder = new HpetRecorder(hpet, { write: (line) => lines.push(line) });
  recorder.write(GEN_CONF, ENABLE_CNF);
  recorder.advance(10);
  recorder.read64(MAIN_CNT);
  assert.deepEqual(lines, ["config timers=3 msi=0 intcap=0xff0004\n", "w 0x10 4 0x1\n", "t 10\n", "r 0xf0 8\n"]);
  assert.throws(() => recorder.trace(), /keeps none/);
});

test("calls the device refuses are not recorded, and recording goes on", async () => {
  const { hpet } = await session();
  const recorder = new HpetRecorder(hpet);
  recorder.advance(100);
  assert.throws(() => recorder.read(0x400), (error: unknown) => error instanceof HpetError && error.code === "bad-offset");
  assert.throws(() => recorder.write(GEN_CONF, 2 ** 40), (error: unknown) => error instanceof HpetError && error.code === "bad-value");
  assert.throws(() => recorder.advance(50), (error: unknown) => error instanceof HpetError && error.code === "time-backwards");
  assert.throws(() => recorder.setLegacyInput("hpet" as "pit", 1), (error: unknown) => error instanceof HpetError);
  recorder.write(GEN_CONF, -1); // all ones: ENABLE and LEGACY
  assert.equal(recorder.trace(), "config timers=3 msi=0 intcap=0xff0004\nt 100\nw 0x10 4 0xffffffff\n");
});

test("only a new instance with the trace format's 10 ns clock can be recorded", async () => {
  const refused = (hpet: Hpet, message: RegExp): void => {
    assert.throws(() => new HpetRecorder(hpet),
      (error: unknown) => error instanceof HpetError && error.code === "bad-config" && message.test(error.message));
  };
  refused((await session({ clockPeriodNs: 7 })).hpet, /7 ns clock period/);
  const advanced = (await session()).hpet;
  advanced.advance(1);
  refused(advanced, /record a new instance/);
  const written = (await session()).hpet;
  written.write(tnComparator(0), 5);
  refused(written, /record a new instance/);
  const { hpet, out } = await session();
  new HpetRecorder(hpet);
  assert.deepEqual(out, ["P 0 1"], "the freshness check leaves the instance and its callbacks alone");
});
