// One comparator: its registers, how it is programmed and armed, what happens when it
// expires, and how it raises and lowers its interrupt.

import { EXPIRIES_PER_CALL_MAX } from "./abi";
import { horizonTicks, ticksSinceEnable } from "./clock";
import { updateDeadline } from "./deadlines";
import { keepRecord, pulseLine, repeatRecords, sendMsi, setLine } from "./outputs";
import {
  ENABLE_CNF, LEG_RT_CNF, LEGACY_TIMER0_LINE, LEGACY_TIMER1_LINE, MAX_TIMERS, TN_32MODE_CNF,
  TN_COMPARATOR, TN_CONF, TN_CONF_WRITE_MASK, TN_FSB_EN_CNF, TN_FSB_ROUTE, TN_INT_ENB_CNF,
  TN_INT_ROUTE_CNF_MASK, TN_INT_ROUTE_CNF_SHIFT, TN_INT_TYPE_CNF, TN_TYPE_CNF, TN_VAL_SET_CNF,
} from "./registers";
import { ARMED_BEFORE, block, NEVER, periodNs, timer, WRAP_PENDING } from "./state";

const LOW32: u64 = 0xffff_ffff;
const HIGH32: u64 = 0xffff_ffff_0000_0000;
const WRAP32: u64 = 0x1_0000_0000;
// A periodic timer is never armed less than this long after its previous deadline.
const STORM_GUARD_NS: u64 = 1000;

// Replace `len` bits (32 or 64) of `old` at bit `shift` (0 or 32) with `value`.
// @ts-ignore: decorator
@inline
export function deposit(old: u64, shift: u32, len: u32, value: u64): u64 {
  if (len == 64) return value;
  const mask = LOW32 << shift;
  return (old & ~mask) | ((value << shift) & mask);
}

// --- Interrupt delivery ------------------------------------------------------------------------

// The line timer n drives: IRQ0 / IRQ8 for timers 0 / 1 under legacy replacement, else
// Tn_INT_ROUTE_CNF (not checked against the route capability, as QEMU does).
function route(n: u32, conf: u64): u32 {
  if (n <= 1 && (block.genConf & LEG_RT_CNF)) {
    return n == 0 ? LEGACY_TIMER0_LINE : LEGACY_TIMER1_LINE;
  }
  return <u32>((conf >> TN_INT_ROUTE_CNF_SHIFT) & TN_INT_ROUTE_CNF_MASK);
}

export function raise(n: u32): void {
  const conf = timer(n).conf;
  const bit: u64 = 1 << n;
  if (conf & TN_INT_TYPE_CNF) block.isr |= bit;
  else block.isr &= ~bit;
  if ((conf & TN_INT_ENB_CNF) && (block.genConf & ENABLE_CNF)) {
    if (conf & TN_FSB_EN_CNF) {
      const fsb = timer(n).fsb;
      sendMsi(<u32>(fsb >> 32), <u32>fsb);
    } else if (conf & TN_INT_TYPE_CNF) {
      setLine(route(n, conf), true);
    } else {
      pulseLine(route(n, conf));
    }
  } else if (!(conf & TN_FSB_EN_CNF)) {
    setLine(route(n, conf), false);
  }
}

export function lower(n: u32): void {
  const conf = timer(n).conf;
  block.isr &= ~(<u64>1 << n);
  if (!(conf & TN_FSB_EN_CNF)) setLine(route(n, conf), false);
}

// --- Arming ------------------------------------------------------------------------------------

// Arm timer n for the moment the counter reaches x; `ticks` = ticks since enable at now.
// Sets the timer's deadline only: the caller carries it into the tree (see expire()).
// Inlined, as is program(): a comparator write and a periodic re-arm then run as one
// function, without the cost of nested calls.
// @ts-ignore: decorator
@inline
function arm(n: u32, x: u64, ticks: u64): void {
  const t = timer(n);
  const cur = block.base + ticks;
  let deadline: u64;
  if (x <= cur) {
    deadline = block.now; // a comparator in the past fires at the next advance
  } else {
    const ahead = x - cur;
    if (ahead > horizonTicks - ticks) {
      t.deadline = NEVER; // later than MAX_TIME: it would never fire
      t.ticks = 0;
      return;
    }
    ticks += ahead;
    deadline = block.tEnable + ticks * periodNs;
  }
  if ((t.conf & TN_TYPE_CNF) && (t.flags & ARMED_BEFORE) && deadline - t.last < STORM_GUARD_NS) {
    deadline = t.last + STORM_GUARD_NS;
    ticks = (deadline - block.tEnable) / periodNs;
  }
  t.last = deadline;
  t.flags |= ARMED_BEFORE;
  t.deadline = deadline;
  t.ticks = ticks;
}

