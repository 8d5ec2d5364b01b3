// hpet-wasm/v86: an HPET for the v86 PC emulator. attachHpet() maps the registers, feeds the
// PIT's IRQ0 and the RTC's IRQ8 through the HPET's legacy inputs, drives v86's 8259 PICs and
// I/O APIC from the route lines, runs device time on v86's clock and wakes v86's idle loop for
// the next deadline. Interrupts an access causes reach v86 at its next safe point (the main
// loop's timer step), never inside the instruction making the access.

import { DEFAULT_HPET_BASE } from "../../hosts/ts/acpi.ts";
import { HpetError } from "../../hosts/ts/errors.ts";
import { Hpet, type HpetConfig, type LegacyInput, type Level } from "../../hosts/ts/hpet.ts";
import { type MmioDevice, HpetMmio } from "../../hosts/ts/mmio.ts";
import { compileModule, type ModuleSource } from "../../hosts/ts/module.ts";
import { HpetRecorder } from "../../hosts/ts/recorder.ts";
import { SafePointDelivery } from "../../hosts/ts/safe-point.ts";
import type { WasmModule } from "../../hosts/ts/wasm.ts";
import { type DeviceCallbacks, LoggedReads, loggedCallbacks, type OutputLine } from "./output-log.ts";
import { IOAPIC_PINS, MMAP_BLOCK_SIZE, PIT_IRQ, RTC_IRQ, type V86Cpu, type V86Emulator } from "./v86.ts";

export type { V86Cpu, V86Emulator } from "./v86.ts";
export type { OutputLine } from "./output-log.ts";

export interface AttachOptions extends HpetConfig {
  /** Physical address of the registers (default 0xFED00000, where SeaBIOS looks); 128 KiB aligned. */
  base?: number | undefined;
  /** The hpet.wasm to use (default the packaged one). */
  module?: ModuleSource | undefined;
  /**
   * v86 has no MSI path: with `msi: true` the guest may program FSB delivery, and each MSI
   * write comes here (default: dropped).
   */
  onMsi?: ((address: number, data: number, timeNs: number) => void) | undefined;
  /** Record the session in the trace format `hpet replay` reads, a line at a time. */
  record?: ((line: string) => void) | undefined;
  /** The session's outputs as `hpet replay` prints them (R, I, P and M lines), as they happen. */
  outputs?: OutputLine | undefined;
  /** v86's clock in milliseconds (default performance.now, the clock v86 itself reads). */
  clock?: (() => number) | undefined;
}

/**
 * An HPET attached to a v86 emulator: the Hpet itself, plus what only the attachment knows.
 * dispose() detaches it too.
 */
export class V86Hpet extends Hpet {
  /** @internal The attachment's hooks into v86, undone by detach(). */
  undoHooks: (() => void) | undefined;
  /** The guest's view of the PIT-enable output: 0 while legacy replacement is on. */
  pitEnable: Level = 1;
  /** Line changes on lines v86 has no pin for (24..31), dropped. */
  droppedLineChanges = 0;

  /** Restore v86's own timer, IRQ and MMIO paths and dispose of the instance. Bound. */
  readonly detach = (): void => this.dispose();

  override dispose(): void {
    const undo = this.undoHooks;
    this.undoHooks = undefined;
    undo?.();
    super.dispose();
  }
}

const NS_PER_MS = 1e6;

/**
 * Attach an HPET to a v86 emulator created with `acpi: true` (so that SeaBIOS builds the ACPI
 * HPET table from the registers) and `autostart: false`, before it runs. Resolves once attached.
 */
export async function attachHpet(emulator: V86Emulator, options: AttachOptions = {}): Promise<V86Hpet> {
  const base = options.base ?? Number(DEFAULT_HPET_BASE);
  if (!Number.isInteger(base) || base < 0 || base % MMAP_BLOCK_SIZE !== 0 || base + MMAP_BLOCK_SIZE > 0x1_0000_0000) {
    throw new HpetError("bad-config", `base ${String(base)} is not a 128 KiB aligned 32-bit address (v86 maps MMIO in 128 KiB blocks)`);
  }
  const [cpu, module] = await Promise.all([loadedCpu(emulator), compileModule(options.module)]);
  return new Attachment(cpu, base, module, options).hpet;
}

