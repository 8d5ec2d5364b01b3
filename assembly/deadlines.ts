// Which armed timer expires first: a tournament tree over the timers' deadlines, so that
// re-arming one timer costs log2(timers) comparisons instead of a scan of every timer.
// Leaf `leaves + N` holds timer N; each inner node holds the earlier of its two children,
// the lower timer number on a tie (the left child always covers the lower numbers).

import { MAX_TIMERS } from "./registers";
import { NEVER, numTimers, timer } from "./state";

const NODES: u32 = 2 * MAX_TIMERS;
const NODE_DEADLINE: usize = memory.data(<i32>(NODES * 8), 8);
const NODE_TIMER: usize = memory.data(<i32>(NODES * 4), 4);
let leaves: u32 = 4;

// @ts-ignore: decorator
@inline function deadlineAt(node: u32): u64 {
  return load<u64>(NODE_DEADLINE + (<usize>node << 3));
}

// @ts-ignore: decorator
@inline function timerAt(node: u32): u32 {
  return load<u32>(NODE_TIMER + (<usize>node << 2));
}

// @ts-ignore: decorator
@inline function setNode(node: u32, deadline: u64, n: u32): void {
  store<u64>(NODE_DEADLINE + (<usize>node << 3), deadline);
  store<u32>(NODE_TIMER + (<usize>node << 2), n);
}

// Rebuild the tree from every timer's `deadline` (after configuration or restore).
export function rebuildDeadlines(): void {
  let l: u32 = 2;
  while (l < numTimers) l <<= 1;
  leaves = l;
  for (let n: u32 = 0; n < l; n++) {
    setNode(l + n, n < numTimers ? timer(n).deadline : NEVER, n);
  }
  for (let node = l - 1; node >= 1; node--) pickEarlier(node);
}

// @ts-ignore: decorator
@inline function pickEarlier(node: u32): void {
  const left = node << 1;
  const dl = deadlineAt(left);
  const dr = deadlineAt(left + 1);
  if (dr < dl) setNode(node, dr, timerAt(left + 1));
  else setNode(node, dl, timerAt(left));
}

// Carry timer n's `deadline` (just changed) up the tree.
// The walk up carries the winner in locals and reads only the siblings, which it does not
// write, so that no read waits for a store just made; it picks without branches, as which
// side wins changes from one expiry to the next.
// @ts-ignore: decorator
@inline
export function updateDeadline(n: u32): void {
  let deadline = timer(n).deadline;
  let node = leaves + n;
  let winner = n;
  setNode(node, deadline, n);
  while (node > 1) {
    const sibling = node ^ 1;
    const other = deadlineAt(sibling);
    // A left sibling (lower timer numbers) wins a tie.
    const siblingWins = select<bool>(other <= deadline, other < deadline, node & 1);
    deadline = select<u64>(other, deadline, siblingWins);
    winner = select<u32>(timerAt(sibling), winner, siblingWins);
    node >>= 1;
    setNode(node, deadline, winner);
  }
}

// For timer n, the earliest: the first time at which another timer would come before it if
// only n's deadline changed, capped at `cap`.
// @ts-ignore: decorator
@inline
export function runLimit(n: u32, cap: u64): u64 {
  let limit = cap;
  let node = leaves + n;
  while (node > 1) {
    const other = deadlineAt(node ^ 1);
    // n stays first while it is before a left sibling (lower numbers), or not after a right one.
    const rival = select<u64>(other, other + <u64>(other != NEVER), node & 1);
    limit = select<u64>(rival, limit, rival < limit);
    node >>= 1;
  }
  return limit;
}

export function disarm(n: u32): void {
  const t = timer(n);
  t.deadline = NEVER;
  t.ticks = 0;
  updateDeadline(n);
}

export function earliestDeadline(): u64 {
  return deadlineAt(1);
}

export function earliestTimer(): u32 {
  return timerAt(1);
}
