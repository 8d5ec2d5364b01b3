// Guest accesses by absolute physical address, for JS emulators whose bus dispatches MMIO to
// per-size handler functions (v86's mmap_register(start, size, read8, write8, read32, write32)
// and the like). The handlers are bound properties, so they can be passed around as they are.

import { DEFAULT_HPET_BASE } from "./acpi.ts";
import { HpetError } from "./errors.ts";
import type { AccessMarker } from "./safe-point.ts";

/** The part of an instance the adapter drives: an Hpet (either time kind) or a recorder over one. */
export interface MmioDevice {
  readonly windowSize: number;
  read(offset: number, size?: 1 | 2 | 4): number;
  read64(offset: number): bigint;
  write(offset: number, value: number, size?: 1 | 2 | 4): void;
  write64(offset: number, value: bigint): void;
}

export interface MmioOptions {
  /** Physical address of register 0x000 (default 0xFED00000). */
  base?: number | undefined;
  /**
   * Bytes of address space the emulator routes here (default the register window, 0x400 or
   * 0x500). Addresses past the window but inside this size read 0 and ignore writes, as
   * unlisted registers do; addresses outside it are a wiring mistake and throw.
   */
  size?: number | undefined;
  /** Called before every access and after every write: a RealtimeDriver's sync, say. */
  sync?: (() => void) | undefined;
  /**
   * Marks each access (its syncs included) as a guest access, so that interrupts the access
   * causes wait for the emulator's next safe point: a SafePointDelivery whose callbacks the
   * device delivers to.
   */
  safePoint?: AccessMarker | undefined;
}

const TWO_TO_32 = 0x1_0000_0000;

export class HpetMmio {
  readonly base: number;
  readonly size: number;
  private readonly sync: () => void;
  private readonly marker: AccessMarker;

  constructor(readonly device: MmioDevice, options: MmioOptions = {}) {
    this.base = options.base ?? Number(DEFAULT_HPET_BASE);
    this.size = options.size ?? device.windowSize;
    if (!Number.isInteger(this.base) || this.base < 0 || !Number.isInteger(this.size) || this.size < 1
      || this.base + this.size > TWO_TO_32) {
      throw new HpetError("bad-config",
        `MMIO range base ${String(this.base)} size ${String(this.size)} is not inside the 32-bit physical address space`);
    }
    this.sync = options.sync ?? noSync;
    this.marker = options.safePoint ?? noMarker;
  }

  /** Whether `address` falls in the range routed to this device. */
  contains(address: number): boolean {
    if (!Number.isInteger(address) || address < -0x8000_0000 || address >= TWO_TO_32) return false;
    const offset = (address >>> 0) - this.base;
    return offset >= 0 && offset < this.size;
  }

  // Addresses may come signed (an int32 from a wasm CPU core) or unsigned. 1- and 2-byte
  // accesses are guest errors: the device counts them, reads give 0 and writes are dropped.
  readonly read8 = (address: number): number => this.readSmall(address, 1);
  readonly read16 = (address: number): number => this.readSmall(address, 2);
  readonly read32 = (address: number): number => this.readSmall(address, 4);
  readonly read64 = (address: number): bigint => {
    const offset = this.offset(address);
    this.marker.enter();
    try {
      this.sync();
      return offset < this.device.windowSize ? this.device.read64(offset) : 0n;
    } finally {
      this.marker.leave();
    }
  };

  /** Values are integers, signed or unsigned; only the access's low bytes are used. */
  readonly write8 = (address: number, value: number): void => this.writeSmall(address, value, 1);
  readonly write16 = (address: number, value: number): void => this.writeSmall(address, value, 2);
  readonly write32 = (address: number, value: number): void => this.writeSmall(address, value, 4);
  readonly write64 = (address: number, value: bigint): void => {
    const offset = this.offset(address);
    if (typeof value !== "bigint") throw new HpetError("bad-value", `8-byte write of ${String(value)}: the value must be a bigint`);
    this.marker.enter();
    try {
      this.sync();
      if (offset >= this.device.windowSize) return;
      this.device.write64(offset, BigInt.asUintN(64, value));
      this.sync();
    } finally {
      this.marker.leave();
    }
  };

  private readSmall(address: number, size: 1 | 2 | 4): number {
    const offset = this.offset(address);
    this.marker.enter();
    try {
      this.sync();
      return offset < this.device.windowSize ? this.device.read(offset, size) : 0;
    } finally {
      this.marker.leave();
    }
  }

  private writeSmall(address: number, value: number, size: 1 | 2 | 4): void {
    const offset = this.offset(address);
    if (!Number.isInteger(value)) throw new HpetError("bad-value", `${size}-byte write of ${String(value)}: not an integer`);
    this.marker.enter();
    try {
      this.sync();
      if (offset >= this.device.windowSize) return;
      this.device.write(offset, size === 4 ? value | 0 : value & (size === 2 ? 0xffff : 0xff), size);
      this.sync();
    } finally {
      this.marker.leave();
    }
  }

  private offset(address: number): number {
    if (!this.contains(address)) {
      throw new HpetError("bad-offset", `address ${describe(address)} is outside the HPET's MMIO range `
        + `0x${this.base.toString(16)}..0x${(this.base + this.size - 1).toString(16)}`);
    }
    return (address >>> 0) - this.base;
  }
}

function noSync(): void {}

const noMarker: AccessMarker = { enter: noSync, leave: noSync };

function describe(address: number): string {
  const unsigned = address < 0 && address >= -0x8000_0000 ? address >>> 0 : address;
  return Number.isInteger(unsigned) && unsigned >= 0 ? `0x${unsigned.toString(16)}` : String(address);
}