// The CPU exists once the emulator has loaded (the "emulator-loaded" event).
function loadedCpu(emulator: V86Emulator): Promise<V86Cpu> {
  const ready = (): V86Cpu | undefined => {
    const cpu = emulator.v86?.cpu;
    return cpu?.devices?.pit !== undefined ? cpu : undefined;
  };
  const cpu = ready();
  if (cpu !== undefined) return Promise.resolve(cpu);
  return new Promise((resolve, reject) => {
    const loaded = (): void => {
      emulator.remove_listener("emulator-loaded", loaded);
      const now = ready();
      if (now === undefined) reject(new HpetError("bad-config", "v86 loaded without a PIT: is this a v86 0.5 emulator?"));
      else resolve(now);
    };
    emulator.add_listener("emulator-loaded", loaded);
  });
}

class Attachment {
  private readonly device: HpetRecorder | Hpet;
  private readonly lines: SafePointDelivery;
  private readonly clock: () => number;
  private readonly originMs: number;
  private readonly restore: (() => void)[] = [];
  /** The level last passed to each legacy input. */
  private inputLevels: Partial<Record<LegacyInput, Level>> = {};

  readonly hpet: V86Hpet;

  constructor(private readonly cpu: V86Cpu, base: number, module: WasmModule, options: AttachOptions) {
    const raise = cpu.device_raise_irq;
    const lower = cpu.device_lower_irq;
    const toV86: DeviceCallbacks = {
      onIrq: (line, level) => {
        if (line >= IOAPIC_PINS) this.hpet.droppedLineChanges++;
        else if (level === 1) raise(line);
        else lower(line);
      },
      onPitEnable: (level) => {
        // The power-on rise comes while the instance is being created, which starts at level 1.
        if (this.hpet !== undefined) this.hpet.pitEnable = level;
      },
      onMsi: options.onMsi ?? (() => {}),
    };
    this.lines = new SafePointDelivery(toV86);
    const log = options.outputs;
    const { timers, msi, intcap, clockPeriodNs } = options;
    const config: HpetConfig = {
      ...(timers === undefined ? {} : { timers }),
      ...(msi === undefined ? {} : { msi }),
      ...(intcap === undefined ? {} : { intcap }),
      ...(clockPeriodNs === undefined ? {} : { clockPeriodNs }),
    };
    // Created with its callbacks, so that its power-on output (PIT-enable high) is seen too.
    const hpet = new V86Hpet(module, { ...config, ...(log === undefined ? this.lines : loggedCallbacks(log, this.lines)) });
    this.hpet = hpet;
    this.device = options.record === undefined ? hpet : new HpetRecorder(hpet, { write: options.record });
    this.clock = options.clock ?? (() => performance.now());
    this.originMs = this.clock();
    const guestView: MmioDevice = log === undefined ? this.device : new LoggedReads(this.device, log);
    const mmio = new HpetMmio(guestView, { base, size: MMAP_BLOCK_SIZE, sync: this.sync, safePoint: this.lines });

    this.mapRegisters(base, mmio);
    this.hook("device_raise_irq", (irq: number) => this.input(irq, 1, raise));
    this.hook("device_lower_irq", (irq: number) => this.input(irq, 0, lower));
    const v86Timers = cpu.run_hardware_timers.bind(cpu);
    this.hook("run_hardware_timers", (acpiEnabled: boolean, nowMs: number) => this.safePoint(v86Timers, acpiEnabled, nowMs));
    const reboot = cpu.reboot_internal.bind(cpu);
    hpet.undoHooks = () => {
      for (const undo of this.restore.splice(0).reverse()) undo();
    };
    this.hook("reboot_internal", () => {
      reboot();
      this.access(() => this.device.reset()); // the HPET shares the machine's reset line
      this.inputLevels = {}; // the reset forgets the RTC's level
    });
  }

