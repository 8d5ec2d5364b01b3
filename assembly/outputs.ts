// Everything that leaves the device: route line levels, the PIT-enable output and FSB (MSI)
// writes. Each becomes a record in the event queue, stamped with the device's current time,
// which the host drains (layout in abi.ts and docs/abi.md).

import {
  CAPACITY_OFFSET, COUNT_OFFSET, COUNTER_BASE_OFFSET, COUNTER_ENABLE_TIME_OFFSET, COUNTER_PERIOD_OFFSET,
  COUNTER_RUNNING_OFFSET, COUNTER_SEQUENCE_OFFSET, DEFER_LIMIT_OFFSET, EARLIEST_DEADLINE_OFFSET,
  EVENT_CAPACITY, EVENT_LINE, EVENT_MSI, EVENT_PIT, EVENT_PULSE, EVENT_SIZE, MAX_TIME,
  QUEUE_HEADER_SIZE, RECORD_SIZE_OFFSET,
} from "./abi";
import { ENABLE_CNF, MAX_TIMERS } from "./registers";
import { block, periodNs } from "./state";

const EXACT_F64: u64 = 1 << 53; // every whole number up to here is exact in a double

// The host area: what a host may read without a call (docs/abi.md): a header whose layout
// abi.ts defines, then the event records.
export const QUEUE: usize = memory.data(<i32>(QUEUE_HEADER_SIZE + EVENT_CAPACITY * EVENT_SIZE), 16);
const RECORDS: usize = QUEUE + QUEUE_HEADER_SIZE;
store<u32>(QUEUE + CAPACITY_OFFSET, EVENT_CAPACITY);
store<u32>(QUEUE + RECORD_SIZE_OFFSET, EVENT_SIZE);

// @ts-ignore: decorator
@inline
export function eventCount(): u32 {
  return load<u32>(QUEUE + COUNT_OFFSET);
}

export function freeEventSlots(): u32 {
  return EVENT_CAPACITY - eventCount();
}

// Drop the first `n` events (all of them if n >= the count); later ones move to the front.
export function consumeEvents(n: u32): void {
  const count = eventCount();
  if (n >= count) {
    store<u32>(QUEUE + COUNT_OFFSET, 0);
    return;
  }
  memory.copy(RECORDS, RECORDS + <usize>n * EVENT_SIZE, <usize>(count - n) * EVENT_SIZE);
  store<u32>(QUEUE + COUNT_OFFSET, count - n);
}

// The defer limit: a time (as a double) before which no timer expires, so that a host may
// defer advancing to any whole time below it. min(earliest deadline, 2^63), rounded down.
// Next to it the earliest deadline itself, exact, for hosts whose time is an integer.
export function publishDeferLimit(deadline: u64): void {
  let limit: f64;
  if (deadline > MAX_TIME) limit = 9223372036854775808.0;
  else if (deadline <= EXACT_F64) limit = <f64><i64>deadline;
  else limit = <f64><i64>(deadline - 1024); // rounds to nearest: at most 512 up, so still below
  store<f64>(QUEUE + DEFER_LIMIT_OFFSET, limit);
  store<u64>(QUEUE + EARLIEST_DEADLINE_OFFSET, deadline);
}

// The main counter's parameters, from which a host computes MAIN_CNT at any time without a
// call: running ? base + (t - enable time) / period : base. Called after every change of
// ENABLE_CNF, base, tEnable or the held counter. The sequence number is odd while the fields
// are being rewritten, for a reader on another thread (a seqlock).
export function publishCounter(): void {
  const running = (block.genConf & ENABLE_CNF) != 0;
  const sequence = load<u32>(QUEUE + COUNTER_SEQUENCE_OFFSET);
  store<u32>(QUEUE + COUNTER_SEQUENCE_OFFSET, sequence + 1);
  store<u32>(QUEUE + COUNTER_RUNNING_OFFSET, <u32>running);
  store<u64>(QUEUE + COUNTER_BASE_OFFSET, running ? block.base : block.counter);
  store<u64>(QUEUE + COUNTER_ENABLE_TIME_OFFSET, block.tEnable);
  store<u32>(QUEUE + COUNTER_PERIOD_OFFSET, <u32>periodNs);
  store<u32>(QUEUE + COUNTER_SEQUENCE_OFFSET, sequence + 2);
}

