// The device's configuration (fixed when an instance is configured) and its complete mutable
// state, kept as plain structures in linear memory: Block for the timer block, Timer for each
// comparator. Snapshots are these structures, byte for byte (see snapshot.ts).

import {
  COUNT_SIZE_CAP, COUNTER_CLK_PERIOD_SHIFT, LARGE_WINDOW, LEG_RT_CAP, MAX_TIMERS,
  NUM_TIM_CAP_SHIFT, REV_ID, SMALL_WINDOW, SMALL_WINDOW_TIMERS, TN_FSB_INT_DEL_CAP,
  TN_INT_ROUTE_CAP_SHIFT, TN_PER_INT_CAP, TN_SIZE_CAP, VENDOR_ID,
} from "./registers";

// --- Configuration --------------------------------------------------------------------------
export const DEFAULT_TIMERS: u32 = 3;
export const DEFAULT_INTCAP: u32 = 0x00ff0004;
export const DEFAULT_PERIOD_NS: u32 = 10;
export const MAX_PERIOD_NS: u32 = 100; // the specification's limit: 10^8 fs
const FS_PER_NS: u64 = 1_000_000;

export let numTimers: u32 = DEFAULT_TIMERS;
export let msiCapable: bool = false;
export let intcap: u32 = DEFAULT_INTCAP;
export let periodNs: u64 = DEFAULT_PERIOD_NS; // nanoseconds per main counter tick
export let windowSize: u32 = SMALL_WINDOW;
export let capabilities: u64 = 0; //  GCAP_ID
export let timerResetConf: u64 = 0; // Tn_CONF after reset, read-only bits included

export function configure(timers: u32, msi: bool, routeCap: u32, period: u32): void {
  numTimers = timers;
  msiCapable = msi;
  intcap = routeCap;
  periodNs = period;
  windowSize = timers <= SMALL_WINDOW_TIMERS ? SMALL_WINDOW : LARGE_WINDOW;
  capabilities = ((<u64>period * FS_PER_NS) << COUNTER_CLK_PERIOD_SHIFT)
    | VENDOR_ID | LEG_RT_CAP | COUNT_SIZE_CAP
    | (<u64>(timers - 1) << NUM_TIM_CAP_SHIFT) | REV_ID;
  timerResetConf = (<u64>routeCap << TN_INT_ROUTE_CAP_SHIFT) | TN_SIZE_CAP | TN_PER_INT_CAP
    | (msi ? TN_FSB_INT_DEL_CAP : 0);
}

// --- State of the timer block ---------------------------------------------------------------
@unmanaged
export class Block {
  genConf: u64; //  GEN_CONF
  isr: u64; //      GINTR_STA
  counter: u64; //  MAIN_CNT while the counter is halted
  base: u64; //     MAIN_CNT at the moment ENABLE_CNF last went 0 -> 1
  tEnable: u64; //  that moment (ns)
  now: u64; //      the device's current time (ns)
  lines: u32; //    level of each of the 32 route lines, bit N = line N
  pitEnable: u32; // level of the PIT-enable output
  rtcLevel: u32; // last level seen on the RTC input
  guestSizeErrors: u32; //      1- and 2-byte accesses
  guestAlignmentErrors: u32; // misaligned 4- and 8-byte accesses
  reserved: u32;
}

// --- State of one timer (comparator) ----------------------------------------------------------
export const WRAP_PENDING: u32 = 1 << 0; // 32-bit one-shot armed for the counter's wrap first
export const ARMED_BEFORE: u32 = 1 << 1; // `last` holds the deadline of an earlier arming
export const NEVER: u64 = 0xffff_ffff_ffff_ffff; // deadline of a timer that is not armed

@unmanaged
export class Timer {
  conf: u64; //     Tn_CONF, read-only bits included
  cmp: u64; //      Tn_COMPARATOR as the guest sees it
  period: u64; //   the hidden period register of a periodic timer
  fsb: u64; //      Tn_FSB_ROUTE
  cmp64: u64; //    the comparator as a full 64-bit counter value (hidden)
  deadline: u64; // time (ns) of the next expiry, NEVER when not armed
  ticks: u64; //    counter ticks since the last enable at `deadline`
  last: u64; //     deadline of the previous arming (storm guard)
  flags: u32; //    WRAP_PENDING | ARMED_BEFORE
  reserved: u32;
}

export const BLOCK_SIZE: usize = offsetof<Block>();
export const TIMER_SIZE: usize = offsetof<Timer>();
export const STATE_SIZE: usize = BLOCK_SIZE + TIMER_SIZE * MAX_TIMERS;

// Block and timers are contiguous, so the whole state is one range of memory.
export const STATE: usize = memory.data(<i32>STATE_SIZE, 16);
export const block: Block = changetype<Block>(STATE);
const TIMERS: usize = STATE + BLOCK_SIZE;

// @ts-ignore: decorator
@inline
export function timer(n: u32): Timer {
  return changetype<Timer>(TIMERS + <usize>n * TIMER_SIZE);
}

// Size of the state of an instance with the current number of timers.
export function stateSize(): usize {
  return BLOCK_SIZE + TIMER_SIZE * numTimers;
}