// (Re)program timer n from its registers; only while ENABLE_CNF is set.
// @ts-ignore: decorator
@inline
export function program(n: u32): void {
  armFromRegisters(n);
  updateDeadline(n);
}

// @ts-ignore: decorator
@inline
function armFromRegisters(n: u32): void {
  const t = timer(n);
  const ticks = ticksSinceEnable();
  const cur = block.base + ticks;
  t.flags &= ~WRAP_PENDING;
  let cmp64 = t.cmp;
  if (t.conf & TN_32MODE_CNF) {
    cmp64 = (cur & HIGH32) | (cmp64 & LOW32);
    if (cmp64 < cur) cmp64 += WRAP32;
    t.cmp64 = cmp64;
    // A 32-bit one-shot interrupts at the counter's next 32-bit wrap on its way to cmp64.
    const wrap = (cur | LOW32) + 1;
    if (!(t.conf & TN_TYPE_CNF) && cmp64 > wrap) {
      t.flags |= WRAP_PENDING;
      arm(n, wrap, ticks);
      return;
    }
  } else {
    t.cmp64 = cmp64;
  }
  arm(n, cmp64, ticks);
}

// Timer n's deadline has come (the caller has set the device's time to it): the first half
// of its expiry, which re-arms or disarms it. The caller carries its new deadline into the
// tree (so that a timer expiring several times in a row walks the tree once), then calls
// signal(); the two halves touch different state, and walking the tree before the call
// into raise() keeps fewer values alive across it.
// @ts-ignore: decorator
@inline
export function expire(n: u32, ticks: u64): void {
  const t = timer(n);
  const conf = t.conf;
  const period = t.period;
  if ((conf & TN_TYPE_CNF) && period != 0) {
    // Skip to the first multiple of the period past the counter, in one step.
    const cur = block.base + ticks;
    let cmp64 = t.cmp64;
    if (cur >= cmp64) {
      const late = cur - cmp64;
      cmp64 += late < period ? period : period * (late / period + 1);
      t.cmp64 = cmp64;
    }
    t.cmp = conf & TN_32MODE_CNF ? cmp64 & LOW32 : cmp64;
    arm(n, cmp64, ticks);
  } else if (t.flags & WRAP_PENDING) {
    t.flags &= ~WRAP_PENDING;
    arm(n, t.cmp64, ticks);
  } else {
    t.deadline = NEVER;
    t.ticks = 0;
  }
}

// The second half of timer n's expiry: its interrupt, or only its status bit while its
// interrupt is disabled (the line is then left alone).
// @ts-ignore: decorator
@inline
export function signal(n: u32): void {
  const conf = timer(n).conf;
  if (conf & TN_INT_ENB_CNF) {
    raise(n);
  } else {
    const bit: u64 = 1 << n;
    if (conf & TN_INT_TYPE_CNF) block.isr |= bit;
    else block.isr &= ~bit;
  }
}

// Timer n, periodic, has just expired without changing a line (see advanceTo() in device.ts),
// its record, if it made one, queued after the first `queued`. Returns whether its next expiry
// can repeat arithmetically, and prepares the repeats. While the timer is on time
// (the counter at its deadline equals its comparator, and the deadline is on a whole tick),
// its period at least the storm guard, each expiry adds the period to its ticks and
// comparator and the period's length to its deadline, exactly as expire() and arm() would,
// until the deadline would pass the horizon or the comparator wrap past 2^64.
export function prepareRepeats(n: u32, queued: u32): bool {
  const t = timer(n);
  const period = t.period;
  const ticks = t.ticks;
  if (period == 0 || period > horizonTicks - ticks
    || block.base + ticks != t.cmp64 || t.deadline != block.tEnable + ticks * periodNs
    || t.deadline < block.now) return false;
  const step = period * periodNs; // below MAX_TIME: the period is within the horizon
  if (step < STORM_GUARD_NS) return false;
  const repeats = min(min((horizonTicks - ticks) / period, (U64_MAX - t.cmp64) / period), EXPIRIES_PER_CALL_MAX);
  if (repeats == 0) return false;
  keepRecord(n, queued);
  const r = repeat(n);
  r.left = <u32>repeats;
  r.step = step;
  return true;
}

// Timer n, prepared by prepareRepeats(), expires at its `deadline` again. Returns whether its
// next expiry can repeat too.
// @ts-ignore: decorator
@inline
export function repeatExpiry(n: u32, deadline: u64): bool {
  const t = timer(n);
  const r = repeat(n);
  repeatRecords(n, deadline, 0, 1);
  block.now = deadline;
  const left = r.left - 1;
  storeRepeats(n, t.ticks + t.period, t.cmp64 + t.period, deadline + r.step, left);
  return left != 0;
}

