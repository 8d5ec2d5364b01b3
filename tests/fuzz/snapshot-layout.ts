// The snapshot byte layout of docs/snapshot.md, for tests that read or forge snapshots: field
// offsets of the header, the Block and each Timer, the event records and the CRC-32 trailer.
// tests/snapshot.test.ts checks every offset here against snapshots the module writes.

import { crc32 } from "node:zlib";

export const MAGIC = 0x50414e5354455048n; // "HPETSNAP" as a little-endian u64
export const FORMAT_VERSION = 1;

/** Header fields: u64 magic, then u32s. */
export const Header = {
  MAGIC: 0,
  VERSION: 8,
  LENGTH: 12,
  TIMERS: 16,
  MSI: 20,
  INTCAP: 24,
  PERIOD_NS: 28,
  BLOCK_SIZE: 32,
  TIMER_SIZE: 36,
  EVENTS: 40,
  EVENT_SIZE: 44,
} as const;
export const HEADER_SIZE = 48;

/** Block fields, relative to the Block (which starts at HEADER_SIZE). */
export const BlockField = {
  GEN_CONF: 0, //      u64
  ISR: 8, //           u64
  COUNTER: 16, //      u64, the main counter while halted
  BASE: 24, //         u64, the counter when ENABLE last went 0 -> 1
  T_ENABLE: 32, //     u64, that moment (ns)
  NOW: 40, //          u64 (ns)
  LINES: 48, //        u32, bit N = level of line N
  PIT_ENABLE: 52, //   u32
  RTC_LEVEL: 56, //    u32
  SIZE_ERRORS: 60, //  u32
  ALIGN_ERRORS: 64, // u32
  RESERVED: 68, //     u32
} as const;
export const BLOCK_SIZE = 72;

/** Timer fields, relative to timer N (which starts at HEADER_SIZE + BLOCK_SIZE + N * TIMER_SIZE). */
export const TimerField = {
  CONF: 0, //      u64
  CMP: 8, //       u64
  PERIOD: 16, //   u64
  FSB: 24, //      u64
  CMP64: 32, //    u64
  DEADLINE: 40, // u64, all ones when not armed
  TICKS: 48, //    u64
  LAST: 56, //     u64, storm guard: deadline of the previous arming
  FLAGS: 64, //    u32
  RESERVED: 68, // u32
} as const;
export const TIMER_SIZE = 72;
export const TimerFlag = { WRAP_PENDING: 1, ARMED_BEFORE: 2 } as const;
export const NOT_ARMED = 0xffff_ffff_ffff_ffffn;

/** Event record fields, relative to the record. */
export const EventField = { TIME: 0, KIND: 8, A: 12, B: 16 } as const;
export const EVENT_SIZE = 24;
export const CRC_SIZE = 4;

/** Where the queued event records start in a snapshot of `timers` timers. */
export const eventsOffset = (timers: number): number => HEADER_SIZE + BLOCK_SIZE + timers * TIMER_SIZE;

/** Read access to the fields of one snapshot. */
export class SnapshotView {
  readonly view: DataView;
  readonly timers: number;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.timers = this.view.getUint32(Header.TIMERS, true);
  }
  header(field: number): number {
    return this.view.getUint32(field, true);
  }
  block64(field: number): bigint {
    return this.view.getBigUint64(HEADER_SIZE + field, true);
  }
  block32(field: number): number {
    return this.view.getUint32(HEADER_SIZE + field, true);
  }
  timer64(n: number, field: number): bigint {
    return this.view.getBigUint64(timerOffset(n) + field, true);
  }
  timer32(n: number, field: number): number {
    return this.view.getUint32(timerOffset(n) + field, true);
  }
}

export const timerOffset = (n: number): number => HEADER_SIZE + BLOCK_SIZE + n * TIMER_SIZE;

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** CRC-32 (IEEE 802.3, as zlib computes it) of everything before the trailer. */
export function computeCrc(bytes: Uint8Array): number {
  return crc32(bytes.subarray(0, bytes.length - CRC_SIZE)) >>> 0;
}

/** A copy of `bytes` with its CRC-32 trailer recomputed: a forged snapshot that passes the integrity check. */
export function sealed(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(copy.length - CRC_SIZE, computeCrc(copy), true);
  return copy;
}
