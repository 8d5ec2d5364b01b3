// The timer block: power-on and reset, register access decoding, the general registers,
// the legacy inputs and the passage of time. Timer registers are handled in timer.ts.

import { ADVANCE_INCOMPLETE, EVENT_CAPACITY, EVENTS_PER_CALL_MAX, EXPIRIES_PER_CALL_MAX } from "./abi";
import { counterValue, startCounter, stopCounter, updateHorizon } from "./clock";
import { disarm, earliestKey, keyDeadline, keyTimer, rebuildDeadlines, runLimit, updateDeadline } from "./deadlines";
import { consumeEvents, eventCount, keepsRecord, publishCounter, setLine, setPitEnable } from "./outputs";
import {
  ENABLE_CNF, GCAP_ID, GEN_CONF, GEN_CONF_WRITE_MASK, GINTR_STA, LEG_RT_CNF, LEGACY_TIMER0_LINE,
  LEGACY_TIMER1_LINE, MAIN_CNT, MAX_TIMERS, TIMER_BASE, TIMER_STRIDE_SHIFT, TN_INT_ENB_CNF, TN_TYPE_CNF,
} from "./registers";
import {
  block, capabilities, configure, NEVER, numTimers, periodNs, STATE, STATE_SIZE, timer,
  timerResetConf,
} from "./state";
import {
  deposit, expire, lower, prepareRepeats, program, raise, readTimerRegister, repeatExpiries, repeatExpiry,
  repeatsLeft, signal, writeTimerRegister,
} from "./timer";

export const INPUT_PIT: u32 = 0; // the PIT's IRQ0 output
export const INPUT_RTC: u32 = 1; // the RTC's IRQ8 output

// Create the device: every output low, then a reset (which raises PIT-enable).
export function powerOn(timers: u32, msi: bool, intcap: u32, period: u32): void {
  configure(timers, msi, intcap, period);
  memory.fill(STATE, 0, STATE_SIZE);
  consumeEvents(EVENT_CAPACITY);
  reset();
}

export function reset(): void {
  for (let n: u32 = 0; n < numTimers; n++) {
    const t = timer(n);
    t.conf = timerResetConf;
    t.cmp = NEVER;
    t.period = 0;
    t.cmp64 = 0;
    t.last = 0;
    t.flags = 0; // no pending wrap, storm guard forgotten; Tn_FSB_ROUTE is kept
    t.deadline = NEVER;
    t.ticks = 0;
  }
  block.isr = 0;
  let lines = block.lines;
  while (lines) {
    setLine(<u32>ctz(lines), false);
    lines &= lines - 1;
  }
  setPitEnable(true);
  block.counter = 0;
  block.genConf = 0;
  block.base = 0;
  block.tEnable = 0;
  block.rtcLevel = 0;
  updateHorizon();
  rebuildDeadlines();
  publishCounter();
}

// --- Register access (offset within the window, size 4 or 8, naturally aligned) --------------

// @ts-ignore: decorator
@inline
export function readRegister(offset: u32, size: u32): u64 {
  const value = registerValue(offset & ~7);
  return size == 8 ? value : (value >> ((offset & 4) << 3)) & 0xffff_ffff;
}

// @ts-ignore: decorator
@inline
function registerValue(reg: u32): u64 {
  if (reg == MAIN_CNT) return counterValue();
  if (reg >= TIMER_BASE) {
    const n = (reg - TIMER_BASE) >> TIMER_STRIDE_SHIFT;
    return n < numTimers ? readTimerRegister(n, reg & 0x18) : 0;
  }
  if (reg == GCAP_ID) return capabilities;
  if (reg == GEN_CONF) return block.genConf;
  if (reg == GINTR_STA) return block.isr;
  return 0;
}

export function writeRegister(offset: u32, size: u32, value: u64): void {
  const reg = offset & ~7;
  const shift = (offset & 4) << 3;
  const len = size << 3;
  if (size == 4) value &= 0xffff_ffff;
  if (reg >= TIMER_BASE) {
    const n = (reg - TIMER_BASE) >> TIMER_STRIDE_SHIFT;
    if (n < numTimers) writeTimerRegister(n, reg & 0x18, shift, len, value);
  } else if (reg == GEN_CONF) {
    writeGenConf(deposit(block.genConf, shift, len, value) & GEN_CONF_WRITE_MASK);
  } else if (reg == GINTR_STA) {
    writeIsr(value << shift);
  } else if (reg == MAIN_CNT) {
    // Takes effect only while the counter is halted.
    if (!(block.genConf & ENABLE_CNF)) {
      block.counter = deposit(block.counter, shift, len, value);
      publishCounter();
    }
  }
}

