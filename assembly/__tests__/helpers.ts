// Shared by the spec files: a fresh device, register access by timer, and reading the event
// queue record by record (layout in abi.ts: u64 time at 0, u32 kind at 8, a at 12, b at 16).

import { EVENT_CAPACITY, EVENT_SIZE, QUEUE_HEADER_SIZE } from "../abi";
import { powerOn, readRegister, writeRegister } from "../device";
import { consumeEvents, eventCount, QUEUE } from "../outputs";
import { TN_INT_ROUTE_CNF_SHIFT } from "../registers";
import { DEFAULT_INTCAP } from "../state";

export const PERIOD_NS: u32 = 10;

// Power on with the given number of timers at 10 ns per tick and drop the reset's PIT-enable rise.
export function boot(timers: u32 = 3, msi: bool = false): void {
  powerOn(timers, msi, DEFAULT_INTCAP, PERIOD_NS);
  consumeEvents(EVENT_CAPACITY);
}

export function conf(n: u32): u32 {
  return 0x100 + 0x20 * n;
}

export function cmp(n: u32): u32 {
  return 0x108 + 0x20 * n;
}

export function fsb(n: u32): u32 {
  return 0x110 + 0x20 * n;
}

export function route(line: u32): u64 {
  return <u64>line << TN_INT_ROUTE_CNF_SHIFT;
}

export function w8(offset: u32, value: u64): void {
  writeRegister(offset, 8, value);
}

export function w4(offset: u32, value: u64): void {
  writeRegister(offset, 4, value);
}

export function r8(offset: u32): u64 {
  return readRegister(offset, 8);
}

export function r4(offset: u32): u64 {
  return readRegister(offset, 4);
}

// --- Event queue --------------------------------------------------------------------------------

function record(i: u32): usize {
  return QUEUE + QUEUE_HEADER_SIZE + <usize>i * EVENT_SIZE;
}

export function eventTime(i: u32): u64 {
  return load<u64>(record(i));
}

export function eventKind(i: u32): u32 {
  return load<u32>(record(i), 8);
}

export function eventA(i: u32): u32 {
  return load<u32>(record(i), 12);
}

export function eventB(i: u32): u32 {
  return load<u32>(record(i), 16);
}

// Record i is exactly (time, kind, a, b).
export function expectEvent(i: u32, time: u64, kind: u32, a: u32, b: u32): void {
  const at = "event " + i.toString();
  expect<bool>(i < eventCount()).toBe(true, at + " exists");
  expect<u64>(eventTime(i)).toBe(time, at + " time");
  expect<u32>(eventKind(i)).toBe(kind, at + " kind");
  expect<u32>(eventA(i)).toBe(a, at + " a");
  expect<u32>(eventB(i)).toBe(b, at + " b");
}

export function expectEventCount(n: u32): void {
  expect<u32>(eventCount()).toBe(n, "queued events");
}
