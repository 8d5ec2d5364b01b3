// The module's exports: the host ABI documented in docs/abi.md. A thin layer that checks
// every argument, so that no call traps and a refused call changes nothing.

import "./abort";
import {
  ABI_VERSION, ERR_BAD_CONFIG, ERR_BAD_INPUT, ERR_BAD_OFFSET, ERR_BAD_SIZE, ERR_BAD_TIME,
  ERR_EXPIRY_DUE, ERR_QUEUE_FULL, ERR_TIME_BACKWARDS, EVENTS_PER_CALL_MAX, GUEST_ERROR_ALIGNMENT,
  GUEST_ERROR_SIZE, MAX_TIME,
} from "./abi";
import { counterAt } from "./clock";
import { earliestDeadline } from "./deadlines";
import { advanceTo, powerOn, readRegister, reset as resetDevice, setLegacyInput, writeRegister } from "./device";
import { consumeEvents, deferLimit, eventCount, freeEventSlots, publishDeferLimit, QUEUE } from "./outputs";
import { MAIN_CNT, MAX_TIMERS, MIN_TIMERS } from "./registers";
import { restoreSnapshot, saveSnapshot, SNAPSHOT_BUFFER, SNAPSHOT_CAPACITY } from "./snapshot";
import {
  block, DEFAULT_INTCAP, DEFAULT_PERIOD_NS, DEFAULT_TIMERS, MAX_PERIOD_NS, windowSize,
} from "./state";

powerOn(DEFAULT_TIMERS, false, DEFAULT_INTCAP, DEFAULT_PERIOD_NS);
publishDeferLimit(earliestDeadline());

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
  return published(eventCount());
}

export function reset(): i32 {
  if (freeEventSlots() < EVENTS_PER_CALL_MAX) return ERR_QUEUE_FULL;
  resetDevice();
  return published(eventCount());
}

// Every call that may change a deadline ends here, so that the defer limit is current.
function published(result: i32): i32 {
  publishDeferLimit(earliestDeadline());
  return result;
}

export function window_size(): i32 {
  return windowSize;
}

// --- Register access ---------------------------------------------------------------------------

const ACCESS_OK: i32 = 0;
const ACCESS_IGNORED: i32 = 1; // a guest error: counted, then ignored

// Checks an access: host errors are negative, guest errors are counted and ignored.
// @ts-ignore: decorator
@inline
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

let readError: i32 = 0;

// The error of the latest refused read or read32 since the previous call (which read 0), or 0.
export function read_status(): i32 {
  const error = readError;
  readError = 0;
  return error;
}

// Read `size` (1, 2, 4 or 8) bytes at `offset`; guest errors and host errors read 0.
export function read(offset: i32, size: i32): i64 {
  return readAt(offset, size, block.now);
}

// Write `size` bytes at `offset`. Returns the number of queued events, or a negative error.
export function write(offset: i32, size: i32, value: i64): i32 {
  return writeAt(offset, size, value, block.now);
}

// 4-byte accesses without 64-bit values, each at a time: the device first moves to `time_ns`,
// which must come before every armed deadline (see the defer limit), or stays at its current
// time when `time_ns` is a negative whole number. This lets a host defer an advance that
// cannot expire anything and fold it into the next access: one call instead of two. A refused
// access changes nothing, its time included.
export function read32(offset: i32, time_ns: f64): i32 {
  return read32At(offset, accessTime(time_ns));
}

export function write32(offset: i32, value: i32, time_ns: f64): i32 {
  const time = accessTime(time_ns);
  return time < 0 ? <i32>time : writeAt(offset, 4, <u32>value, time);
}

// Move to `time_ns` without an access or any expiry, as read32 and write32 do first: for a
// host that deferred an advance and is about to make a call that works at the device's time.
// Returns 0 or the error of read32's time (the time is then unchanged).
export function set_time(time_ns: f64): i32 {
  return setTimeAt(accessTime(time_ns));
}

// The same three for hosts whose time is an integer: `time_ns` is a whole number of ns by its
// type, so only its order against now and the deadlines is checked.
export function read32_i64(offset: i32, time_ns: i64): i32 {
  return read32At(offset, accessTimeOf(time_ns));
}

export function write32_i64(offset: i32, value: i32, time_ns: i64): i32 {
  const time = accessTimeOf(time_ns);
  return time < 0 ? <i32>time : writeAt(offset, 4, <u32>value, time);
}

export function set_time_i64(time_ns: i64): i32 {
  return setTimeAt(accessTimeOf(time_ns));
}

