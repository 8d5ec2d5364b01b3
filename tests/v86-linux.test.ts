// hpet-wasm/v86: first the adapter on a stand-in for v86's CPU object (exact interrupt order and
// times), then Debian's i386 kernel booted on the real v86 with the HPET attached
// (examples/v86-linux), twice: with the HPET as clocksource and tick, and with the kernel's
// defaults. The second boot is recorded, and its replay must print what the live device output.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Hpet, HpetError } from "../hosts/ts/index.ts";
import { attachHpet, type V86Cpu, type V86Emulator } from "../integrations/v86/index.ts";
import {
  ENABLE_CNF, GCAP_ID, GEN_CONF, GINTR_STA, LEG_RT_CNF, MAIN_CNT, route, TN_32MODE_CNF, TN_INT_ENB_CNF,
  TN_INT_TYPE_CNF, tnComparator, tnConf,
} from "./support/device.ts";

const BASE = 0xfed0_0000;
const BLOCK = BASE >>> 17;

/** A stand-in for v86's CPU: its MMIO block tables, IRQ entry points and timer step. */
function standIn() {
  const irqs: string[] = [];
  const cpu: V86Cpu = {
    io: {
      mmap_register(start, size, read8, write8, read32, write32) {
        for (let block = start >>> 17; block < (start + size) / 0x2_0000; block++) {
          cpu.memory_map_read8[block] = read8;
          cpu.memory_map_write8[block] = write8;
          cpu.memory_map_read32[block] = read32 ?? (() => 0);
          cpu.memory_map_write32[block] = write32 ?? (() => {});
        }
      },
    },
    memory_map_read8: [],
    memory_map_write8: [],
    memory_map_read32: [],
    memory_map_write32: [],
    devices: { pit: {}, rtc: {} },
    device_raise_irq: (irq) => void irqs.push(`raise ${irq}`),
    device_lower_irq: (irq) => void irqs.push(`lower ${irq}`),
    run_hardware_timers: () => 100, // v86's own timers: nothing due for 100 ms
    reboot_internal: () => void irqs.push("reboot"),
  };
  const unmapped = (): number => 0xff;
  cpu.io.mmap_register(BASE, 0x2_0000, unmapped, () => {}, () => -1, () => {});
  const emulator: V86Emulator = { v86: { cpu }, add_listener: () => {}, remove_listener: () => {} };
  const clock = { ms: 0 };
  const read = (offset: number): number => cpu.memory_map_read32[BLOCK]!(BASE + offset) >>> 0;
  const write = (offset: number, value: number): void => cpu.memory_map_write32[BLOCK]!(BASE + offset, value);
  return { cpu, emulator, clock, read, write, take: () => irqs.splice(0) };
}

