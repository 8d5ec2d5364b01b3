// Save and restore: the complete device state (Block, the configured Timers and the queued
// events) framed by a self-describing header and a CRC-32, in a transfer buffer in linear
// memory. Layout in docs/snapshot.md. A restore checks everything before it changes anything.

import {
  ERR_SNAPSHOT_CHECKSUM, ERR_SNAPSHOT_CONFIG, ERR_SNAPSHOT_LENGTH, ERR_SNAPSHOT_MAGIC,
  ERR_SNAPSHOT_STATE, ERR_SNAPSHOT_TRUNCATED, ERR_SNAPSHOT_VERSION, EVENT_CAPACITY, EVENT_LINE,
  EVENT_MSI, EVENT_SIZE, MAX_TIME, QUEUE_HEADER_SIZE,
} from "./abi";
import { updateHorizon } from "./clock";
import { rebuildDeadlines } from "./deadlines";
import { consumeEvents, eventCount, publishCounter, QUEUE } from "./outputs";
import { GEN_CONF_WRITE_MASK, MAX_TIMERS, TN_CONF_WRITE_MASK, TN_32MODE_CNF } from "./registers";
import {
  ARMED_BEFORE, Block, BLOCK_SIZE, intcap, msiCapable, NEVER, numTimers, periodNs, STATE,
  stateSize, Timer, TIMER_SIZE, timerResetConf, WRAP_PENDING,
} from "./state";

export const SNAPSHOT_VERSION: u32 = 1;
const MAGIC: u64 = 0x50414e5354455048; // "HPETSNAP" read as a little-endian u64

// Header fields (u32 unless noted), then state, then events, then the CRC-32.
const H_MAGIC = 0; //        u64
const H_VERSION = 8;
const H_LENGTH = 12; //      bytes, CRC included
const H_TIMERS = 16;
const H_MSI = 20;
const H_INTCAP = 24;
const H_PERIOD_NS = 28;
const H_BLOCK_SIZE = 32;
const H_TIMER_SIZE = 36;
const H_EVENTS = 40; //      queued events
const H_EVENT_SIZE = 44;
const HEADER_SIZE: u32 = 48;
const CRC_SIZE: u32 = 4;

export const SNAPSHOT_CAPACITY: u32 = HEADER_SIZE + <u32>BLOCK_SIZE + <u32>TIMER_SIZE * MAX_TIMERS
  + EVENT_CAPACITY * EVENT_SIZE + CRC_SIZE;
export const SNAPSHOT_BUFFER: usize = memory.data(<i32>SNAPSHOT_CAPACITY, 16);
const RECORDS: usize = QUEUE + QUEUE_HEADER_SIZE;

// --- CRC-32 (IEEE 802.3, reflected, as zlib computes it) -------------------------------------

const CRC_TABLE: usize = memory.data(256 * 4, 4);
for (let i: u32 = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  store<u32>(CRC_TABLE + (<usize>i << 2), c);
}

function crc32(ptr: usize, len: u32): u32 {
  let c: u32 = 0xffffffff;
  for (let i: u32 = 0; i < len; i++) {
    c = load<u32>(CRC_TABLE + (<usize>((c ^ load<u8>(ptr + i)) & 0xff) << 2)) ^ (c >>> 8);
  }
  return ~c;
}

// --- Save --------------------------------------------------------------------------------------

// Write the snapshot into the transfer buffer; returns its length.
export function saveSnapshot(): u32 {
  const buf = SNAPSHOT_BUFFER;
  const state = <u32>stateSize();
  const events = eventCount();
  const length = HEADER_SIZE + state + events * EVENT_SIZE + CRC_SIZE;
  store<u64>(buf + H_MAGIC, MAGIC);
  store<u32>(buf + H_VERSION, SNAPSHOT_VERSION);
  store<u32>(buf + H_LENGTH, length);
  store<u32>(buf + H_TIMERS, numTimers);
  store<u32>(buf + H_MSI, <u32>msiCapable);
  store<u32>(buf + H_INTCAP, intcap);
  store<u32>(buf + H_PERIOD_NS, <u32>periodNs);
  store<u32>(buf + H_BLOCK_SIZE, <u32>BLOCK_SIZE);
  store<u32>(buf + H_TIMER_SIZE, <u32>TIMER_SIZE);
  store<u32>(buf + H_EVENTS, events);
  store<u32>(buf + H_EVENT_SIZE, EVENT_SIZE);
  memory.copy(buf + HEADER_SIZE, STATE, state);
  memory.copy(buf + HEADER_SIZE + state, RECORDS, events * EVENT_SIZE);
  store<u32>(buf + length - CRC_SIZE, crc32(buf, length - CRC_SIZE));
  return length;
}

