// The benchmark workloads on the Node engine, each deterministic and documented in
// bench/README.md. A workload sets up one instance and returns a function that runs `scale`
// of the workload's full size on it, continuing where the previous call stopped, and reports
// the operations done: the runner calls it once to warm up, then times a second call.

import { ABI_VERSION } from "../hosts/ts/abi.ts";
import { Hpet } from "../hosts/ts/hpet.ts";
import { wasm, type WasmModule } from "../hosts/ts/wasm.ts";
import { linuxBoot } from "./linux-boot.ts";

export interface NodeWorkload {
  readonly name: string;
  /** What one operation is, for the table. */
  readonly unit: string;
  /** Sets up an instance; the result runs `scale` of the workload (1 = full size) on it. */
  start(module: WasmModule): (scale: number) => number;
}

const MS = 1_000_000;
const EDGE_PERIODIC_ENABLED = 0x4c; // TN_VAL_SET_CNF | TN_TYPE_CNF | TN_INT_ENB_CNF
export const ROUTE_SHIFT = 9;
const FSB_EN = 0x4000;
export const MODE_32 = 0x100;
export const ONESHOT_ENABLED = 0x4; // TN_INT_ENB_CNF
export const GEN_CONF = 0x10;
const MAIN_CNT = 0xf0;
export const timerConf = (n: number) => 0x100 + 0x20 * n;
export const timerCmp = (n: number) => 0x108 + 0x20 * n;
const timerFsb = (n: number) => 0x110 + 0x20 * n;

// Program timer n as a periodic timer: first expiry one period from 0, then every period.
function periodic(hpet: Hpet, n: number, conf: number, periodTicks: number): void {
  hpet.write(timerConf(n), conf);
  hpet.writeHalves(timerCmp(n), periodTicks, 0); // TN_VAL_SET_CNF: the comparator (and the period)
  hpet.writeHalves(timerCmp(n), periodTicks, 0); // the period
}

// Advance `durationNs` of device time in steps of `stepNs`, from the device's time.
function advanceInSteps(hpet: Hpet, durationNs: number, stepNs: number): void {
  let t = hpet.now;
  const end = t + durationNs;
  while (t < end) {
    t = Math.min(t + stepNs, end);
    hpet.advance(t);
  }
}

/** Timers 0-2 periodic, edge-triggered, 1 us / 7 us / 13 us; 10 s in 1 ms steps. */
export const periodic3: NodeWorkload = {
  name: "periodic-3",
  unit: "expiration",
  start(module) {
    let expirations = 0;
    const hpet = new Hpet(module, { onIrq: (_line, level) => { expirations += level; } });
    [100, 700, 1300].forEach((ticks, n) => periodic(hpet, n, EDGE_PERIODIC_ENABLED | ((n + 2) << ROUTE_SHIFT), ticks));
    hpet.write(GEN_CONF, 1);
    return (scale) => {
      expirations = 0;
      advanceInSteps(hpet, Math.round(10_000 * scale) * MS, MS);
      return expirations;
    };
  },
};

/**
 * A guest using the HPET as its clock: 10 million counter reads, 10 ns apart, from time 0.
 * Each value is checked against the time (counter = time / 10), folded into an integer so that
 * the loop itself boxes nothing. (bench/README.md gives the cost of times past 2^31 ns, which
 * V8 boxes on each advance.)
 */
export const clocksource: NodeWorkload = {
  name: "clocksource",
  unit: "read",
  start(module) {
    const hpet = new Hpet(module);
    hpet.write(GEN_CONF, 1);
    // Reads go in batches of 10,000: a short loop that runs many times is compiled on entry
    // with complete type feedback, where one long loop is compiled mid-run (on-stack
    // replacement) with the feedback of its first iterations only, which made runs bimodal.
    let time = 0;
    let wrong = 0;
    const batch = (reads: number): void => {
      let t = time | 0;
      let bits = 0;
      for (let i = 0; i < reads; i++) {
        hpet.advance(t += 10);
        bits |= hpet.read(MAIN_CNT) ^ (t / 10);
      }
      time = t;
      wrong |= bits;
    };
    return (scale) => {
      const reads = Math.round(10_000_000 * scale) | 0;
      for (let done = 0; done < reads; done += BATCH) batch(Math.min(BATCH, reads - done));
      if (wrong !== 0) throw new Error("clocksource read a wrong counter value");
      return reads;
    };
  },
};

const BATCH = 10_000;

/** A tickless kernel on timer 0, 32-bit mode: read, program counter + delta, run to it. */
export const oneshot: NodeWorkload = {
  name: "oneshot",
  unit: "cycle",
  start(module) {
    let interrupts = 0;
    const hpet = new Hpet(module, { onIrq: (_line, level) => { interrupts += level; } });
    hpet.write(timerConf(0), ONESHOT_ENABLED | MODE_32 | (2 << ROUTE_SHIFT));
    hpet.write(GEN_CONF, 1);
    return (scale) => {
      interrupts = 0;
      const cycles = Math.round(1_000_000 * scale) | 0;
      for (let i = 0; i < cycles; i++) {
        const delta = 1000 + (i & 255); // 10 .. 12.55 us
        hpet.write(timerCmp(0), (hpet.read(MAIN_CNT) + delta) >>> 0);
        hpet.advance(hpet.nextDeadline()!);
      }
      if (interrupts !== cycles) throw new Error(`oneshot took ${interrupts} interrupts in ${cycles} cycles`);
      return cycles;
    };
  },
};

/** 32 periodic timers with distinct periods (1 us + 370 ns * n), delivered by MSI; 1 s. */
export const timers32: NodeWorkload = {
  name: "timers-32",
  unit: "expiration",
  start(module) {
    let expirations = 0;
    const hpet = new Hpet(module, { timers: 32, msi: true, onMsi: () => { expirations++; } });
    for (let n = 0; n < 32; n++) {
      hpet.writeHalves(timerFsb(n), 0x4000 + n, 0xfee00000);
      periodic(hpet, n, EDGE_PERIODIC_ENABLED | FSB_EN, 100 + 37 * n);
    }
    hpet.write(GEN_CONF, 1);
    return (scale) => {
      expirations = 0;
      advanceInSteps(hpet, Math.round(1000 * scale) * MS, MS);
      return expirations;
    };
  },
};

/**
 * The floor: an empty exported call (abi_version returns a constant). Warmed up like the
 * workloads (bench/child.ts), then timed in five segments; the median segment counts.
 */
export function floorNsPerCall(module: WasmModule, calls: number): number {
  const { abi_version } = new wasm.Instance(module, {}).exports as { abi_version(): number };
  const loop = (n: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += abi_version();
    return sum;
  };
  const segment = (calls / 5) | 0;
  for (let n = 10; n <= segment; n *= 2) loop(n);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    const sum = loop(segment);
    times.push(Number(process.hrtime.bigint() - start) / segment);
    if (sum !== segment * ABI_VERSION) throw new Error("floor call returned a wrong value");
  }
  return times.sort((x, y) => x - y)[2]!;
}

export const nodeWorkloads: readonly NodeWorkload[] = [periodic3, clocksource, oneshot, timers32, linuxBoot];