describe("the v86 adapter, on a stand-in for v86's CPU", () => {
  test("the PIT's and RTC's interrupts go through the HPET's legacy inputs; legacy replacement takes them over", async () => {
    const { cpu, emulator, clock, read, write, take } = standIn();
    const attached = await attachHpet(emulator, { clock: () => clock.ms });
    assert.equal(read(GCAP_ID), 0x8086a201);
    cpu.device_raise_irq(0); // the PIT
    cpu.device_lower_irq(0);
    cpu.device_raise_irq(8); // the RTC
    cpu.device_raise_irq(4); // a serial port: not the HPET's business, passed on as it is
    // The inputs can change in the middle of an instruction (a port write to the PIT), so their
    // rises, like an access's, wait for v86's next timer step.
    assert.deepEqual(take(), ["raise 4"]);
    cpu.run_hardware_timers(true, clock.ms);
    assert.deepEqual(take(), ["raise 0", "lower 0", "raise 8"]);
    assert.equal(attached.pitEnable, 1);

    write(tnConf(0), TN_32MODE_CNF | TN_INT_ENB_CNF); // legacy replacement will route it to IRQ0
    write(tnComparator(0), 100); // 1000 ns
    write(GEN_CONF, ENABLE_CNF | LEG_RT_CNF);
    assert.deepEqual(take(), ["lower 8"]); // a fall reaches v86 during the access itself
    assert.equal(attached.pitEnable, 0);
    cpu.device_raise_irq(0);
    cpu.device_raise_irq(8);
    assert.deepEqual(take(), []); // the PIT and RTC no longer reach the PIC and I/O APIC
    clock.ms = 0.002;
    cpu.run_hardware_timers(true, clock.ms);
    assert.deepEqual(take(), ["raise 0", "lower 0"]);
    attached.detach();
  });

  test("an access that makes a timer due raises nothing until v86's next timer step; falls pass at once", async () => {
    const { cpu, emulator, clock, read, write, take } = standIn();
    const attached = await attachHpet(emulator, { clock: () => clock.ms });
    write(tnConf(2), TN_32MODE_CNF | TN_INT_ENB_CNF | TN_INT_TYPE_CNF | route(17)); // level, I/O APIC pin 17
    write(tnComparator(2), 1000); // 10 µs
    write(GEN_CONF, ENABLE_CNF);
    clock.ms = 0.001;
    // The idle loop may sleep until the HPET's deadline, 9 µs on, sooner than v86's own 100 ms.
    assert.equal(cpu.run_hardware_timers(true, clock.ms), 0.009);
    clock.ms = 0.02;
    assert.equal(read(MAIN_CNT), 2000); // the read brings the device to the present: the timer fired
    assert.deepEqual(take(), []);
    assert.equal(cpu.run_hardware_timers(true, clock.ms), 100);
    assert.deepEqual(take(), ["raise 17"]);
    assert.equal(read(GINTR_STA), 0x4);
    write(GINTR_STA, 0x4); // the guest's handler acknowledges, then sends EOI
    assert.deepEqual(take(), ["lower 17"]);
    assert.deepEqual(attached.guestErrors(), { size: 0, alignment: 0 });
    attached.detach();
  });

  test("lines past v86's 24 I/O APIC pins are dropped and counted; detach restores v86's paths", async () => {
    const { cpu, emulator, clock, read, write, take } = standIn();
    const raise = cpu.device_raise_irq;
    const reboot = cpu.reboot_internal;
    const mapped = cpu.memory_map_read32[BLOCK];
    const attached = await attachHpet(emulator, { clock: () => clock.ms });
    assert.ok(attached instanceof Hpet); // the attachment resolves to the Hpet itself
    const { detach } = attached; // bound: it can be handed over on its own
    write(tnConf(1), TN_32MODE_CNF | TN_INT_ENB_CNF | route(30));
    write(tnComparator(1), 10);
    write(GEN_CONF, ENABLE_CNF);
    clock.ms = 0.001;
    cpu.run_hardware_timers(true, clock.ms);
    assert.deepEqual(take(), []);
    assert.equal(attached.droppedLineChanges, 2);
    cpu.reboot_internal(); // the machine's reset resets the HPET too
    assert.deepEqual(take(), ["reboot"]);
    assert.equal(read(GEN_CONF), 0);
    assert.equal(read(tnConf(1)), 0x30);
    detach();
    assert.equal(cpu.device_raise_irq, raise);
    assert.equal(cpu.reboot_internal, reboot);
    assert.equal(cpu.memory_map_read32[BLOCK], mapped);
    assert.equal(read(GCAP_ID), 0xffff_ffff);
    assert.throws(() => attached.read(GCAP_ID), (error: unknown) => error instanceof HpetError && error.code === "disposed");
  });

  test("the inputs see level changes only (v86's PIT lowers IRQ0 at every timer step), recorded at v86's time", async () => {
    const { cpu, emulator, clock } = standIn();
    const trace: string[] = [];
    const attached = await attachHpet(emulator, { clock: () => clock.ms, record: (line) => void trace.push(line) });
    clock.ms = 0.5;
    cpu.device_lower_irq(0);
    cpu.device_lower_irq(0);
    clock.ms = 1;
    cpu.device_raise_irq(0);
    cpu.device_raise_irq(0);
    cpu.device_raise_irq(8);
    assert.deepEqual(trace, ["config timers=3 msi=0 intcap=0xff0004\n", "t 500000\n", "i 0 0\n", "t 1000000\n", "i 0 1\n", "i 1 1\n"]);
    const raise = cpu.device_raise_irq;
    attached.dispose(); // disposing of the Hpet detaches it as well
    assert.notEqual(cpu.device_raise_irq, raise);
    cpu.device_raise_irq(0);
    assert.equal(trace.length, 6);
  });

  test("a base v86 cannot map (not 128 KiB aligned) is refused", async () => {
    const { emulator } = standIn();
    await assert.rejects(attachHpet(emulator, { base: 0xfed0_0400 }),
      (error: unknown) => error instanceof HpetError && error.code === "bad-config" && /128 KiB aligned/.test(error.message));
  });
});

