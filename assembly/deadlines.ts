// Which armed timer expires first: a tournament tree over the timers' deadlines, so that
// re-arming one timer costs log2(timers) comparisons instead of a scan of every timer.
// Leaf `leaves + N` holds timer N; each inner node holds the earlier of its two children.
//
// A node holds one key, which orders timers as their deadlines do, the lower timer number first
// on a tie: the deadline's distance from the counter's enable time, shifted up, with the timer
// number in the low bits. One unsigned comparison then picks a winner. A deadline too far from
// the enable time for that (2^58 ns, about nine years, or more) has a FAR key, which orders
// only by timer number: while the earliest key is FAR, a scan of the timers finds the earliest.
// No deadline is before the enable time, which changes only while every timer is disarmed, or
// together with a rebuild (reset, restore).

import { MAX_TIMERS } from "./registers";
import { block, NEVER, numTimers, timer } from "./state";

const NODES: u32 = 2 * MAX_TIMERS;
const NODE_KEY: usize = memory.data(<i32>(NODES * 8), 8);
let leaves: u32 = 4;

const TIMER_BITS: u64 = 5; // timer numbers 0..31
const TIMER_MASK: u64 = 0x1f;
const NEAR: u64 = 0x0400_0000_0000_0000; //     2^58: distances below this have an exact key
const FAR_KEY: u64 = 0x8000_0000_0000_0000; //  NEAR << TIMER_BITS: above every exact key
const NEVER_KEY: u64 = 0xffff_ffff_ffff_ffe0; // NEVER << TIMER_BITS: above every FAR key

// @ts-ignore: decorator
@inline function keyAt(node: u32): u64 {
  return load<u64>(NODE_KEY + (<usize>node << 3));
}

// @ts-ignore: decorator
@inline function setKey(node: u32, key: u64): void {
  store<u64>(NODE_KEY + (<usize>node << 3), key);
}

// The key of timer n's deadline.
// @ts-ignore: decorator
@inline function keyOf(n: u32): u64 {
  const deadline = timer(n).deadline;
  const distance = deadline - block.tEnable;
  if (distance < NEAR) return (distance << TIMER_BITS) | n;
  return (deadline == NEVER ? NEVER_KEY : FAR_KEY) | n;
}

// Rebuild the tree from every timer's `deadline` (after configuration, reset or restore).
export function rebuildDeadlines(): void {
  let l: u32 = 2;
  while (l < numTimers) l <<= 1;
  leaves = l;
  for (let n: u32 = 0; n < l; n++) {
    setKey(l + n, n < numTimers ? keyOf(n) : NEVER_KEY | n);
  }
  for (let node = l - 1; node >= 1; node--) setKey(node, min(keyAt(node << 1), keyAt((node << 1) + 1)));
}

// Carry timer n's `deadline` (just changed) up the tree; returns the earliest key. The walk
// carries the winner in a local and reads only the siblings, which it does not write, so that
// no read waits for a store just made; it picks without branches, as which side wins changes
// from one expiry to the next.
// @ts-ignore: decorator
@inline
export function updateDeadline(n: u32): u64 {
  let key = keyOf(n);
  let node = leaves + n;
  setKey(node, key);
  while (node > 1) {
    key = min(key, keyAt(node ^ 1));
    node >>= 1;
    setKey(node, key);
  }
  return key;
}

// For timer n, the earliest: the first time at which another timer would come before it if only
// n's deadline changed, capped at `cap` (and at the distance from the enable time below which
// n's own key is exact).
// @ts-ignore: decorator
@inline
export function runLimit(n: u32, cap: u64): u64 {
  let rival = NEVER_KEY;
  let node = leaves + n;
  while (node > 1) {
    rival = min(rival, keyAt(node ^ 1));
    node >>= 1;
  }
  // n's key, below the rival's, stays so while (deadline - tEnable) * 32 + n < rival.
  const limit = min(cap, block.tEnable + NEAR);
  return rival < FAR_KEY ? min(limit, block.tEnable + ((rival - n) >> TIMER_BITS) + 1) : limit;
}

export function disarm(n: u32): void {
  const t = timer(n);
  t.deadline = NEVER;
  t.ticks = 0;
  updateDeadline(n);
}

// The earliest key, from which keyDeadline() and keyTimer() take the earliest deadline and timer.
// @ts-ignore: decorator
@inline
export function earliestKey(): u64 {
  return keyAt(1);
}

// @ts-ignore: decorator
@inline
export function keyDeadline(key: u64): u64 {
  if (key < FAR_KEY) return block.tEnable + (key >> TIMER_BITS);
  return key >= NEVER_KEY ? NEVER : timer(scanEarliest()).deadline;
}

// @ts-ignore: decorator
@inline
export function keyTimer(key: u64): u32 {
  return key < FAR_KEY ? <u32>(key & TIMER_MASK) : scanEarliest();
}

// @ts-ignore: decorator
@inline
export function earliestDeadline(): u64 {
  return keyDeadline(earliestKey());
}


// The earliest timer by its deadline, the lower number on a tie, when the tree cannot tell.
function scanEarliest(): u32 {
  let best: u32 = 0;
  for (let n: u32 = 1; n < numTimers; n++) {
    if (timer(n).deadline < timer(best).deadline) best = n;
  }
  return best;
}
