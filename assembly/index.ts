// The module's exports: the host ABI documented in docs/abi.md. A thin layer that checks
// every argument, so that no call traps and a refused call changes nothing.

import "./abort";
import {
  ABI_VERSION, ERR_BAD_CONFIG, ERR_BAD_INPUT, ERR_BAD_OFFSET, ERR_BAD_SIZE, ERR_BAD_TIME,
  ERR_QUEUE_FULL, ERR_TIME_BACKWARDS, EVENTS_PER_CALL_MAX, GUEST_ERROR_ALIGNMENT,
  GUEST_ERROR_SIZE, MAX_TIME,
} from "./abi";
import { earliestDeadline } from "./deadlines";
import { advanceTo, powerOn, readRegister, reset as resetDevice, setLegacyInput, writeRegister } from "./device";
import { consumeEvents, eventCount, freeEventSlots, QUEUE } from "./outputs";
import { MAX_TIMERS, MIN_TIMERS } from "./registers";
import { restoreSnapshot, saveSnapshot, SNAPSHOT_BUFFER, SNAPSHOT_CAPACITY } from "./snapshot";
import {
  block, DEFAULT_INTCAP, DEFAULT_PERIOD_NS, DEFAULT_TIMERS, MAX_PERIOD_NS, windowSize,
} from "./state";

powerOn(DEFAULT_TIMERS, false, DEFAULT_INTCAP, DEFAULT_PERIOD_NS);

// --- Instance ----------------------------------------------------------------------------------

export function abi_version(): i32 {
  return ABI_VERSION;
}

// Power the device on afresh with this configuration: timers 3..32, msi 0 or 1, intcap the
// route capability mask, period_ns the clock period 1..100 ns. Returns the number of queued
// events (the reset's PIT-enable rise) or ERR_BAD_CONFIG.
export function init(timers: i32, msi: i32, intcap: i32, period_ns: i32): i32 {
  if (<u32>timers < MIN_TIMERS || <u32>timers > MAX_TIMERS || <u32>msi > 1
    || period_ns < 1 || <u32>period_ns > MAX_PERIOD_NS) return ERR_BAD_CONFIG;
  powerOn(timers, msi != 0, intcap, period_ns);
  return eventCount();
}

export function reset(): i32 {
  if (freeEventSlots() < EVENTS_PER_CALL_MAX) return ERR_QUEUE_FULL;
  resetDevice();
  return eventCount();
}

export function window_size(): i32 {
  return windowSize;
}

// --- Register access ---------------------------------------------------------------------------

const ACCESS_OK: i32 = 0;
const ACCESS_IGNORED: i32 = 1; // a guest error: counted, then ignored

// Checks an access: host errors are negative, guest errors are counted and ignored.
function checkAccess(offset: i32, size: i32): i32 {
  if (size != 4 && size != 8 && size != 1 && size != 2) return ERR_BAD_SIZE;
  if (<u32>offset >= windowSize) return ERR_BAD_OFFSET;
  if (size < 4) {
    block.guestSizeErrors++;
    return ACCESS_IGNORED;
  }
  if (offset & (size - 1)) {
    block.guestAlignmentErrors++;
    return ACCESS_IGNORED;
  }
  return ACCESS_OK;
}

let lastReadStatus: i32 = 0;

// Status of the latest read or read32: 0, or ERR_BAD_SIZE / ERR_BAD_OFFSET (the read gave 0).
export function read_status(): i32 {
  return lastReadStatus;
}

// Read `size` (1, 2, 4 or 8) bytes at `offset`; guest errors and host errors read 0.
export function read(offset: i32, size: i32): i64 {
  const status = checkAccess(offset, size);
  lastReadStatus = status < 0 ? status : 0;
  return status == ACCESS_OK ? readRegister(offset, size) : 0;
}

// A 4-byte read without 64-bit values, for hosts where those are costly.
export function read32(offset: i32): i32 {
  return <i32>read(offset, 4);
}