// --- Linux on v86 ----------------------------------------------------------------------------------

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BOOT_TIMEOUT_MS = 240_000;

interface Boot {
  /** The guest's serial console and the host's summary lines. */
  output: string;
  seconds: number;
}

/** Runs examples/v86-linux/boot.mjs with `args`; its stdout is the console and the host's summary. */
function boot(args: string[]): Promise<Boot> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["examples/v86-linux/boot.mjs", "--timeout-s", String(BOOT_TIMEOUT_MS / 1000), ...args],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let errors = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (errors += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve({ output, seconds: (performance.now() - started) / 1000 });
      else reject(new Error(`boot.mjs exited with ${code}: ${errors}\n${output.slice(-3000)}`));
    });
  });
}

/** The lines of section `title` ("== title ==") of the guest's report. */
function section(output: string, title: string): string[] {
  const lines = output.split("\n");
  const start = lines.indexOf(`== ${title} ==`);
  assert.notEqual(start, -1, `the guest's report has no section "${title}"`);
  const end = lines.findIndex((line, i) => i > start && line.startsWith("== "));
  return lines.slice(start + 1, end);
}

function irq0Count(lines: string[]): number {
  const line = lines.find((text) => /^\s*0:/.test(text));
  assert.ok(line !== undefined, "no IRQ0 line in /proc/interrupts");
  return Number(/^\s*0:\s+(\d+)/.exec(line)![1]);
}

function hostLine(output: string, prefix: string): string {
  const line = output.split("\n").find((text) => text.startsWith(`host: ${prefix}`));
  assert.ok(line !== undefined, `no "host: ${prefix}" line`);
  return line;
}

function assertHpetSeen(output: string): void {
  assert.deepEqual(section(output, "ACPI HPET table (/sys/firmware/acpi/tables/HPET)").slice(1), [
    "event timer block ID 0x8086a201: vendor 0x8086, revision 1, 3 comparators, 64-bit counter, legacy replacement capable",
    "base address 0xfed00000 (address space 0), HPET number 0, minimum tick 0, page protection 0",
  ]);
  const kernel = section(output, "kernel messages about the HPET (dmesg | grep -i hpet)");
  assert.ok(kernel.some((line) => / hpet0: 3 comparators, 64-bit 100\.000000 MHz counter$/.test(line)), kernel.join("\n"));
  assert.ok(kernel.some((line) => / hpet0: at MMIO 0xfed00000, IRQs 2, 8, 0$/.test(line)), kernel.join("\n"));
  assert.equal(hostLine(output, "HPET guest errors"), "host: HPET guest errors: 0 (size 0, alignment 0)");
}