// @ts-ignore: decorator
@inline
function read32At(offset: i32, time: i64): i32 {
  if (time < 0) {
    readError = <i32>time;
    return 0;
  }
  // The main counter's low half, the register guests read most by far (a clock source):
  // straight to the counter, its access being always valid.
  if (offset == MAIN_CNT) {
    block.now = time;
    return <i32>counterAt(time);
  }
  return <i32>readAt(offset, 4, time);
}

// @ts-ignore: decorator
@inline
function setTimeAt(time: i64): i32 {
  if (time < 0) return <i32>time;
  block.now = time;
  return 0;
}

// An access at `time` (>= now, before every deadline, or now itself).
// @ts-ignore: decorator
@inline
function readAt(offset: i32, size: i32, time: u64): u64 {
  const status = checkAccess(offset, size);
  if (status < 0) {
    readError = status;
    return 0;
  }
  block.now = time;
  return status == ACCESS_OK ? readRegister(offset, size) : 0;
}

// @ts-ignore: decorator
@inline
function writeAt(offset: i32, size: i32, value: u64, time: u64): i32 {
  const status = checkAccess(offset, size);
  if (status < 0) return status;
  if (status == ACCESS_OK && freeEventSlots() < EVENTS_PER_CALL_MAX) return ERR_QUEUE_FULL;
  block.now = time;
  if (status == ACCESS_OK) writeRegister(offset, size, value);
  return published(eventCount());
}

// The time a read32/write32 happens at, or a negative error: BAD_TIME (not a whole number
// below 2^63), TIME_BACKWARDS or EXPIRY_DUE (an armed deadline at or before it).
// @ts-ignore: decorator
@inline
function accessTime(time_ns: f64): i64 {
  // Fast path, in doubles: a whole number below the defer limit (so below every deadline, and
  // below 2^63) and not before now.
  if (time_ns == Math.floor(time_ns) && time_ns < deferLimit()) {
    const time = <i64>time_ns;
    if (time >= <i64>block.now) return time; // signed: a negative time fails here
  }
  return slowAccessTime(time_ns);
}

function slowAccessTime(time_ns: f64): i64 {
  const time = <i64>time_ns; // saturating: NaN, fractions and out-of-range values come out inexact
  if (<f64>time != time_ns || time_ns >= TWO_TO_63) return ERR_BAD_TIME;
  return accessTimeOf(time);
}

// The time of an access at a whole `time` in ns, or a negative error, as accessTime.
function accessTimeOf(time: i64): i64 {
  const now = block.now;
  if (time < 0) return now; // a negative whole number: the device's own time
  // The device's own time is always accepted, even with an expiry due at it.
  if (<u64>time == now) return time;
  if (<u64>time < now) return ERR_TIME_BACKWARDS;
  return <u64>time < earliestDeadline() ? time : ERR_EXPIRY_DUE;
}

const TWO_TO_63: f64 = 9223372036854775808.0;

// A time from a double (`time` is its saturating conversion): a whole number of ns below
// 2^63, not before now. NaN, fractional and out-of-range doubles convert inexactly; signed
// conversions are single instructions, where unsigned ones are not.
// @ts-ignore: decorator
@inline
function checkTime(time_ns: f64, time: i64): i32 {
  if (<f64>time != time_ns || !(time_ns >= 0 && time_ns < TWO_TO_63)) return ERR_BAD_TIME;
  return <u64>time < block.now ? ERR_TIME_BACKWARDS : 0;
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
  return published(advanceTo(time_ns));
}

// advance() for hosts whose time is a double: it must be a whole number of ns in [0, 2^63).
export function advance_f64(time_ns: f64): i32 {
  const time = <i64>time_ns;
  const status = checkTime(time_ns, time);
  return status < 0 ? status : published(advanceTo(time));
}

export function now(): i64 {
  return block.now;
}

export function now_f64(): f64 {
  return <f64><i64>block.now;
}

// Time of the earliest armed expiry, or -1 when no timer will expire.
export function next_deadline(): i64 {
  const deadline = earliestDeadline();
  return deadline > MAX_TIME ? -1 : <i64>deadline;
}

// next_deadline() as a double: +Infinity when no timer will expire.
export function next_deadline_f64(): f64 {
  const deadline = earliestDeadline();
  return deadline > MAX_TIME ? Infinity : <f64><i64>deadline;
}

// --- Event queue -------------------------------------------------------------------------------

// Address of the host area: a 64-byte header (event count, defer limit, earliest deadline,
// the counter's parameters; see outputs.ts), then the event records.
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
  return published(restoreSnapshot(<u32>length));
}
