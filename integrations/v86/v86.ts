// The parts of v86 (0.5.x) the adapter touches, as structural types: the package ships no types
// for its internals. Names are v86's own.

/** v86's memory-mapped I/O handlers, one set per 128 KiB block of the physical address space. */
export type Read8 = (address: number) => number;
export type Write8 = (address: number, value: number) => void;
export type Read32 = (address: number) => number;
export type Write32 = (address: number, value: number) => void;

/** The CPU object (emulator.v86.cpu): its devices, interrupt entry points and timer hook. */
export interface V86Cpu {
  io: {
    mmap_register(start: number, size: number, read8: Read8, write8: Write8, read32?: Read32, write32?: Write32): void;
  };
  memory_map_read8: Read8[];
  memory_map_write8: Write8[];
  memory_map_read32: Read32[];
  memory_map_write32: Write32[];
  /** The devices v86 created; the PIT drives IRQ0 and the RTC IRQ8 through device_raise_irq. */
  devices: { pit?: object | undefined; rtc?: object | undefined };
  /** Raise or lower interrupt request `irq`: the 8259 PICs (0..15) and the I/O APIC (0..23). */
  device_raise_irq(irq: number): void;
  device_lower_irq(irq: number): void;
  /**
   * Called by the main loop between runs of instructions and when the CPU halts, with v86's
   * clock (milliseconds): runs the PIT, RTC, ACPI and APIC timers and returns how many
   * milliseconds the idle loop may sleep.
   */
  run_hardware_timers(acpiEnabled: boolean, nowMs: number): number;
  /** The machine's reset (emulator.restart(), the keyboard controller's or port 0xCF9's reset line). */
  reboot_internal(): void;
}

/** A `new V86({...})` instance. */
export interface V86Emulator {
  /** Set once the emulator's WebAssembly module has loaded. */
  v86?: { cpu?: V86Cpu | undefined } | undefined;
  add_listener(event: string, listener: () => void): void;
  remove_listener(event: string, listener: () => void): void;
}

/** v86 dispatches MMIO in blocks of 2^17 bytes. */
export const MMAP_BLOCK_SIZE = 0x2_0000;
/** Pins of v86's I/O APIC; interrupt requests past them go nowhere. */
export const IOAPIC_PINS = 24;
/** The legacy interrupt requests the HPET takes over in legacy replacement mode. */
export const PIT_IRQ = 0;
export const RTC_IRQ = 8;
