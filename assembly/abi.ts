// Numbers of the host ABI (docs/abi.md): status codes, event kinds and limits.
// Hosts mirror these values; the ABI version changes whenever one of them does.

export const ABI_VERSION: i32 = 2;

// --- Status codes returned by mutating calls (negative: the call changed nothing) --------
export const ERR_BAD_CONFIG: i32 = -1; //      init: timers, msi or clock period out of range
export const ERR_BAD_OFFSET: i32 = -2; //      offset outside the register window
export const ERR_BAD_SIZE: i32 = -3; //        access size not 1, 2, 4 or 8
export const ERR_BAD_TIME: i32 = -4; //        time negative, NaN, fractional or >= 2^63 ns
export const ERR_TIME_BACKWARDS: i32 = -5; //  time earlier than the device's current time
export const ERR_QUEUE_FULL: i32 = -6; //      too few free event slots: drain the queue first
export const ERR_BAD_INPUT: i32 = -7; //       legacy input not 0 (PIT) or 1 (RTC), or level not 0 or 1
export const ERR_SNAPSHOT_TRUNCATED: i32 = -8; // shorter than its header or its declared length
export const ERR_SNAPSHOT_MAGIC: i32 = -9; //    not an HPET snapshot
export const ERR_SNAPSHOT_VERSION: i32 = -10; // a format version this module does not read
export const ERR_SNAPSHOT_CHECKSUM: i32 = -11; // integrity check failed
export const ERR_SNAPSHOT_CONFIG: i32 = -12; //  taken from an instance with another configuration
export const ERR_SNAPSHOT_STATE: i32 = -13; //   well-formed but describes an impossible state
export const ERR_SNAPSHOT_LENGTH: i32 = -14; //  longer than the transfer buffer or its contents
export const ERR_EXPIRY_DUE: i32 = -15; //       an access's time is at or past an armed deadline: advance first

// advance() sets this bit in its result when it stopped early (queue full or expiry budget
// spent): drain the queue and call advance() again with the same time.
export const ADVANCE_INCOMPLETE: i32 = 1 << 16;

// --- Guest error counters -----------------------------------------------------------------
export const GUEST_ERROR_SIZE: i32 = 0; //      1- or 2-byte access (ignored)
export const GUEST_ERROR_ALIGNMENT: i32 = 1; // 4-byte access not 4-aligned, 8-byte not 8-aligned

// --- Event queue ----------------------------------------------------------------------------
// Each record is EVENT_SIZE bytes: u64 time (ns) at 0, u32 kind at 8, u32 a at 12, u32 b at 16.
export const EVENT_LINE: u32 = 1; //  a = line (0..31), b = new level (0 or 1)
export const EVENT_PULSE: u32 = 2; // a = line: it went high and back low at this time
export const EVENT_PIT: u32 = 3; //   a = new level of the PIT-enable output
export const EVENT_MSI: u32 = 4; //   a = address, b = data of a 32-bit write
export const EVENT_SIZE: u32 = 24;
export const EVENT_CAPACITY: u32 = 1024;
// The largest number of events one call other than advance() can emit (a reset lowers 32 lines
// and raises PIT-enable; a general configuration write raises 32 timers and changes 3 outputs).
// Such a call is refused with ERR_QUEUE_FULL while fewer slots than this are free.
export const EVENTS_PER_CALL_MAX: u32 = 40;

// --- The host area at events_ptr(): a header of QUEUE_HEADER_SIZE bytes, then the records ---
// Byte offsets of its fields. The host reads them and never writes; the counter fields change
// only under the sequence number (odd while they are rewritten).
export const COUNT_OFFSET: u32 = 0; //                u32 queued events
export const CAPACITY_OFFSET: u32 = 4; //             u32 EVENT_CAPACITY
export const RECORD_SIZE_OFFSET: u32 = 8; //          u32 EVENT_SIZE
export const DEFER_LIMIT_OFFSET: u32 = 16; //         f64 time before which no timer expires
export const EARLIEST_DEADLINE_OFFSET: u32 = 24; //   u64 earliest armed deadline, all ones when none
export const COUNTER_SEQUENCE_OFFSET: u32 = 32; //    u32, odd while the counter fields change
export const COUNTER_RUNNING_OFFSET: u32 = 36; //     u32, 1 while ENABLE_CNF is set
export const COUNTER_BASE_OFFSET: u32 = 40; //        u64 MAIN_CNT at the enable time, or the held one
export const COUNTER_ENABLE_TIME_OFFSET: u32 = 48; // u64 ns
export const COUNTER_PERIOD_OFFSET: u32 = 56; //      u32 ns per tick
export const QUEUE_HEADER_SIZE: u32 = 64;

// advance() runs at most this many expirations per call, so that every call returns quickly.
export const EXPIRIES_PER_CALL_MAX: u32 = 16384;

// Latest time a host may pass, and the horizon beyond which a timer is never armed.
export const MAX_TIME: u64 = 0x7fff_ffff_ffff_ffff;
