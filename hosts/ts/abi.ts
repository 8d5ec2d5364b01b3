// The module's ABI as the TypeScript host sees it (docs/abi.md is the contract). The numbers
// mirror assembly/abi.ts; tests/abi.test.ts checks them against the module.

import { wasm, type WasmInstance, type WasmMemory } from "./wasm.ts";

export const ABI_VERSION = 2;

export const Status = {
  BAD_CONFIG: -1,
  BAD_OFFSET: -2,
  BAD_SIZE: -3,
  BAD_TIME: -4,
  TIME_BACKWARDS: -5,
  QUEUE_FULL: -6,
  BAD_INPUT: -7,
  SNAPSHOT_TRUNCATED: -8,
  SNAPSHOT_MAGIC: -9,
  SNAPSHOT_VERSION: -10,
  SNAPSHOT_CHECKSUM: -11,
  SNAPSHOT_CONFIG: -12,
  SNAPSHOT_STATE: -13,
  SNAPSHOT_LENGTH: -14,
  EXPIRY_DUE: -15,
} as const;

export const ADVANCE_INCOMPLETE = 1 << 16;
export const EVENT_COUNT_MASK = ADVANCE_INCOMPLETE - 1;

export const GuestError = { SIZE: 0, ALIGNMENT: 1 } as const;

export const EventKind = { LINE: 1, PULSE: 2, PIT: 3, MSI: 4 } as const;
export const EVENT_SIZE = 24;
/** The host area at events_ptr(): a 64-byte header, then the event records. */
export const QUEUE_HEADER_SIZE = 64;
/** Byte offsets of the header's fields (docs/abi.md, "The host area"). */
export const HostArea = {
  COUNT: 0, // u32 queued events
  CAPACITY: 4, // u32
  RECORD_SIZE: 8, // u32
  DEFER_LIMIT: 16, // f64
  EARLIEST_DEADLINE: 24, // u64, all ones when none
  COUNTER_SEQUENCE: 32, // u32, odd while the counter fields change
  COUNTER_RUNNING: 36, // u32, 1 while ENABLE_CNF is set
  COUNTER_BASE: 40, // u64, MAIN_CNT at the enable time (running) or the held MAIN_CNT (halted)
  COUNTER_ENABLE_TIME: 48, // u64 ns
  COUNTER_PERIOD: 56, // u32 ns per tick
} as const;

export const Input = { PIT: 0, RTC: 1 } as const;

export const SNAPSHOT_VERSION = 1;
/** Snapshot header fields the host reads to explain a refused restore (docs/snapshot.md). */
export const SnapshotHeader = { VERSION: 8, LENGTH: 12, TIMERS: 16, MSI: 20, INTCAP: 24, PERIOD_NS: 28 } as const;

export const MAX_TIME = 0x7fff_ffff_ffff_ffffn;

/** The exports of hpet.wasm. */
export interface HpetExports {
  readonly memory: WasmMemory;
  abi_version(): number;
  init(timers: number, msi: number, intcap: number, periodNs: number): number;
  reset(): number;
  window_size(): number;
  read(offset: number, size: number): bigint;
  read32(offset: number, timeNs: number): number;
  read_status(): number;
  write(offset: number, size: number, value: bigint): number;
  write32(offset: number, value: number, timeNs: number): number;
  set_time(timeNs: number): number;
  read32_i64(offset: number, timeNs: bigint): number;
  write32_i64(offset: number, value: number, timeNs: bigint): number;
  set_time_i64(timeNs: bigint): number;
  guest_errors(kind: number): number;
  set_input(input: number, level: number): number;
  advance(timeNs: bigint): number;
  advance_f64(timeNs: number): number;
  now(): bigint;
  now_f64(): number;
  next_deadline(): bigint;
  next_deadline_f64(): number;
  events_ptr(): number;
  events_count(): number;
  events_consume(count: number): void;
  snapshot_buffer(): number;
  snapshot_capacity(): number;
  snapshot(): number;
  restore(length: number): number;
}

const FUNCTIONS: readonly (keyof HpetExports)[] = [
  "abi_version", "init", "reset", "window_size", "read", "read32", "read_status", "write",
  "write32", "set_time", "read32_i64", "write32_i64", "set_time_i64", "guest_errors", "set_input", "advance", "advance_f64", "now",
  "now_f64", "next_deadline", "next_deadline_f64", "events_ptr", "events_count", "events_consume",
  "snapshot_buffer", "snapshot_capacity", "snapshot", "restore",
];

/** Checks that an instance has every export of this ABI version and returns them typed. */
export function hpetExports(instance: WasmInstance): HpetExports {
  const exports = instance.exports as Record<string, unknown>;
  for (const name of FUNCTIONS) {
    if (typeof exports[name] !== "function") throw new Error(`module lacks the export ${name}`);
  }
  if (!(exports["memory"] instanceof wasm.Memory)) throw new Error("module lacks its memory");
  const found = exports as unknown as HpetExports;
  if (found.abi_version() !== ABI_VERSION) {
    throw new Error(`module has ABI version ${found.abi_version()}, this host needs ${ABI_VERSION}`);
  }
  return found;
}
