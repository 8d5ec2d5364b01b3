// The fuzzer's run loop. Each operation goes to the primary instance; the model (model.ts)
// checks its status, its events and the whole state afterwards, and a refused call must leave
// the state byte for byte as it was. Now and then a mirror instance is restored from the
// primary's snapshot and runs the same operations in lockstep: every result, event and the
// final state must match, so snapshots are tested under hostile values too.
//
// Epochs: each starts with init() and a random configuration (often 32 timers, clock periods
// of 1..100 ns) and lasts a few thousand operations, or ends early once time nears its end
// (2^63 - 1 ns), since time never goes back.
//
// Termination: advance(T) honestly runs one expiry per microsecond per periodic timer (the
// storm guard's spacing), so a jump of 2^62 ns with a one-tick periodic timer is ~4.6e15
// expiries of real work that no host would wait for. The fuzzer makes such jumps anyway, at
// any period, because the module bounds every call: advance() runs at most
// EXPIRIES_PER_CALL_MAX expiries and stops early with ADVANCE_INCOMPLETE. An advance operation
// calls advance() at most 1..4 times and then moves on, leaving the device part way to the
// target, as a host that spreads work over its frames would. So every operation costs at most
// four bounded calls, however hostile the periods and jumps, and time still reaches 2^62 and
// beyond (jumps of up to 2^62 ns with no short-period timer enabled complete at once).

import { ADVANCE_INCOMPLETE } from "../../hosts/ts/abi.ts";
import { Random } from "../support/trace-generator.ts";
import { type Before, type Coverage, EVENTS_PER_CALL_MAX, expectedStatus, Model, Violation } from "./model.ts";
import { type Config, describe, initConfig, type Op, OpGenerator } from "./ops.ts";
import { sameBytes, SnapshotView } from "./snapshot-layout.ts";
import { type Outcome, Target } from "./target.ts";

export interface FuzzOptions {
  readonly module: WebAssembly.Module;
  readonly ops: number;
  readonly seed: number;
  /** A single call into the module taking longer than this fails the run (default 250 ms). */
  readonly callLimitMs?: number;
  /** Called every `progressEvery` operations. */
  readonly onProgress?: (done: number) => void;
  readonly progressEvery?: number;
  /** Makes an instance's exports; tests pass a broken one to see the fuzzer catch it. */
  readonly instantiate?: (module: WebAssembly.Module) => Target;
}

export interface FuzzFailure {
  /** Index of the failing operation (0-based). */
  readonly op: number;
  readonly description: string;
  readonly message: string;
  /** The operations just before it, oldest first. */
  readonly recent: readonly string[];
}

export interface FuzzStats extends Coverage {
  epochs: number;
  byKind: Record<string, number>;
  /** Refused calls by status code. */
  refusals: Record<string, number>;
  incompleteAdvances: number;
  /** Advance calls that stopped because their expiry budget was spent (not for a full queue). */
  budgetStops: number;
  lockstepWindows: number;
  lockstepOps: number;
  holds: number;
  maxCallMs: number;
  /** The latest device time reached (ns). */
  maxTime: bigint;
}

export interface FuzzReport {
  readonly seed: number;
  readonly ops: number;
  readonly failure: FuzzFailure | undefined;
  readonly stats: FuzzStats;
}

const NEAR_END_OF_TIME = 1n << 62n;
const RECENT = 12;

