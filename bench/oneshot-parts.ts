// The one-shot cycle taken apart (bench/README.md, "What a cycle still costs"): the calls it is
// made of, each timed on its own in one process, up to the whole cycle through Hpet, each as a
// ratio to the floor (the empty call, measured as `hpet bench` measures it) in the same process.
//
//   node --import tsx bench/oneshot-parts.ts [--quick]
//
// Every part but the last goes straight to the module's exports, with its time kept in a local
// (a double in a module-level variable would be boxed on each call). Each part has a loop of
// its own: one loop shared by the parts would call them through one call site, which V8 stops
// inlining once it has seen several, and would time that call instead. Each part runs in batches
// of BATCH operations, as the clocksource workload does, so that V8 compiles its loop on entry
// from complete type feedback; the figure is the median of SEGMENTS timed segments.

import { cpus } from "node:os";
import { HostArea, type HpetExports, hpetExports } from "../hosts/ts/abi.ts";
import { compileModule } from "../hosts/ts/module.ts";
import { wasm, type WasmModule } from "../hosts/ts/wasm.ts";
import {
  floorNsPerCall, GEN_CONF, MODE_32, oneshot, ONESHOT_ENABLED, ROUTE_SHIFT, timerCmp, timerConf,
} from "./workloads.ts";

interface Part {
  readonly name: string;
  /** Sets up a fresh instance; the result runs `n` operations and returns 0, or nonzero if one
   * of them went wrong (a refused call, a cycle without its interrupt). */
  start(module: WasmModule): (n: number) => number;
}

const BATCH = 10_000;
const SEGMENTS = 7;
const FULL_OPERATIONS = 2_000_000;
const QUICK_OPERATIONS = 70_000;
const CONSUME_AT = 512;

const RESERVED = 0xf8; // inside the window, no register: the write is decoded and ignored
const TIMER0_CMP = timerCmp(0);

// An instance with timer 0 one-shot in 32-bit mode, as the oneshot workload programs it, and
// the counter running from time 0 (10 ns a tick).
function oneshotInstance(module: WasmModule): HpetExports {
  const x = hpetExports(new wasm.Instance(module, {}));
  x.init(3, 0, 0x00ff0004, 10);
  x.write32(timerConf(0), ONESHOT_ENABLED | MODE_32 | (2 << ROUTE_SHIFT), 0);
  x.write32(GEN_CONF, 1, 0);
  x.events_consume(x.events_count());
  return x;
}

const parts: readonly Part[] = [
  {
    name: "a call with a time (set_time)",
    start(module) {
      const x = oneshotInstance(module);
      let time = 0;
      return (n) => {
        let t = time;
        let failed = 0;
        for (let i = 0; i < n; i++, t += 10) failed |= x.set_time(t);
        time = t;
        return failed;
      };
    },
  },
  {
    name: "a write that changes nothing",
    start(module) {
      const x = oneshotInstance(module);
      let time = 0;
      return (n) => {
        let t = time;
        let failed = 0;
        for (let i = 0; i < n; i++, t += 10) failed |= x.write32(RESERVED, 0, t);
        time = t;
        return failed;
      };
    },
  },
  {
    name: "a comparator write (arms timer 0)",
    // The comparator is always ahead of the counter, so the timer never expires.
    start(module) {
      const x = oneshotInstance(module);
      let time = 0;
      return (n) => {
        let t = time;
        let failed = 0;
        for (let i = 0; i < n; i++, t += 10) failed |= x.write32(TIMER0_CMP, (((t / 10) >>> 0) + 1000 + (i & 255)) | 0, t);
        time = t;
        return failed;
      };
    },
  },
  {
    name: "the cycle on the exports",
    start(module) {
      const x = oneshotInstance(module);
      const deadline = new Float64Array(x.memory.buffer, x.events_ptr() + HostArea.DEFER_LIMIT, 1);
      let queued = 0;
      let time = 0;
      return (n) => {
        let t = time;
        let failed = 0;
        for (let i = 0; i < n; i++) {
          x.write32(TIMER0_CMP, (((t / 10) >>> 0) + 1000 + (i & 255)) | 0, t);
          t = deadline[0]!;
          // Each advance queues the interrupt's record: taken in batches, as Hpet takes them.
          const count = x.advance_f64(t);
          failed |= count ^ (queued + 1);
          queued = count;
          if (count >= CONSUME_AT) {
            x.events_consume(count);
            queued = 0;
          }
        }
        time = t;
        return failed;
      };
    },
  },
  {
    name: "the cycle through Hpet (oneshot)",
    start(module) {
      const run = oneshot.start(module); // it checks its interrupts itself
      return (n) => run(n / 1_000_000) - n;
    },
  },
];

// Median ns per operation of `run` over SEGMENTS segments of `operations / SEGMENTS`, after
// a warm-up of batches growing to the batch size.
function measure(run: (n: number) => number, operations: number): number {
  const batches = (n: number): void => {
    for (let done = 0; done < n; done += BATCH) {
      if (run(Math.min(BATCH, n - done)) !== 0) throw new Error("an operation went wrong");
    }
  };
  for (let n = 10; n <= BATCH; n *= 2) batches(n);
  batches(BATCH * 20);
  const segment = Math.max(BATCH, Math.floor(operations / SEGMENTS / BATCH) * BATCH);
  const times: number[] = [];
  for (let s = 0; s < SEGMENTS; s++) {
    const start = process.hrtime.bigint();
    batches(segment);
    times.push(Number(process.hrtime.bigint() - start) / segment);
  }
  return times.sort((a, b) => a - b)[SEGMENTS >> 1]!;
}

const quick = process.argv.includes("--quick");
const module = await compileModule();
const operations = quick ? QUICK_OPERATIONS : FULL_OPERATIONS;
const floor = floorNsPerCall(module, Math.max(1_000_000, operations)); // as bench/child.ts takes it
const results = [
  { name: "empty call (the floor)", ns: floor },
  ...parts.map((part) => ({ name: part.name, ns: measure(part.start(module), operations) })),
];
const cpu = cpus()[0];
console.log(`${cpu?.model ?? "unknown CPU"}, ${cpus().length} CPUs, Node ${process.versions.node}; medians of ${SEGMENTS} segments (the floor: of 5)`);
console.log(`${"part".padEnd(36)}${"ns".padStart(8)}${"floors".padStart(8)}`);
for (const { name, ns } of results) {
  console.log(`${name.padEnd(36)}${ns.toFixed(2).padStart(8)}${(ns / floor).toFixed(1).padStart(8)}`);
}
