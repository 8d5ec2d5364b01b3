// The independent oracle (tests/oracle/model.ts, written from the behaviour reference alone)
// reproduces every example trace byte for byte, and agrees with the wasm device on a few hundred
// seeded random traces covering every timer-count class, msi on and off, and snapshot/restore,
// and on a few hundred adversarial ones.

import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { test } from "node:test";
import { compileModule } from "../hosts/ts/module.ts";
import { replay } from "../hosts/ts/replay.ts";
import { parseTrace, type Trace } from "../hosts/ts/trace.ts";
import { ExpiryBudgetError, modelReplay } from "./oracle/model.ts";
import { adversarialTrace, FOCI } from "./support/adversarial-generator.ts";
import { generateTrace, Random, TIMER_CLASSES } from "./support/trace-generator.ts";

const TRACES = new URL("./fixtures/traces/", import.meta.url);
const GENERATED = 600;
/** Generated traces whose fast periodic timers would expire more often than this are skipped. */
const MAX_EXPIRIES = 50_000;

/** The model's output, or null for a trace whose fast periodic timers would take too long. */
function modelOutput(trace: Trace): string | null {
  try {
    return modelReplay(trace, MAX_EXPIRIES);
  } catch (error) {
    if (error instanceof ExpiryBudgetError) return null;
    throw error;
  }
}

const traceFiles = (await readdir(TRACES)).filter((name) => name.endsWith(".trace")).sort();

test("the example traces are all there", () => {
  assert.ok(traceFiles.length >= 12, `found ${traceFiles.length} traces`);
});

for (const name of traceFiles) {
  test(`the oracle reproduces ${name} byte for byte`, async () => {
    const trace = parseTrace(await readFile(new URL(name, TRACES), "utf8"), name);
    const expected = await readFile(new URL(name.replace(/\.trace$/, ".out"), TRACES), "utf8");
    assert.equal(modelReplay(trace), expected);
  });
}

test(`the oracle and the device agree on ${GENERATED} generated traces`, async () => {
  const module = await compileModule();
  const compared = new Map<number, number>(TIMER_CLASSES.map((timers) => [timers, 0]));
  let outputLines = 0;
  for (let seed = 0; seed < GENERATED; seed++) {
    const timers = TIMER_CLASSES[seed % TIMER_CLASSES.length]!;
    const name = `generated seed ${seed}`;
    const text = generateTrace(seed, { timers, snapshotRate: seed % 4 === 0 ? 0.05 : 0 });
    const trace = parseTrace(text, name);
    const expected = modelOutput(trace);
    if (expected === null) continue;
    assert.equal(replay(trace, module), expected, `${name} (regenerate with generateTrace(${seed}, { timers: ${timers} }))`);
    compared.set(timers, compared.get(timers)! + 1);
    outputLines += expected.split("\n").length - 1;
  }
  // The comparison must have had something to compare: every class, and real interrupt traffic.
  for (const [timers, count] of compared) assert.ok(count >= GENERATED / TIMER_CLASSES.length - 5, `${count} traces with ${timers} timers`);
  assert.ok(outputLines > GENERATED * 10, `only ${outputLines} output lines`);
});

const ADVERSARIAL_PER_FOCUS = 30;

test(`the oracle and the device agree on ${ADVERSARIAL_PER_FOCUS} adversarial traces for each of ${FOCI.length} focus areas`, async () => {
  const module = await compileModule();
  for (const focus of FOCI) {
    let compared = 0;
    for (let seed = 0; seed < ADVERSARIAL_PER_FOCUS; seed++) {
      const name = `adversarial ${focus} seed ${seed}`;
      const trace = parseTrace(adversarialTrace(seed, focus, seed % 3 === 0 ? 0.05 : 0), name);
      const expected = modelOutput(trace);
      if (expected === null) continue;
      assert.equal(replay(trace, module), expected, name);
      compared++;
    }
    assert.ok(compared >= ADVERSARIAL_PER_FOCUS / 2, `only ${compared} ${focus} traces compared`);
  }
});

