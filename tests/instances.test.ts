// Many HPET blocks in one process: eight instances of one compiled module, stepped in an
// interleaved order, each give exactly what they give alone; what happens to one (reset,
// restore, refused calls, disposal) leaves the others byte for byte as they were.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileModule } from "../hosts/ts/module.ts";
import { Replayer, replay } from "../hosts/ts/replay.ts";
import type { TimeKind } from "../hosts/ts/time.ts";
import { parseTrace, type Trace } from "../hosts/ts/trace.ts";
import { initConfig, type Op, OpGenerator } from "./fuzz/ops.ts";
import { sameBytes } from "./fuzz/snapshot-layout.ts";
import { type Outcome, Target } from "./fuzz/target.ts";
import { generateTrace, Random, TIMER_CLASSES } from "./support/trace-generator.ts";

const module = await compileModule();
const BLOCKS = 8;

/** Eight traces of different configurations (every timer-count class, msi on and off), with `s` lines. */
const traces: Trace[] = Array.from({ length: BLOCKS }, (_, i) =>
  parseTrace(generateTrace(500 + i, { timers: TIMER_CLASSES[i % TIMER_CLASSES.length]!, ops: 300, snapshotRate: 0.02 }), `block ${i}`));

describe(`${BLOCKS} HPET blocks in one process`, () => {
  it("stepped in an interleaved order, each gives its own replay's output and final state", () => {
    const rng = new Random(8);
    const kinds: TimeKind[] = ["bigint", "number"];
    const runners = traces.map((trace, i) => new Replayer(module, trace, kinds[i % 2]!));
    const next = traces.map(() => 0);
    let left = traces.reduce((sum, trace) => sum + trace.ops.length, 0);
    while (left > 0) {
      const i = rng.below(BLOCKS);
      const trace = traces[i]!;
      if (next[i]! === trace.ops.length) continue;
      runners[i]!.step(trace.ops[next[i]!++]!);
      left--;
    }
    traces.forEach((trace, i) => {
      assert.equal(runners[i]!.output(), replay(trace, module), `block ${i}`);
      const alone = new Replayer(module, trace, kinds[i % 2]!).run(trace.ops);
      assert.ok(sameBytes(runners[i]!.hpet.snapshot(), alone.hpet.snapshot()), `block ${i}: final state`);
    });
  });

  it("are untouched by a reset, a restore, refused calls and the disposal of another", () => {
    const config = { timers: 8, msi: true, intcap: 0x00ff0004 };
    const runners = Array.from({ length: BLOCKS }, (_, i) => {
      const trace = parseTrace(generateTrace(700 + i, { timers: 8, ops: 150 }), `block ${i}`);
      return new Replayer(module, { ...trace, config }, "bigint").run(trace.ops);
    });
    const states = runners.map((runner) => runner.hpet.snapshot());
    const victim = runners[0]!.hpet;
    victim.reset();
    victim.restore(states[3]!);
    victim.advance(victim.now + 1_000_000n);
    victim.write64(0x010, 3n);
    assert.throws(() => victim.read(0x4000));
    assert.throws(() => victim.restore(states[1]!.subarray(0, 100)));
    assert.throws(() => victim.advance(0n));
    victim.read(0x010, 1);
    victim.dispose();
    runners.slice(1).forEach((runner, i) => {
      assert.ok(sameBytes(runner.hpet.snapshot(), states[i + 1]!), `block ${i + 1} changed`);
    });
    // The restored copy and its source go on independently.
    assert.ok(sameBytes(runners[3]!.hpet.snapshot(), states[3]!));
  });

  it("through the raw ABI: interleaved hostile operations, each instance as if alone", () => {
    const rng = new Random(88);
    const blocks = Array.from({ length: BLOCKS }, (_, i) => {
      const generator = new OpGenerator(new Random(900 + i));
      const init = { kind: "init" as const, ...generator.config() };
      return { target: new Target(module), generator, config: initConfig(init)!, ops: [init] as Op[], outcomes: [] as Outcome[] };
    });
    for (const block of blocks) {
      block.outcomes.push(block.target.run(block.ops[0]!, false));
      block.target.drain([]);
    }
    for (let step = 0; step < 20_000; step++) {
      const block = blocks[rng.below(BLOCKS)]!;
      const x = block.target.x;
      const now = x.now();
      const context = {
        config: block.config, windowSize: x.window_size(), now, nextDeadline: x.next_deadline(),
        counter: BigInt.asUintN(64, x.read(0x0f0, 8)), holding: false,
      };
      // Time never goes back: near its end, start afresh.
      const op: Op = now >= 1n << 62n ? { kind: "init", ...block.generator.config() } : block.generator.next(context);
      if (op.kind === "init") block.config = initConfig(op) ?? block.config;
      block.ops.push(op);
      block.outcomes.push(block.target.run(op, false));
      block.target.drain([]);
    }
    const events = blocks.reduce((sum, block) => sum + block.outcomes.reduce((n, outcome) => n + outcome.events.length, 0), 0);
    assert.ok(events > 5000, `${events} events`);
    for (const [i, block] of blocks.entries()) {
      const alone = new Target(module);
      block.ops.forEach((op, k) => {
        if (k > 0) {
          // The interleaved run read the counter before each operation: so does this one.
          alone.x.read(0x0f0, 8);
        }
        const outcome = alone.run(op, false);
        alone.drain([]);
        assert.deepEqual(comparable(outcome), comparable(block.outcomes[k]!), `block ${i}, operation ${k}`);
      });
      assert.ok(sameBytes(alone.snapshot(), block.target.snapshot()), `block ${i}: final state`);
    }
  });
});

function comparable(outcome: Outcome): unknown {
  return { results: outcome.results, counts: outcome.counts, readStatus: outcome.readStatus, events: outcome.events };
}