// @ts-ignore: decorator
@inline
export function deferLimit(): f64 {
  return load<f64>(QUEUE + DEFER_LIMIT_OFFSET);
}

function push(kind: u32, a: u32, b: u32): void {
  const n = eventCount();
  // Callers reserve room first (advance: one slot per expiry, other calls
  // EVENTS_PER_CALL_MAX); this bound only keeps a broken caller inside the queue.
  if (n >= EVENT_CAPACITY) return;
  const p = RECORDS + <usize>n * EVENT_SIZE;
  store<u64>(p, block.now);
  store<u32>(p, kind, 8);
  store<u32>(p, a, 12);
  store<u32>(p, b, 16);
  store<u32>(QUEUE + COUNT_OFFSET, n + 1);
}

// The record each timer's latest expiry made (kind 0: none), kept so that an advance can make
// it again at the timer's next expiries (see advanceTo() in device.ts). Valid only within the
// advance that kept it: no part of the device's state.
const KEPT_SIZE: u32 = 12; // kind, a, b
const KEPT_RECORDS: usize = memory.data(<i32>(MAX_TIMERS * KEPT_SIZE), 4);

// @ts-ignore: decorator
@inline function keptRecord(n: u32): usize {
  return KEPT_RECORDS + <usize>n * KEPT_SIZE;
}

// Keep the record timer n's expiry made, the one after the first `queued`, or none.
export function keepRecord(n: u32, queued: u32): void {
  const kept = keptRecord(n);
  if (eventCount() == queued) {
    store<u32>(kept, 0);
    return;
  }
  const p = RECORDS + <usize>queued * EVENT_SIZE;
  store<u32>(kept, load<u32>(p, 8));
  store<u64>(kept, load<u64>(p, 12), 4);
}

// @ts-ignore: decorator
@inline
export function keepsRecord(n: u32): bool {
  return load<u32>(keptRecord(n)) != 0;
}

// Timer n's kept record again, if it kept one, `count` (at least one) times: at `first`, then
// every `step` ns. The caller has made sure there is room for them.
// @ts-ignore: decorator
@inline
export function repeatRecords(n: u32, first: u64, step: u64, count: u32): void {
  const kept = keptRecord(n);
  const kind = load<u32>(kept);
  if (kind == 0) return;
  const operands = load<u64>(kept, 4);
  const queued = eventCount();
  let p = RECORDS + <usize>queued * EVENT_SIZE;
  const end = p + <usize>count * EVENT_SIZE;
  let time = first;
  do {
    store<u64>(p, time);
    store<u32>(p, kind, 8);
    store<u64>(p, operands, 12);
    time += step;
    p += EVENT_SIZE;
  } while (p < end);
  store<u32>(QUEUE + COUNT_OFFSET, queued + count);
}

// Drive a route line; only changes of level are reported.
export function setLine(line: u32, high: bool): void {
  const bit: u32 = 1 << line;
  const lines = block.lines;
  if (((lines & bit) != 0) == high) return;
  block.lines = lines ^ bit;
  push(EVENT_LINE, line, <u32>high);
}

// An edge interrupt: the line goes high and back low at the same instant. On a line that is
// already high (held by a level-triggered timer sharing it) only the fall is a change.
export function pulseLine(line: u32): void {
  const bit: u32 = 1 << line;
  if (block.lines & bit) {
    block.lines ^= bit;
    push(EVENT_LINE, line, 0);
  } else {
    push(EVENT_PULSE, line, 0);
  }
}

export function setPitEnable(high: bool): void {
  if ((block.pitEnable != 0) == high) return;
  block.pitEnable = <u32>high;
  push(EVENT_PIT, <u32>high, 0);
}

export function sendMsi(address: u32, data: u32): void {
  push(EVENT_MSI, address, data);
}