export function runFuzz(options: FuzzOptions): FuzzReport {
  const { module, ops, seed } = options;
  const callLimitMs = options.callLimitMs ?? 250;
  const instantiate = options.instantiate ?? ((m: WebAssembly.Module) => new Target(m));
  const rng = new Random(seed);
  const generator = new OpGenerator(rng);
  const stats: FuzzStats = {
    epochs: 0, byKind: {}, refusals: {}, incompleteAdvances: 0, lockstepWindows: 0, lockstepOps: 0,
    holds: 0, maxCallMs: 0, maxTime: 0n, counterWraps: 0, events: 0, msiEvents: 0, oneTickPeriods: 0,
    hugePeriods: 0, allOnesComparators: 0, countersNearWrap: 0, wrapsPending: 0, budgetStops: 0,
  };
  const recent: string[] = [];
  let primary = instantiate(module);
  let spare: Target | undefined;
  let mirror: Target | undefined;
  let mirrorLeft = 0;
  let model: Model | undefined;
  let epochLeft = 0;
  let holdLeft = 0;
  let index = 0;
  let op: Op = { kind: "reset" };

  const check = (ok: boolean, message: () => string): void => {
    if (!ok) throw new Violation(message());
  };

  try {
    for (; index < ops; index++) {
      const x = primary.x;
      const now = x.now();
      if (model === undefined || epochLeft-- <= 0 || (now >= NEAR_END_OF_TIME && rng.chance(0.02))) {
        op = { kind: "init", ...generator.config() };
        epochLeft = 200 + rng.below(4000);
        stats.epochs++;
        model ??= new Model(initConfig(op)!, stats);
      } else {
        op = generator.next({
          config: model.config, windowSize: model.windowSize, now, nextDeadline: x.next_deadline(),
          counter: model.counterAt(now), holding: holdLeft > 0,
        });
      }
      const description = describe(op);
      recent.push(description);
      if (recent.length > RECENT) recent.shift();
      stats.byKind[op.kind] = (stats.byKind[op.kind] ?? 0) + 1;

      const before: Before = { now, count: primary.count(), capacity: primary.capacity(), nextDeadline: x.next_deadline() };
      const status = expectedStatus(op, before, model);
      // A refused call, or a restore of the instance's own state, must change nothing at all.
      const unchanged = status !== "ok" || op.kind === "restore-self" ? primary.snapshot() : undefined;
      if (status !== "ok") stats.refusals[status] = (stats.refusals[status] ?? 0) + 1;

      const holding = holdLeft > 0;
      const outcome = runGuarded(primary, op, holding);
      stats.maxCallMs = Math.max(stats.maxCallMs, outcome.maxCallMs);
      check(outcome.maxCallMs <= callLimitMs, () => `a call took ${outcome.maxCallMs.toFixed(1)} ms (limit ${callLimitMs} ms)`);
      const after = x.now();
      if (after > stats.maxTime) stats.maxTime = after;
      if (op.kind === "advance") countStops(outcome, primary.capacity(), stats);

      if (unchanged !== undefined) {
        check(sameBytes(unchanged, primary.snapshot()),
          () => `${status === "ok" ? "restoring its own snapshot" : `a call refused with ${status}`} changed the state`);
      }
      if (mirror !== undefined) {
        compareLockstep(mirror, runGuarded(mirror, op, holding), outcome, after, primary);
        stats.lockstepOps++;
      }
      if (holding && --holdLeft === 0) {
        primary.drain([]);
        mirror?.drain([]);
      } else if (!holding) {
        primary.drain([]);
        mirror?.drain([]);
      }

      const bytes = primary.snapshot();
      const state = new SnapshotView(bytes);
      model.check(op, before, outcome, state, primary, after);
      model.checkState(state, primary);

      if (mirror !== undefined && --mirrorLeft === 0) {
        check(sameBytes(mirror.snapshot(), bytes), () => "the restored mirror's state differs from the primary's after lockstep");
        // Go on with the restored copy half of the time: the continuation is then the run itself.
        if (rng.chance(0.5)) [primary, mirror] = [mirror, primary];
        spare = mirror;
        mirror = undefined;
      } else if (mirror === undefined && rng.chance(0.002)) {
        mirror = spare ?? instantiate(module);
        startMirror(mirror, primary, bytes, model.config);
        mirrorLeft = 20 + rng.below(300);
        stats.lockstepWindows++;
      }
      if (holdLeft === 0 && rng.chance(0.003)) {
        holdLeft = 1 + rng.below(1500);
        stats.holds++;
      }
      if (options.onProgress !== undefined && (index + 1) % (options.progressEvery ?? 100_000) === 0) {
        options.onProgress(index + 1);
      }
    }
  } catch (error) {
    const message = error instanceof Violation ? error.message : `unexpected ${String(error)}`;
    return { seed, ops, stats, failure: { op: index, description: describe(op), message, recent } };
  }
  return { seed, ops, stats, failure: undefined };
}

/** Incomplete advances, and those stopped by the expiry budget with room left in the queue. */
function countStops(outcome: Outcome, capacity: number, stats: FuzzStats): void {
  const last = outcome.results.at(-1) as number;
  if (last >= 0 && last & ADVANCE_INCOMPLETE) stats.incompleteAdvances++;
  outcome.results.forEach((result, i) => {
    if ((result as number) >= 0 && (result as number) & ADVANCE_INCOMPLETE && outcome.counts[i]! < capacity - EVENTS_PER_CALL_MAX) {
      stats.budgetStops++;
    }
  });
}

/** Runs an operation; a trap (or any exception) from the module is a failure. */
function runGuarded(target: Target, op: Op, holding: boolean): Outcome {
  try {
    return target.run(op, holding);
  } catch (error) {
    const kind = error instanceof WebAssembly.RuntimeError ? "trapped" : "threw";
    throw new Violation(`the module ${kind}: ${(error as Error).message}`);
  }
}

/** A fresh instance of the same configuration, restored from the primary's snapshot. */
function startMirror(mirror: Target, primary: Target, bytes: Uint8Array, config: Config): void {
  const status = mirror.x.init(config.timers, config.msi ? 1 : 0, config.intcap, config.periodNs);
  if (status < 0) throw new Violation(`init of the mirror refused: ${status}`);
  mirror.drain([]);
  const restored = mirror.restore(bytes);
  if (restored !== 0) throw new Violation(`restoring the primary's snapshot into a fresh instance returned ${restored}`);
  mirror.adoptSeen(primary);
  if (!sameBytes(mirror.snapshot(), bytes)) throw new Violation("a restored instance's snapshot differs from the one it was restored from");
}

function compareLockstep(mirror: Target, got: Outcome, want: Outcome, now: bigint, primary: Target): void {
  const text = (o: Outcome): string => JSON.stringify(
    { results: o.results, counts: o.counts, readStatus: o.readStatus, events: o.events },
    (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
  );
  if (text(got) !== text(want)) {
    throw new Violation(`the restored mirror diverged: ${text(got)} instead of ${text(want)}`);
  }
  if (mirror.x.now() !== now || mirror.x.next_deadline() !== primary.x.next_deadline()) {
    throw new Violation("the restored mirror's time or next deadline diverged");
  }
}