  // Device time follows v86's clock from the moment of attaching.
  private readonly sync = (): void => this.advanceTo(this.clock());

  private advanceTo(nowMs: number): void {
    const timeNs = this.timeNs(nowMs);
    if (timeNs > this.device.now) this.device.advance(timeNs);
  }

  private timeNs(nowMs: number): number {
    return Math.floor((nowMs - this.originMs) * NS_PER_MS);
  }

  // v86's main loop between runs of instructions, and its HLT: held interrupts go to v86 first,
  // then timers due by now fire, then the PIT and RTC run (their edges reach the HPET's inputs).
  // The idle loop may sleep until the earlier of v86's own timers and the HPET's deadline.
  // Time is brought forward here only when a timer is due: accesses and inputs bring it to the
  // present themselves.
  private safePoint(timers: V86Cpu["run_hardware_timers"], acpiEnabled: boolean, nowMs: number): number {
    this.lines.deliver();
    const due = this.hpet.nextDeadline();
    if (due !== null && this.timeNs(nowMs) >= due) this.advanceTo(nowMs);
    const sleepMs = timers(acpiEnabled, nowMs);
    this.lines.deliver();
    const deadline = this.hpet.nextDeadline();
    if (deadline === null) return sleepMs;
    return Math.min(sleepMs, Math.max(0, (deadline - this.timeNs(nowMs)) / NS_PER_MS));
  }

  // IRQ0 and IRQ8 from v86's PIT and RTC go into the HPET, which passes them on to lines 0 and
  // 8 unless legacy replacement is on. They can come in the middle of an instruction (a port
  // write to the PIT lowers IRQ0), so they are guest accesses too.
  private input(irq: number, level: Level, other: (irq: number) => void): void {
    const input: LegacyInput | undefined = irq === PIT_IRQ ? "pit" : irq === RTC_IRQ ? "rtc" : undefined;
    if (input === undefined) {
      other(irq);
      return;
    }
    // v86's PIT lowers IRQ0 at every timer step while its counter is stopped: pass changes only.
    if (this.inputLevels[input] === level) return;
    this.inputLevels[input] = level;
    this.access(() => this.device.setLegacyInput(input, level));
  }

  // A change to the device from v86's side, possibly in the middle of an instruction: at the
  // present time, with what it raises held for the next safe point.
  private access(change: () => void): void {
    this.lines.enter();
    try {
      this.sync();
      change();
    } finally {
      this.lines.leave();
    }
  }

  private mapRegisters(base: number, mmio: HpetMmio): void {
    const cpu = this.cpu;
    const block = base / MMAP_BLOCK_SIZE;
    const previous = [cpu.memory_map_read8[block], cpu.memory_map_write8[block], cpu.memory_map_read32[block], cpu.memory_map_write32[block]] as const;
    cpu.io.mmap_register(base, MMAP_BLOCK_SIZE, mmio.read8, mmio.write8, mmio.read32, mmio.write32);
    this.restore.push(() => {
      const [read8, write8, read32, write32] = previous;
      if (read8 !== undefined && write8 !== undefined) cpu.io.mmap_register(base, MMAP_BLOCK_SIZE, read8, write8, read32, write32);
    });
  }

  private hook<K extends "device_raise_irq" | "device_lower_irq" | "run_hardware_timers" | "reboot_internal">(name: K, replacement: V86Cpu[K]): void {
    const cpu = this.cpu;
    const own = Object.hasOwn(cpu, name);
    const original = cpu[name];
    cpu[name] = replacement;
    this.restore.push(() => {
      if (own) cpu[name] = original;
      else delete (cpu as Partial<V86Cpu>)[name];
    });
  }
}