// repeatExpiry() at every deadline of timer n, the earliest, before `limit` while its repeats
// last: at most `max` (at least one) expiries. Returns how many.
export function repeatExpiries(n: u32, limit: u64, max: u32): u32 {
  const t = timer(n);
  const r = repeat(n);
  const step = r.step;
  const count = min(max, r.left);
  // The first is due (n is the earliest), then every deadline before the limit.
  const first = t.deadline;
  let next = first + step;
  let done: u32 = 1;
  while (done < count && next < limit) {
    next += step;
    done++;
  }
  repeatRecords(n, first, step, done);
  block.now = next - step;
  const ticks = <u64>done * t.period;
  storeRepeats(n, t.ticks + ticks, t.cmp64 + ticks, next, r.left - done);
  return done;
}

// Timer n after its repeats: its ticks, comparator and deadline as expire() and arm() leave them.
// @ts-ignore: decorator
@inline
function storeRepeats(n: u32, ticks: u64, cmp64: u64, deadline: u64, left: u32): void {
  const t = timer(n);
  t.ticks = ticks;
  t.cmp64 = cmp64;
  t.cmp = t.conf & TN_32MODE_CNF ? cmp64 & LOW32 : cmp64;
  t.deadline = deadline;
  t.last = deadline;
  repeat(n).left = left;
}

// How many more of timer n's expiries prepareRepeats() has prepared.
// @ts-ignore: decorator
@inline
export function repeatsLeft(n: u32): u32 {
  return repeat(n).left;
}

const U64_MAX: u64 = 0xffff_ffff_ffff_ffff;

// The repeats prepared for each timer, valid within the advance that prepared them: no part
// of the device's state.
@unmanaged
class Repeat {
  step: u64; // the period's length in ns
  left: u32; // expiries that can repeat from the next one on
  reserved: u32;
}

const REPEATS: usize = memory.data(<i32>(MAX_TIMERS * offsetof<Repeat>()), 8);

// @ts-ignore: decorator
@inline
function repeat(n: u32): Repeat {
  return changetype<Repeat>(REPEATS + <usize>n * offsetof<Repeat>());
}

// --- Registers ---------------------------------------------------------------------------------

export function readTimerRegister(n: u32, reg: u32): u64 {
  const t = timer(n);
  if (reg == TN_CONF) return t.conf;
  if (reg == TN_COMPARATOR) return t.cmp;
  if (reg == TN_FSB_ROUTE) return t.fsb;
  return 0;
}

export function writeTimerRegister(n: u32, reg: u32, shift: u32, len: u32, value: u64): void {
  if (reg == TN_CONF) writeConf(n, shift, len, value);
  else if (reg == TN_COMPARATOR) writeComparator(n, shift, len, value);
  else if (reg == TN_FSB_ROUTE) timer(n).fsb = deposit(timer(n).fsb, shift, len, value);
}

function writeConf(n: u32, shift: u32, len: u32, value: u64): void {
  const t = timer(n);
  const old = t.conf;
  const conf = (old & ~TN_CONF_WRITE_MASK) | (deposit(old, shift, len, value) & TN_CONF_WRITE_MASK);
  if ((old & TN_INT_TYPE_CNF) && !(conf & TN_INT_TYPE_CNF)) lower(n); // with the old route
  t.conf = conf;
  if (!(old & TN_INT_ENB_CNF) && (conf & TN_INT_ENB_CNF) && (block.isr & (<u64>1 << n))) raise(n);
  if (conf & TN_32MODE_CNF) {
    t.cmp &= LOW32;
    t.period &= LOW32;
  }
  if (block.genConf & ENABLE_CNF) program(n);
}

// A one-shot timer (or one with TN_VAL_SET_CNF) takes the value as its comparator; a periodic
// timer takes it as its period (with TN_VAL_SET_CNF: as both).
function writeComparator(n: u32, shift: u32, len: u32, value: u64): void {
  const t = timer(n);
  const conf = t.conf;
  if (conf & TN_32MODE_CNF) {
    if (shift) return; // the high half of a 32-bit comparator is not writable
    len = 64;
    value &= LOW32;
  }
  if (!(conf & TN_TYPE_CNF) || (conf & TN_VAL_SET_CNF)) t.cmp = deposit(t.cmp, shift, len, value);
  if (conf & TN_TYPE_CNF) t.period = deposit(t.period, shift, len, value);
  t.conf = conf & ~TN_VAL_SET_CNF;
  if (block.genConf & ENABLE_CNF) program(n);
}
