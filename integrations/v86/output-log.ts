// The outputs of a live session as `hpet replay` prints them (docs/behaviour.md, "Trace
// format"): every read with its value (R), line change (I), PIT-enable change (P) and MSI write
// (M), each with its device time, in the order the device produced them. The replay of the
// session's recording must print the same lines.

import type { HpetCallbacks, Level } from "../../hosts/ts/hpet.ts";
import type { MmioDevice } from "../../hosts/ts/mmio.ts";

/** A device's callbacks, all present. */
export type DeviceCallbacks = { [K in keyof HpetCallbacks<number>]-?: NonNullable<HpetCallbacks<number>[K]> };

/** Receives each output line, with its line end. */
export type OutputLine = (line: string) => void;

/** Device callbacks that write their event, then pass it on to `next`. */
export function loggedCallbacks(log: OutputLine, next: DeviceCallbacks): DeviceCallbacks {
  return {
    onIrq: (line: number, level: Level, timeNs: number) => {
      log(`I ${timeNs} ${line} ${level}\n`);
      next.onIrq(line, level, timeNs);
    },
    onPitEnable: (level: Level, timeNs: number) => {
      log(`P ${timeNs} ${level}\n`);
      next.onPitEnable(level, timeNs);
    },
    onMsi: (address: number, data: number, timeNs: number) => {
      log(`M ${timeNs} 0x${address.toString(16)} 0x${data.toString(16)}\n`);
      next.onMsi(address, data, timeNs);
    },
  };
}

/** A device whose reads are written as R lines, at the device's time. */
export class LoggedReads implements MmioDevice {
  constructor(private readonly device: MmioDevice & { readonly now: number }, private readonly log: OutputLine) {}

  get windowSize(): number {
    return this.device.windowSize;
  }

  read(offset: number, size: 1 | 2 | 4 = 4): number {
    const value = this.device.read(offset, size);
    this.log(`R ${this.device.now} 0x${offset.toString(16)} ${size} 0x${value.toString(16)}\n`);
    return value;
  }

  read64(offset: number): bigint {
    const value = this.device.read64(offset);
    this.log(`R ${this.device.now} 0x${offset.toString(16)} 8 0x${value.toString(16)}\n`);
    return value;
  }

  write(offset: number, value: number, size: 1 | 2 | 4 = 4): void {
    this.device.write(offset, value, size);
  }

  write64(offset: number, value: bigint): void {
    this.device.write64(offset, value);
  }
}