// --- Restore -----------------------------------------------------------------------------------

// Restore from the first `length` bytes of the transfer buffer: 0, or an ERR_SNAPSHOT_* code
// with the device untouched.
export function restoreSnapshot(length: u32): i32 {
  const buf = SNAPSHOT_BUFFER;
  if (length > SNAPSHOT_CAPACITY) return ERR_SNAPSHOT_LENGTH;
  if (length < HEADER_SIZE + CRC_SIZE) return ERR_SNAPSHOT_TRUNCATED;
  if (load<u64>(buf + H_MAGIC) != MAGIC) return ERR_SNAPSHOT_MAGIC;
  if (load<u32>(buf + H_VERSION) != SNAPSHOT_VERSION) return ERR_SNAPSHOT_VERSION;
  const declared = load<u32>(buf + H_LENGTH);
  if (declared > length) return ERR_SNAPSHOT_TRUNCATED;
  if (declared < length || declared < HEADER_SIZE + CRC_SIZE) return ERR_SNAPSHOT_LENGTH;
  if (crc32(buf, declared - CRC_SIZE) != load<u32>(buf + declared - CRC_SIZE)) return ERR_SNAPSHOT_CHECKSUM;
  if (load<u32>(buf + H_TIMERS) != numTimers || load<u32>(buf + H_MSI) != <u32>msiCapable
    || load<u32>(buf + H_INTCAP) != intcap || load<u32>(buf + H_PERIOD_NS) != <u32>periodNs) {
    return ERR_SNAPSHOT_CONFIG;
  }
  const state = <u32>stateSize();
  const events = load<u32>(buf + H_EVENTS);
  if (load<u32>(buf + H_BLOCK_SIZE) != <u32>BLOCK_SIZE || load<u32>(buf + H_TIMER_SIZE) != <u32>TIMER_SIZE
    || load<u32>(buf + H_EVENT_SIZE) != EVENT_SIZE || events > EVENT_CAPACITY
    || declared != HEADER_SIZE + state + events * EVENT_SIZE + CRC_SIZE) {
    return ERR_SNAPSHOT_LENGTH;
  }
  if (!plausible(buf + HEADER_SIZE, buf + HEADER_SIZE + state, events)) return ERR_SNAPSHOT_STATE;
  memory.copy(STATE, buf + HEADER_SIZE, state);
  consumeEvents(EVENT_CAPACITY);
  memory.copy(RECORDS, buf + HEADER_SIZE + state, events * EVENT_SIZE);
  store<u32>(QUEUE, events);
  updateHorizon();
  rebuildDeadlines();
  publishCounter();
  return 0;
}

// Could the device have reached this state? Checks every invariant the device relies on.
function plausible(statePtr: usize, eventsPtr: usize, events: u32): bool {
  const b = changetype<Block>(statePtr);
  const now = b.now;
  const timerBits: u64 = (<u64>1 << numTimers) - 1;
  if (now > MAX_TIME || b.tEnable > now || (b.genConf & ~GEN_CONF_WRITE_MASK)
    || (b.isr & ~timerBits) || b.pitEnable > 1 || b.rtcLevel > 1 || b.reserved) return false;
  for (let n: u32 = 0; n < numTimers; n++) {
    const t = changetype<Timer>(statePtr + BLOCK_SIZE + <usize>n * TIMER_SIZE);
    if ((t.conf & ~TN_CONF_WRITE_MASK) != timerResetConf || (t.flags & ~(WRAP_PENDING | ARMED_BEFORE))
      || t.reserved) return false;
    if ((t.conf & TN_32MODE_CNF) && ((t.cmp | t.period) >> 32)) return false;
    if (t.deadline != NEVER && (t.deadline < now || !(t.flags & ARMED_BEFORE))) return false;
  }
  for (let i: u32 = 0; i < events; i++) {
    const e = eventsPtr + <usize>i * EVENT_SIZE;
    const kind = load<u32>(e, 8);
    if (load<u64>(e) > now || kind < EVENT_LINE || kind > EVENT_MSI) return false;
  }
  return true;
}
