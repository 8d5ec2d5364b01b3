// The fuzzer's command line: `node --import tsx tests/fuzz/fuzz.ts [--ops N] [--seed S]`.
// Runs N operations (default 100000) from seed S (default: the time) against build/hpet.wasm,
// prints what the run covered, and exits 1 with the failing operation, its seed and the
// operations before it if anything trapped, hung or broke an invariant. The same seed and
// count replay the same run exactly.

import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { runFuzz } from "./fuzzer.ts";

const { values } = parseArgs({
  options: { ops: { type: "string", default: "100000" }, seed: { type: "string" } },
});
const ops = Number(values.ops);
const seed = values.seed === undefined ? Date.now() % 1_000_000_007 : Number(values.seed);
if (!Number.isSafeInteger(ops) || ops < 1 || !Number.isSafeInteger(seed) || seed < 0) {
  process.stderr.write("usage: fuzz.ts [--ops N] [--seed S]  (whole numbers, N >= 1, S >= 0)\n");
  process.exit(2);
}

const module = await WebAssembly.compile(await readFile(new URL("../../build/hpet.wasm", import.meta.url)));
const started = performance.now();
const seconds = (): string => ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(`fuzzing build/hpet.wasm: ${ops} operations, seed ${seed}\n`);
const report = runFuzz({
  module, ops, seed,
  onProgress: (done) => process.stdout.write(`  ${done} operations, ${seconds()} s\n`),
});
const { stats, failure } = report;
const refusals = Object.entries(stats.refusals).map(([code, n]) => `${code}: ${n}`).join(", ");
process.stdout.write([
  `${failure === undefined ? ops : failure.op} operations in ${seconds()} s, ${stats.epochs} epochs`,
  `operations: ${Object.entries(stats.byKind).map(([kind, n]) => `${kind} ${n}`).join(", ")}`,
  `refused calls by status: ${refusals}`,
  `events checked: ${stats.events} (${stats.msiEvents} MSI); advances stopped part way: ${stats.incompleteAdvances}`,
  `advance calls stopped by the expiry budget: ${stats.budgetStops}`,
  `states seen with: a one-tick periodic timer ${stats.oneTickPeriods}, a period >= 2^63 ${stats.hugePeriods}, `
    + `an all-ones comparator ${stats.allOnesComparators}, the counter within 2^32 of 2^64 ${stats.countersNearWrap}, `
    + `a 32-bit wrap pending ${stats.wrapsPending}`,
  `main counter wraps past 2^64: ${stats.counterWraps}; latest time reached: ${stats.maxTime} ns`,
  `lockstep windows after a restore: ${stats.lockstepWindows} (${stats.lockstepOps} operations); queue holds: ${stats.holds}`,
  `slowest call: ${stats.maxCallMs.toFixed(2)} ms`,
].join("\n") + "\n");
if (failure !== undefined) {
  process.stdout.write([
    `FAILED at operation ${failure.op} (seed ${seed}; rerun with --seed ${seed} --ops ${failure.op + 1})`,
    `  ${failure.description}`,
    `  ${failure.message}`,
    "operations before it, oldest first:",
    ...failure.recent.map((line) => `  ${line}`),
  ].join("\n") + "\n");
  process.exitCode = 1;
} else {
  process.stdout.write("ok: no trap, no hang, no broken invariant\n");
}