describe("Debian's i386 Linux on v86 with the HPET attached", () => {
  let work = "";

  before(() => {
    const setup = spawnSync("bash", ["examples/v86-linux/setup.sh"], { cwd: ROOT, encoding: "utf8", timeout: 900_000 });
    assert.equal(setup.status, 0, `setup.sh failed: ${setup.stderr}`);
    work = mkdtempSync(join(tmpdir(), "hpet-v86-"));
  });

  after(() => {
    if (work !== "") rmSync(work, { recursive: true, force: true });
  });

  test("clocksource=hpet nolapic_timer: the HPET is the clock and the 250 Hz tick", { timeout: BOOT_TIMEOUT_MS + 30_000 }, async (t) => {
    const { output, seconds } = await boot(["--append", "clocksource=hpet nolapic_timer"]);
    t.diagnostic(`boot with clocksource=hpet nolapic_timer took ${seconds.toFixed(1)} s`);
    assertHpetSeen(output);
    assert.deepEqual(section(output, "clocksource")[0], "current: hpet");
    assert.deepEqual(section(output, "clock event devices").filter((line) => line.startsWith("clockevent")), ["clockevent0: hpet"]);
    const ticks = irq0Count(section(output, "/proc/interrupts after the sleep")) - irq0Count(section(output, "/proc/interrupts before the sleep"));
    t.diagnostic(`IRQ0 rose by ${ticks} over the guest's 2 s sleep`);
    assert.ok(ticks >= 400 && ticks <= 550, `IRQ0 rose by ${ticks} over 2 s (HZ=250: 400..550)`);
    const slept = Number(/CLOCK_MONOTONIC advanced (\d+) ns/.exec(output)?.[1]);
    assert.ok(Math.abs(slept - 2e9) <= 2e7, `CLOCK_MONOTONIC advanced ${slept} ns over a 2 s sleep`);
  });

  test("default command line: the HPET is an available clocksource and the broadcast device, in legacy replacement mode (recorded)", { timeout: BOOT_TIMEOUT_MS + 30_000 }, async (t) => {
    const { output, seconds } = await boot(["--record", join(work, "boot.trace"), "--outputs", join(work, "boot.out")]);
    t.diagnostic(`boot with the default command line took ${seconds.toFixed(1)} s`);
    assertHpetSeen(output);
    assert.match(section(output, "clocksource")[1]!, /^available: .*\bhpet\b/);
    assert.ok(section(output, "clock event devices").includes("broadcast device: hpet"));
    assert.equal(hostLine(output, "PIT-enable"), "host: PIT-enable output low (legacy replacement on)");
  });

  test("the recorded boot replays with `hpet replay` to the outputs of the live session", { timeout: 120_000 }, async () => {
    const replayed = join(work, "boot.replay");
    const fd = openSync(replayed, "w");
    try {
      const status = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, ["dist/cli/cli.js", "replay", join(work, "boot.trace")], { cwd: ROOT, stdio: ["ignore", fd, "inherit"] });
        child.on("error", reject);
        child.on("close", resolve);
      });
      assert.equal(status, 0);
    } finally {
      closeSync(fd);
    }
    const live = readFileSync(join(work, "boot.out"), "utf8").split("\n");
    const replay = readFileSync(replayed, "utf8").split("\n");
    // The firmware's and the kernel's reads, the PIT's ticks passed through on line 0 until the
    // kernel turned legacy replacement on, and the HPET's own interrupts since.
    assert.ok(live.filter((line) => line.startsWith("R ")).length >= 100, "fewer than 100 reads");
    assert.ok(live.filter((line) => /^I \d+ 0 1$/.test(line)).length >= 20, "fewer than 20 rises of line 0");
    const first = live.findIndex((line, i) => line !== replay[i]);
    assert.equal(first, -1, `first difference at line ${first + 1}: live "${live[first]}", replay "${replay[first]}"`);
    assert.equal(replay.length, live.length);
    assert.ok(live.some((line) => /^P \d+ 0$/.test(line)), "the session has the guest turning legacy replacement on");
  });
});
