// The main counter. While ENABLE_CNF is set it runs from `base`, the value it held when
// enabled at time `tEnable`: counter(t) = base + (t - tEnable) / periodNs, modulo 2^64.
// While ENABLE_CNF is clear it holds `counter`.

import { MAX_TIME } from "./abi";
import { publishCounter } from "./outputs";
import { ENABLE_CNF } from "./registers";
import { block, periodNs } from "./state";

// Ticks from tEnable to MAX_TIME: no deadline beyond them is ever armed.
export let horizonTicks: u64 = 0;

export function updateHorizon(): void {
  horizonTicks = (MAX_TIME - block.tEnable) / periodNs;
}

export function startCounter(): void {
  block.base = block.counter;
  block.tEnable = block.now;
  updateHorizon();
  publishCounter();
}

export function stopCounter(): void {
  block.counter = block.base + ticksSinceEnable();
  publishCounter();
}

// Whole ticks from the last enable to now.
// @ts-ignore: decorator
@inline
export function ticksSinceEnable(): u64 {
  return (block.now - block.tEnable) / periodNs;
}

export function counterValue(): u64 {
  return counterAt(block.now);
}

// The counter at `time` (the device's time, or the time an access is about to move it to).
// @ts-ignore: decorator
@inline
export function counterAt(time: u64): u64 {
  if (!(block.genConf & ENABLE_CNF)) return block.counter; // a branch, not a select of both
  return block.base + (time - block.tEnable) / periodNs;
}