function writeGenConf(conf: u64): void {
  const old = block.genConf;
  block.genConf = conf;
  const toggled = old ^ conf;
  if (toggled & ENABLE_CNF) {
    if (conf & ENABLE_CNF) {
      startCounter();
      for (let n: u32 = 0; n < numTimers; n++) {
        if ((timer(n).conf & TN_INT_ENB_CNF) && (block.isr & (<u64>1 << n))) raise(n);
      }
      for (let n: u32 = 0; n < numTimers; n++) program(n);
    } else {
      stopCounter();
      for (let n: u32 = 0; n < numTimers; n++) {
        disarm(n);
        // With ENABLE_CNF clear this lowers a level timer's line and keeps its status bit.
        if (block.isr & (<u64>1 << n)) raise(n);
      }
    }
  }
  if (toggled & LEG_RT_CNF) {
    if (conf & LEG_RT_CNF) {
      setPitEnable(false);
      setLine(LEGACY_TIMER0_LINE, false);
      setLine(LEGACY_TIMER1_LINE, false);
    } else {
      setLine(LEGACY_TIMER0_LINE, false);
      setPitEnable(true);
      setLine(LEGACY_TIMER1_LINE, block.rtcLevel != 0);
    }
  }
}

// Writing 1 to a set status bit clears it and lowers that timer's interrupt.
function writeIsr(value: u64): void {
  const cleared = value & block.isr;
  for (let n: u32 = 0; n < numTimers; n++) {
    if (cleared & (<u64>1 << n)) lower(n);
  }
}

// --- Legacy inputs -------------------------------------------------------------------------

// The PIT and RTC interrupts pass through to lines 0 and 8 unless legacy replacement is on.
export function setLegacyInput(input: u32, high: bool): void {
  if (input == INPUT_RTC) block.rtcLevel = <u32>high;
  if (!(block.genConf & LEG_RT_CNF)) {
    setLine(input == INPUT_PIT ? LEGACY_TIMER0_LINE : LEGACY_TIMER1_LINE, high);
  }
}

// --- Time ----------------------------------------------------------------------------------

// advance() leaves room for the events of one more call, which a host may make while it
// delivers the events already queued.
const ADVANCE_QUEUE_LIMIT: u32 = EVENT_CAPACITY - EVENTS_PER_CALL_MAX;

// Run every expiry due at or before `time` (>= now), earliest first, then make `time` the
// device's time. Returns the number of queued events, with ADVANCE_INCOMPLETE set if it
// stopped early because the queue is full or the expiry budget of one call is spent.
//
// What an expiry's raise() does depends only on the timer's registers, which an advance does
// not change, and on the levels of the lines: so once an expiry of timer n has left the lines
// as they were, each of its later ones makes the same record (or none) and leaves them so too,
// for as long as no other expiry changes a line. While such a timer is also on time, its
// expiries repeat arithmetically (prepareRepeats(), repeatExpiries()): it is `steady`. A
// steady timer that has expired twice in a row (one of the `runners`: a fast timer between
// slower ones) goes on without the tree for as long as it stays the earliest (runLimit()).
export function advanceTo(time: u64): i32 {
  let budget = EXPIRIES_PER_CALL_MAX;
  let steady: u32 = 0;
  let runners: u32 = 0;
  let previous = NO_TIMER;
  let earliest = earliestKey();
  let deadline = keyDeadline(earliest);
  while (deadline <= time) {
    const queued = eventCount();
    if (queued >= ADVANCE_QUEUE_LIMIT || budget == 0) return ADVANCE_INCOMPLETE | queued;
    const n = keyTimer(earliest);
    const bit: u32 = 1 << n;
    if (n == previous) runners |= bit;
    if (steady & bit) {
      // A runner goes on while it stays the earliest (and the queue and budget allow); any
      // other steady timer expires once.
      if (runners & bit) {
        const room = keepsRecord(n) ? ADVANCE_QUEUE_LIMIT - queued : budget;
        budget -= repeatExpiries(n, runLimit(n, time + 1), min(budget, room));
        if (repeatsLeft(n) == 0) steady ^= bit;
      } else {
        budget--;
        if (!repeatExpiry(n, deadline)) steady ^= bit;
      }
    } else {
      budget--;
      const lines = block.lines;
      expireAt(n, deadline);
      signal(n);
      if (block.lines != lines) steady = 0;
      else if ((timer(n).conf & TN_TYPE_CNF) && prepareRepeats(n, queued)) steady |= bit;
    }
    earliest = updateDeadline(n);
    previous = n;
    deadline = keyDeadline(earliest);
  }
  block.now = time;
  return eventCount();
}

const NO_TIMER: u32 = MAX_TIMERS;

// Timer n expires at its `deadline`: expire(), without the tree or signal().
// @ts-ignore: decorator
@inline
function expireAt(n: u32, deadline: u64): void {
  let ticks = timer(n).ticks;
  if (deadline >= block.now) block.now = deadline;
  else ticks = (block.now - block.tEnable) / periodNs;
  expire(n, ticks);
}
