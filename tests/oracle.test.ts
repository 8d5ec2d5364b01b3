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
import { generateTrace, TIMER_CLASSES } from "./support/trace-generator.ts";

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
