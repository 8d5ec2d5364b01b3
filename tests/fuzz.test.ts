// A short run of the fuzzer (tests/fuzz/): hostile register, time, reset, input and snapshot
// operations through the raw ABI, with every status, event and state invariant checked. The
// long run is `npm run fuzz`. Broken modules (wrapped exports) show that the checks can fail.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EVENT_SIZE, type HpetExports, QUEUE_HEADER_SIZE } from "../hosts/ts/abi.ts";
import { compileModule } from "../hosts/ts/module.ts";
import { type FuzzReport, runFuzz } from "./fuzz/fuzzer.ts";
import { MAX_TIME } from "./fuzz/ops.ts";
import { Target } from "./fuzz/target.ts";

const module = await compileModule();

function failureText(report: FuzzReport): string {
  const { failure, seed } = report;
  if (failure === undefined) return "";
  return `seed ${seed}, operation ${failure.op}: ${failure.description}\n${failure.message}\n`
    + `before it:\n${failure.recent.join("\n")}`;
}

describe("fuzzer, short run", () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 40000 operations without a trap, a slow call or a broken invariant`, () => {
      const report = runFuzz({ module, ops: 40_000, seed });
      assert.equal(report.failure, undefined, failureText(report));
      const { stats } = report;
      // The run reached the hostile states it is meant to reach.
      assert.ok(stats.epochs > 100, `${stats.epochs} epochs`);
      assert.ok(stats.budgetStops > 0, "an advance spent its expiry budget");
      assert.ok(stats.incompleteAdvances > 0);
      assert.ok(stats.oneTickPeriods > 0 && stats.hugePeriods > 0, "periods of one tick and of 2^63 and more");
      assert.ok(stats.allOnesComparators > 0 && stats.wrapsPending > 0);
      assert.ok(stats.countersNearWrap > 0 && stats.counterWraps > 0, "the counter ran across 2^64");
      assert.equal(stats.maxTime, MAX_TIME);
      assert.ok(stats.lockstepWindows > 0 && stats.holds > 0);
      assert.ok(stats.msiEvents > 0 && stats.events > stats.msiEvents);
      for (const status of [-1, -2, -3, -4, -5, -6, -7, -8, -10, -11, -14, -15]) {
        assert.ok((stats.refusals[status] ?? 0) > 0, `no call was refused with ${status}`);
      }
    });
  }
});

/** A fuzz run of a module whose exports `wrap` breaks; it must fail, for `reason`. */
function catches(wrap: (x: HpetExports) => HpetExports, reason: RegExp): void {
  const report = runFuzz({ module, ops: 20_000, seed: 11, instantiate: (m) => new Target(m, wrap) });
  assert.ok(report.failure !== undefined, "the fuzzer missed a broken module");
  assert.match(report.failure.message, reason);
}

describe("fuzzer, against broken modules", () => {
  it("reports a trap", () => {
    let calls = 0;
    catches((x) => ({
      ...x,
      advance: (time: bigint) => {
        if (++calls === 20) throw new WebAssembly.RuntimeError("unreachable");
        return x.advance(time);
      },
    }), /the module trapped: unreachable/);
  });

  it("reports a main counter one tick off", () => {
    let reads = 0;
    catches((x) => ({
      ...x,
      read: (offset: number, size: number) => x.read(offset, size) + (offset === 0xf0 && ++reads === 30 ? 1n : 0n),
    }), /main counter 0x[0-9a-f]+, expected/);
  });

  it("reports a refused call that moved time", () => {
    catches((x) => ({
      ...x,
      write: (offset: number, size: number, value: bigint) => {
        if (offset >>> 0 >= x.window_size()) x.advance(x.now());
        if (offset >>> 0 >= x.window_size() && x.now() < MAX_TIME) x.write32(0, 0, Number(x.now()) + 1);
        return x.write(offset, size, value);
      },
    }), /refused with -2 changed the state|moved time/);
  });

  it("reports an event that is not a change of level", () => {
    catches((x) => ({
      ...x,
      set_input: (input: number, level: number) => {
        const status = x.set_input(input, level);
        if (status <= 0) return status;
        // Queue the line change a second time: a line event that changes nothing.
        const words = new Uint32Array(x.memory.buffer);
        const count = x.events_ptr() >>> 2;
        const record = (at: number): number => (x.events_ptr() + QUEUE_HEADER_SIZE + at * EVENT_SIZE) >>> 2;
        words.copyWithin(record(status), record(status - 1), record(status));
        words[count] = status + 1;
        return status + 1;
      },
    }), /is already at that level/);
  });
});