// Write `size` bytes at `offset`. Returns the number of queued events, or a negative error.
export function write(offset: i32, size: i32, value: i64): i32 {
  const status = checkAccess(offset, size);
  if (status < 0) return status;
  if (status == ACCESS_OK) {
    if (freeEventSlots() < EVENTS_PER_CALL_MAX) return ERR_QUEUE_FULL;
    writeRegister(offset, size, value);
  }
  return eventCount();
}

export function write32(offset: i32, value: i32): i32 {
  return write(offset, 4, <i64><u32>value);
}

// An 8-byte write given as two 32-bit halves.
export function write64_halves(offset: i32, low: i32, high: i32): i32 {
  return write(offset, 8, (<i64>high << 32) | <i64><u32>low);
}

// --- Guest errors ------------------------------------------------------------------------------

// How many guest accesses of a kind (GUEST_ERROR_*) were ignored since init; -1 for a bad kind.
export function guest_errors(kind: i32): i32 {
  if (kind == GUEST_ERROR_SIZE) return block.guestSizeErrors;
  if (kind == GUEST_ERROR_ALIGNMENT) return block.guestAlignmentErrors;
  return -1;
}

// --- Legacy inputs -----------------------------------------------------------------------------

// input 0 = PIT (IRQ0), 1 = RTC (IRQ8); level 0 or 1.
export function set_input(input: i32, level: i32): i32 {
  if (<u32>input > 1 || <u32>level > 1) return ERR_BAD_INPUT;
  if (freeEventSlots() < EVENTS_PER_CALL_MAX) return ERR_QUEUE_FULL;
  setLegacyInput(input, level != 0);
  return eventCount();
}

// --- Time --------------------------------------------------------------------------------------

// Advance the device to `time_ns`; see advanceTo for the result.
export function advance(time_ns: i64): i32 {
  if (time_ns < 0) return ERR_BAD_TIME;
  if (<u64>time_ns < block.now) return ERR_TIME_BACKWARDS;
  return advanceTo(time_ns);
}

// advance() for hosts whose time is a double: it must be a whole number of ns in [0, 2^63).
export function advance_f64(time_ns: f64): i32 {
  if (!(time_ns >= 0 && time_ns < 9223372036854775808.0) || time_ns != Math.floor(time_ns)) {
    return ERR_BAD_TIME;
  }
  return advance(<i64>time_ns);
}

export function now(): i64 {
  return block.now;
}

export function now_f64(): f64 {
  return <f64>block.now;
}

// Time of the earliest armed expiry, or -1 when no timer will expire.
export function next_deadline(): i64 {
  const deadline = earliestDeadline();
  return deadline > MAX_TIME ? -1 : <i64>deadline;
}

// next_deadline() as a double: +Infinity when no timer will expire.
export function next_deadline_f64(): f64 {
  const deadline = earliestDeadline();
  return deadline > MAX_TIME ? Infinity : <f64>deadline;
}

// --- Event queue -------------------------------------------------------------------------------

// Address of the queue: header (u32 count, capacity, record size, reserved), then records.
export function events_ptr(): i32 {
  return <i32>QUEUE;
}

export function events_count(): i32 {
  return eventCount();
}

// The host has taken the first `n` events (n >= the count: all of them).
export function events_consume(n: i32): void {
  consumeEvents(<u32>n);
}

// --- Snapshots ---------------------------------------------------------------------------------

// The transfer buffer that snapshot() fills and restore() reads.
export function snapshot_buffer(): i32 {
  return <i32>SNAPSHOT_BUFFER;
}

export function snapshot_capacity(): i32 {
  return SNAPSHOT_CAPACITY;
}

// Write the complete state into the transfer buffer; returns its length in bytes.
export function snapshot(): i32 {
  return saveSnapshot();
}

// Load the state saved by snapshot() on an instance of the same configuration from the first
// `length` bytes of the transfer buffer. Returns 0 or an ERR_SNAPSHOT_* code (state untouched).
export function restore(length: i32): i32 {
  return restoreSnapshot(<u32>length);
}