// Fast periodic timers among slower ones, advanced in long steps, so that they expire many
// times between the others and among each other (the device's repeated-expiry paths: a timer
// alone, and several interleaved): edge, level, FSB and disabled interrupts, 32-bit mode,
// lines shared with a level timer, periods under the storm guard, late comparators, a counter
// about to wrap at 2^32 or 2^64, the horizon, and configuration changes between the steps.
function periodicRunTrace(seed: number): string {
  const r = new Random(seed);
  const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
  const timers = r.pick([3, 4, 8, 32]);
  const lines = [`config timers=${timers} msi=1`];
  const counter = r.pick([0n, (1n << 32n) - BigInt(r.below(5000)), (1n << 64n) - BigInt(r.below(5000)), r.next64() >> 1n]);
  lines.push(`w 0xf0 8 ${hex(counter)}`);
  const programmed = Math.min(timers, r.pick([3, 3, 4, 6, 12]));
  const fast = r.pick([1, 2, 3]);
  for (let n = 0; n < programmed; n++) {
    const periodic = n < fast || r.chance(0.7);
    let conf = (periodic ? 0x4c : 0) | (r.chance(0.85) ? 0x4 : 0);
    if (r.chance(0.25)) conf |= 0x2; // level
    if (r.chance(0.2)) conf |= 0x100; // 32-bit
    if (r.chance(0.15)) conf |= 0x4000; // FSB
    conf |= r.pick([2, 3, 2, 4]) << 9; // routes shared now and then
    const period = n < fast ? BigInt(r.pick([1, 7, 50, 100, 101, 137, 250, 1000])) : BigInt(300 + r.below(5000));
    const first = r.chance(0.2) ? counter - BigInt(r.below(100)) : counter + period + BigInt(r.below(50));
    lines.push(`w ${hex(0x110 + 0x20 * n)} 8 ${hex((0xfee00000n << 32n) | BigInt(0x40 + n))}`);
    lines.push(`w ${hex(0x100 + 0x20 * n)} 4 ${hex(conf)}`);
    lines.push(`w ${hex(0x108 + 0x20 * n)} 8 ${hex(first & ((1n << 64n) - 1n))}`);
    if (periodic) lines.push(`w ${hex(0x108 + 0x20 * n)} 8 ${hex(period)}`);
  }
  lines.push("w 0x10 4 0x1");
  let time = r.chance(0.1) ? (1n << 63n) - 10_000_000n : 0n;
  for (let step = 0; step < 12; step++) {
    time += BigInt(r.pick([1, 999, 100_000, 1_000_000, 3_000_000]));
    if (time >= 1n << 63n) break;
    lines.push(`t ${time}`);
    if (r.chance(0.3)) lines.push("r 0x20 4");
    if (r.chance(0.2)) lines.push(`w 0x20 4 ${hex(r.below(8))}`); // acknowledge level interrupts
    if (r.chance(0.1)) lines.push(`w ${hex(0x100 + 0x20 * r.below(programmed))} 4 ${hex(r.pick([0x4c, 0x4e, 0x44, 0x404c, 0]) | (r.pick([2, 3]) << 9))}`);
    if (r.chance(0.1)) lines.push(`r 0x108 8`);
  }
  return `${lines.join("\n")}\n`;
}

const PERIODIC_RUNS = 150;

test(`the oracle and the device agree on ${PERIODIC_RUNS} traces of periodic timers expiring in runs`, async () => {
  const module = await compileModule();
  let compared = 0;
  let interrupts = 0;
  for (let seed = 0; seed < PERIODIC_RUNS; seed++) {
    const name = `periodic runs seed ${seed}`;
    const trace = parseTrace(periodicRunTrace(seed), name);
    const expected = modelOutput(trace);
    if (expected === null) continue;
    assert.equal(replay(trace, module), expected, name);
    compared++;
    interrupts += expected.split("\n").filter((line) => line.startsWith("I ") || line.startsWith("M ")).length;
  }
  assert.ok(compared >= PERIODIC_RUNS * 0.8, `only ${compared} traces compared`);
  assert.ok(interrupts > PERIODIC_RUNS * 1000, `only ${interrupts} interrupt lines`);
});
