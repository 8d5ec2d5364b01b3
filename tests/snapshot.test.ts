// Snapshots: the byte layout of docs/snapshot.md, bit-exact continuation (a trace's output with
// `s` lines anywhere equals its output without them), restores of bad data (each refused with
// its own error and no change at all), and forged snapshots whose CRC is valid.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { Status } from "../hosts/ts/abi.ts";
import { HpetError, type HpetErrorCode } from "../hosts/ts/errors.ts";
import { Hpet } from "../hosts/ts/hpet.ts";
import { compileModule } from "../hosts/ts/module.ts";
import { Replayer, replay } from "../hosts/ts/replay.ts";
import { parseTrace, type Trace, type TraceOp } from "../hosts/ts/trace.ts";
import {
  BLOCK_SIZE, BlockField, CRC_SIZE, computeCrc, EVENT_SIZE, EventField, eventsOffset, FORMAT_VERSION, Header,
  HEADER_SIZE, MAGIC, NOT_ARMED, sameBytes, sealed, SnapshotView, TIMER_SIZE, TimerField, TimerFlag,
} from "./fuzz/snapshot-layout.ts";
import { type QueuedEvent, Target } from "./fuzz/target.ts";
import { generateTrace, Random } from "./support/trace-generator.ts";

const module = await compileModule();
const TRACES = new URL("./fixtures/traces/", import.meta.url);
const exampleTraces = readdirSync(TRACES).filter((name) => name.endsWith(".trace")).sort();

/** A raw instance of the module, initialised, its power-on event drained. */
function rawInstance(timers = 3, msi = 0, intcap = 0x00ff0004, periodNs = 10): Target {
  const target = new Target(module);
  assert.ok(target.x.init(timers, msi, intcap, periodNs) >= 0);
  target.drain([]);
  return target;
}


// --- Layout -------------------------------------------------------------------------------------

describe("snapshot layout (docs/snapshot.md)", () => {
  it("puts every header, Block, Timer and event field at its documented offset, then the CRC-32", () => {
    const target = rawInstance(3, 1, 0x00f0000c, 7);
    const x = target.x;
    const start = 0x1122_3344_5566_7788n;
    x.write(0x0f0, 8, start); //                       main counter, while halted
    x.read(0x010, 1); //                               two size errors
    x.write(0x010, 2, 0n);
    x.read(0x012, 4); //                               three alignment errors
    x.read(0x014, 8);
    x.write(0x104, 8, 0n);
    x.set_input(1, 1); //                              RTC high: line 8 rises at 0 (queued)
    // Timer 1: level, enabled, periodic, VAL_SET, route 3; first at start + 100, then every 50.
    x.write(0x130, 8, 0xfee0_1000_0000_4041n);
    x.write(0x120, 8, 0x2n | 0x4n | 0x8n | 0x40n | (3n << 9n));
    x.write(0x128, 8, start + 100n);
    x.write(0x128, 8, 50n);
    // Timer 2: a 32-bit one-shot whose match lies beyond the counter's next 32-bit wrap.
    x.write(0x140, 8, 0x4n | 0x100n);
    x.write(0x148, 4, 0x10n);
    x.advance(1000n);
    x.write(0x010, 8, 1n); //                          enable at 1000 ns
    x.advance(1750n); //                               timer 1 fires at 1000 + 100 * 7; line 3 rises (queued)

    const bytes = target.snapshot();
    const s = new SnapshotView(bytes);
    const length = HEADER_SIZE + BLOCK_SIZE + 3 * TIMER_SIZE + 2 * EVENT_SIZE + CRC_SIZE;
    assert.equal(bytes.length, length);
    assert.equal(s.view.getBigUint64(Header.MAGIC, true), MAGIC);
    assert.equal(Buffer.from(bytes.subarray(0, 8)).toString("latin1"), "HPETSNAP");
    assert.deepEqual(
      [Header.VERSION, Header.LENGTH, Header.TIMERS, Header.MSI, Header.INTCAP, Header.PERIOD_NS,
        Header.BLOCK_SIZE, Header.TIMER_SIZE, Header.EVENTS, Header.EVENT_SIZE].map((f) => s.header(f)),
      [FORMAT_VERSION, length, 3, 1, 0x00f0000c, 7, BLOCK_SIZE, TIMER_SIZE, 2, EVENT_SIZE],
    );

    assert.equal(s.block64(BlockField.GEN_CONF), 1n);
    assert.equal(s.block64(BlockField.ISR), 2n);
    assert.equal(s.block64(BlockField.COUNTER), start);
    assert.equal(s.block64(BlockField.BASE), start);
    assert.equal(s.block64(BlockField.T_ENABLE), 1000n);
    assert.equal(s.block64(BlockField.NOW), 1750n);
    assert.equal(s.block32(BlockField.LINES), (1 << 8) | (1 << 3));
    assert.equal(s.block32(BlockField.PIT_ENABLE), 1);
    assert.equal(s.block32(BlockField.RTC_LEVEL), 1);
    assert.equal(s.block32(BlockField.SIZE_ERRORS), 2);
    assert.equal(s.block32(BlockField.ALIGN_ERRORS), 3);
    assert.equal(s.block32(BlockField.RESERVED), 0);

    const readOnly = (0x00f0000cn << 32n) | 0x8000n | 0x30n;
    // Timer 0: untouched; its all-ones comparator lies beyond 2^63 - 1 ns, so it is not armed.
    assert.deepEqual(timerFields(s, 0), {
      conf: readOnly, cmp: NOT_ARMED, period: 0n, fsb: 0n, cmp64: NOT_ARMED, deadline: NOT_ARMED, ticks: 0n, last: 0n, flags: 0, reserved: 0,
    });
    // Timer 1 fired at 1700 and re-armed for start + 150, which the storm guard moves from
    // 2050 ns to 1700 + 1000 ns (tick 242 since the enable).
    assert.deepEqual(timerFields(s, 1), {
      conf: readOnly | 0x60en, cmp: start + 150n, period: 50n, fsb: 0xfee0_1000_0000_4041n, cmp64: start + 150n,
      deadline: 2700n, ticks: 242n, last: 2700n, flags: TimerFlag.ARMED_BEFORE, reserved: 0,
    });
    // Timer 2: armed for the wrap to 0x11223345_00000000 first, then for its match.
    const toWrap = 0x1_0000_0000n - 0x5566_7788n;
    assert.deepEqual(timerFields(s, 2), {
      conf: readOnly | 0x104n, cmp: 0x10n, period: 0n, fsb: 0n, cmp64: 0x1122_3345_0000_0010n, deadline: 1000n + toWrap * 7n,
      ticks: toWrap, last: 1000n + toWrap * 7n, flags: TimerFlag.WRAP_PENDING | TimerFlag.ARMED_BEFORE, reserved: 0,
    });
    // The registers agree with the state.
    assert.equal(BigInt.asUintN(64, x.read(0x120, 8)), s.timer64(1, TimerField.CONF));
    assert.equal(BigInt.asUintN(64, x.read(0x128, 8)), s.timer64(1, TimerField.CMP));
    assert.equal(x.next_deadline(), 2700n);

    const records = eventsOffset(3);
    const event = (i: number): number[] => {
      const at = records + i * EVENT_SIZE;
      return [Number(s.view.getBigUint64(at + EventField.TIME, true)), s.view.getUint32(at + EventField.KIND, true),
        s.view.getUint32(at + EventField.A, true), s.view.getUint32(at + EventField.B, true), s.view.getUint32(at + 20, true)];
    };
    assert.deepEqual(event(0), [0, 1, 8, 1, 0]); //    line 8 rose at 0
    assert.deepEqual(event(1), [1700, 1, 3, 1, 0]); // line 3 rose at 1700
    assert.equal(s.view.getUint32(length - CRC_SIZE, true), computeCrc(bytes));
  });

  it("is the same bytes after a restore into a fresh instance, and the ABI reports its buffer and capacity", () => {
    const target = rawInstance(32, 1, -1, 1);
    const x = target.x;
    for (let n = 0; n < 32; n++) {
      x.write(0x100 + 0x20 * n, 8, BigInt(0x4c | ((n & 31) << 9)));
      x.write(0x108 + 0x20 * n, 8, BigInt(1 + n));
    }
    x.write(0x010, 8, 1n);
    while (x.advance(123_456n) & 0x1_0000) target.drain([]);
    const bytes = target.snapshot();
    assert.ok(bytes.length <= x.snapshot_capacity());
    const copy = rawInstance(32, 1, -1, 1);
    assert.equal(copy.restore(bytes), 0);
    assert.ok(sameBytes(copy.snapshot(), bytes));
    assert.equal(copy.x.next_deadline(), x.next_deadline());
    assert.equal(copy.x.now(), 123_456n);
  });
});

function timerFields(s: SnapshotView, n: number): Record<string, bigint | number> {
  return {
    conf: s.timer64(n, TimerField.CONF), cmp: s.timer64(n, TimerField.CMP), period: s.timer64(n, TimerField.PERIOD),
    fsb: s.timer64(n, TimerField.FSB), cmp64: s.timer64(n, TimerField.CMP64), deadline: s.timer64(n, TimerField.DEADLINE),
    ticks: s.timer64(n, TimerField.TICKS), last: s.timer64(n, TimerField.LAST), flags: s.timer32(n, TimerField.FLAGS),
    reserved: s.timer32(n, TimerField.RESERVED),
  };
}

// --- Bit-exact continuation -------------------------------------------------------------------------

/** `text` with an `s` line inserted before `count` random operations (or at the end). */
function withSnapshots(text: string, rng: Random, count: number): string {
  const lines = text.split("\n");
  const opLines: number[] = [];
  lines.forEach((line, i) => {
    const verb = line.trim().split(/\s+/)[0] ?? "";
    if (verb !== "" && !verb.startsWith("#") && verb !== "config") opLines.push(i);
  });
  opLines.push(lines.length);
  const at = Array.from({ length: count }, () => opLines[rng.below(opLines.length)]!).sort((a, b) => b - a);
  for (const index of at) lines.splice(index, 0, "s");
  return lines.join("\n");
}

describe("bit-exact continuation: `s` anywhere leaves a trace's output unchanged", () => {
  it("over the example traces, at random points", () => {
    const rng = new Random(2024);
    let points = 0;
    for (const name of exampleTraces) {
      const text = readFileSync(new URL(name, TRACES), "utf8");
      const expected = readFileSync(new URL(name.replace(/\.trace$/, ".out"), TRACES), "utf8");
      assert.equal(replay(parseTrace(text, name), module), expected, name);
      for (let variant = 0; variant < 80; variant++) {
        const count = 1 + rng.below(4);
        const output = replay(parseTrace(withSnapshots(text, rng, count), name), module);
        assert.equal(output, expected, `${name}, variant ${variant}`);
        points += count;
      }
    }
    assert.ok(points >= 2000, `${points} insertion points`);
  });

  it("over generated traces whose `s` lines the generator placed", () => {
    let points = 0;
    for (let seed = 0; seed < 250; seed++) {
      const text = generateTrace(seed, { snapshotRate: 0.05 });
      const plain = text.split("\n").filter((line) => line !== "s").join("\n");
      points += text.split("\n").length - plain.split("\n").length;
      assert.equal(replay(parseTrace(text, `seed ${seed}`), module), replay(parseTrace(plain, `seed ${seed}`), module), `seed ${seed}`);
    }
    assert.ok(points >= 1000, `${points} insertion points`);
  });

  // Number time: the host defers advances that cannot expire anything and carries the time
  // into the next 32-bit access, so snapshots (which commit that time) meet another path.
  const NUMBER_SEEDS = Array.from({ length: 150 }, (_, i) => 1000 + i);
  /** The output with number time; a refused call ends it, its error code as the last line. */
  const numberOutput = (trace: Trace, ops: readonly TraceOp[]): string => {
    const runner = new Replayer(module, trace, "number");
    try {
      runner.run(ops);
    } catch (error) {
      return `${runner.output()}error ${(error as HpetError).code}\n`;
    }
    return runner.output();
  };

  it("with number time, at random points", () => {
    const rng = new Random(77);
    let points = 0;
    for (const seed of NUMBER_SEEDS) {
      const trace = parseTrace(generateTrace(seed), `seed ${seed}`);
      const ops: TraceOp[] = [...trace.ops];
      const count = 1 + rng.below(3);
      for (let i = 0; i < count; i++) ops.splice(rng.below(ops.length + 1), 0, { kind: "snapshot", line: 0 });
      points += count;
      assert.equal(numberOutput(trace, ops), numberOutput(trace, trace.ops), `seed ${seed} with ${count} s`);
    }
    assert.ok(points >= 250, `${points} insertion points`);
  });

  // Regression (deferred time): once a comparator in the past had armed a timer for "now",
  // the host's next 32-bit access carried that same time and the module refused it with
  // expiry-due (read32 then read 0), although the time did not move.
  it("with number time, gives the output replay gives with bigint time", () => {
    for (const seed of NUMBER_SEEDS) {
      const trace = parseTrace(generateTrace(seed), `seed ${seed}`);
      assert.equal(numberOutput(trace, trace.ops), replay(trace, module), `seed ${seed}`);
    }
  });

  // Raw ABI: a snapshot where no trace can take one, restored into a fresh instance, which
  // then runs in lockstep with the original.
  const lockstep = (
    config: [number, number, number, number], setup: (t: Target) => void, rest: (t: Target, events: QueuedEvent[]) => void,
  ): QueuedEvent[] => {
    const original = rawInstance(...config);
    setup(original);
    const copy = rawInstance(...config);
    assert.equal(copy.restore(original.snapshot()), 0);
    copy.adoptSeen(original);
    const run = (t: Target): QueuedEvent[] => {
      const events: QueuedEvent[] = [];
      t.drain(events);
      rest(t, events);
      t.drain(events);
      return events;
    };
    const want = run(original);
    assert.deepEqual(run(copy), want);
    assert.ok(sameBytes(copy.snapshot(), original.snapshot()));
    return want;
  };
  const advanceFully = (t: Target, time: bigint, events: QueuedEvent[]): void => {
    while (t.x.advance(time) & 0x1_0000) t.drain(events);
  };

  it("from the middle of an advance with a full queue: 32 one-tick periodic MSI timers", () => {
    const events = lockstep([32, 1, -1, 1], (t) => {
      for (let n = 0; n < 32; n++) {
        t.x.write(0x110 + 0x20 * n, 8, (0xfee0_0000n << 32n) | BigInt(n));
        t.x.write(0x100 + 0x20 * n, 8, 0x4n | 0x8n | 0x40n | 0x4000n); // periodic MSI, VAL_SET
        t.x.write(0x108 + 0x20 * n, 8, 1n);
      }
      t.x.write(0x010, 8, 1n);
      const status = t.x.advance(1_000_000n);
      assert.ok(status & 0x1_0000, "the advance stops part way");
      assert.ok(t.count() > 900, `${t.count()} events queued in the snapshot`);
    }, (t, events) => advanceFully(t, 1_000_000n, events));
    assert.ok(events.length > 30_000, `${events.length} events after the snapshot`);
  });

  it("from an advance that spent its expiry budget, with the storm guard holding every timer", () => {
    lockstep([32, 0, 0x00ff0004, 1], (t) => {
      for (let n = 0; n < 32; n++) {
        t.x.write(0x100 + 0x20 * n, 8, 0x8n | 0x40n); // periodic, VAL_SET, interrupt disabled: no events
        t.x.write(0x108 + 0x20 * n, 8, 1n);
      }
      t.x.write(0x010, 8, 1n);
      assert.equal(t.x.advance(1n << 40n), 0x1_0000, "stopped by the budget, nothing queued");
    }, (t) => {
      for (let i = 0; i < 5; i++) t.x.advance(1n << 40n);
      // Reprogram timer 7 to fire now: the storm guard puts it 1000 ns after its last deadline.
      t.x.write(0x100 + 0x20 * 7, 8, 0x4n | 0x8n | 0x40n);
      t.x.write(0x108 + 0x20 * 7, 8, 0n);
      t.x.advance(t.x.now() + 5000n);
      t.x.read(0x0f0, 8);
    });
  });

  it("across the counter's 2^64 wrap and a 32-bit one-shot's wrap interrupt", () => {
    const events = lockstep([3, 0, 0x00ff0004, 10], (t) => {
      t.x.write(0x0f0, 8, (1n << 64n) - 50n);
      t.x.write(0x100, 8, 0x4n | 0x100n | (2n << 9n)); //  timer 0: 32-bit one-shot, route 2
      t.x.write(0x108, 4, 20n); //                        match at counter 20, after both wraps
      t.x.write(0x120, 8, 0x4n | 0x8n | 0x40n | (5n << 9n)); // timer 1: periodic, route 5
      t.x.write(0x128, 8, (1n << 64n) - 10n);
      t.x.write(0x128, 8, 7n);
      t.x.write(0x010, 8, 1n);
      t.x.advance(300n);
    }, (t, events) => {
      advanceFully(t, 5_000n, events);
      assert.equal(t.x.read(0x0f0, 8), 450n);
    });
    assert.ok(events.some((e) => e.a === 2) && events.some((e) => e.a === 5));
  });
});

// --- Restoring bad data ---------------------------------------------------------------------------

/** An instance in a busy state: a generated trace's worth of operations. */
function busyInstance(seed: number, timers: number): Replayer<"bigint"> {
  const trace = parseTrace(generateTrace(seed, { timers, ops: 150 }), "busy");
  return new Replayer(module, trace, "bigint").run(trace.ops);
}

/** Checks a refused restore: the code, a message naming the problem, and no change at all. */
function refuses(hpet: Hpet<"bigint">, bytes: Uint8Array, code: HpetErrorCode, message: RegExp, what = ""): void {
  const before = hpet.snapshot();
  assert.throws(() => hpet.restore(bytes), (error: unknown) => {
    assert.ok(error instanceof HpetError, String(error));
    assert.equal(error.code, code, `${what}: ${error.message}`);
    assert.match(error.message, message);
    return true;
  });
  assert.ok(sameBytes(hpet.snapshot(), before), `${what}: a refused restore (${code}) changed the state`);
}

/** The expected refusal for one flipped bit of a valid snapshot. */
function flipRefusal(bit: number, length: number): [HpetErrorCode, RegExp] {
  const byte = bit >> 3;
  if (byte < Header.VERSION) return ["snapshot-magic", /not an HPET snapshot/];
  if (byte < Header.LENGTH) return ["snapshot-version", /format version \d+ is not readable/];
  if (byte < Header.LENGTH + 4) {
    const declared = (length ^ (1 << (bit - Header.LENGTH * 8))) >>> 0;
    return declared > length ? ["snapshot-truncated", /truncated/] : ["snapshot-length", /does not match its contents/];
  }
  return ["snapshot-checksum", /CRC-32 does not match/];
}

describe("restoring bad data: a specific error and no change", () => {
  const runner = busyInstance(5, 3);
  const hpet = runner.hpet;
  const good = hpet.snapshot();

  it("refuses every truncation", () => {
    for (let length = 0; length < good.length; length++) {
      refuses(hpet, good.subarray(0, length), "snapshot-truncated", new RegExp(`truncated: ${length} bytes`));
    }
  });

  it("refuses every single flipped bit, naming the field it hit", () => {
    for (let bit = 0; bit < good.length * 8; bit++) {
      const bytes = good.slice();
      bytes[bit >> 3] = bytes[bit >> 3]! ^ (1 << (bit & 7));
      refuses(hpet, bytes, ...flipRefusal(bit, good.length));
    }
  });

  it("refuses a wrong magic, a newer version, extra bytes and a size beyond any snapshot", () => {
    const wrongMagic = good.slice();
    wrongMagic.set(Buffer.from("NOTHPET!", "latin1"), 0);
    refuses(hpet, sealed(wrongMagic), "snapshot-magic", /not an HPET snapshot: the magic number is wrong/);
    const newer = good.slice();
    new DataView(newer.buffer).setUint32(Header.VERSION, FORMAT_VERSION + 1, true);
    refuses(hpet, sealed(newer), "snapshot-version", new RegExp(`version ${FORMAT_VERSION + 1} is not readable \\(this module reads ${FORMAT_VERSION}\\)`));
    const extended = new Uint8Array(good.length + 8);
    extended.set(good);
    refuses(hpet, extended, "snapshot-length", /length \d+ does not match its contents/);
    refuses(hpet, new Uint8Array(1 << 20), "snapshot-length", /longer than any/);
    refuses(hpet, new Uint8Array(0), "snapshot-truncated", /truncated: 0 bytes/);
  });

  it("refuses a snapshot of another configuration, naming both", async () => {
    const others: [Partial<{ timers: number; msi: boolean; intcap: number; clockPeriodNs: number }>, RegExp][] = [
      [{ timers: 8 }, /timers 8, msi [01], intcap 0x[0-9a-f]+, clock period 10 ns\); this instance has timers 3/],
      [{ msi: !hpet.config.msi }, /another configuration/],
      [{ intcap: 0x1234 }, /intcap 0x1234/],
      [{ clockPeriodNs: 1 }, /clock period 1 ns\); this instance has .*clock period 10 ns/],
    ];
    for (const [change, message] of others) {
      const other = await Hpet.create({ ...hpet.config, ...change, module });
      refuses(hpet, other.snapshot(), "snapshot-config", message);
    }
  });

  it("refuses well-sealed snapshots of states the device cannot be in", () => {
    const timer1 = HEADER_SIZE + BLOCK_SIZE + TIMER_SIZE;
    const forge = (edit: (view: DataView) => void): Uint8Array => {
      const bytes = good.slice();
      edit(new DataView(bytes.buffer));
      return sealed(bytes);
    };
    const now = new SnapshotView(good).block64(BlockField.NOW);
    const impossible: [string, (view: DataView) => void][] = [
      ["general config bit 2", (v) => v.setBigUint64(HEADER_SIZE + BlockField.GEN_CONF, 4n, true)],
      ["time beyond 2^63 - 1", (v) => v.setBigUint64(HEADER_SIZE + BlockField.NOW, 1n << 63n, true)],
      ["enabled after now", (v) => v.setBigUint64(HEADER_SIZE + BlockField.T_ENABLE, now + 1n, true)],
      ["status bit of a missing timer", (v) => v.setBigUint64(HEADER_SIZE + BlockField.ISR, 1n << 5n, true)],
      ["PIT-enable level 2", (v) => v.setUint32(HEADER_SIZE + BlockField.PIT_ENABLE, 2, true)],
      ["RTC level 7", (v) => v.setUint32(HEADER_SIZE + BlockField.RTC_LEVEL, 7, true)],
      ["block reserved word", (v) => v.setUint32(HEADER_SIZE + BlockField.RESERVED, 1, true)],
      ["read-only config bits", (v) => v.setBigUint64(timer1 + TimerField.CONF, 0x8n, true)],
      ["unknown timer flag", (v) => v.setUint32(timer1 + TimerField.FLAGS, 4, true)],
      ["timer reserved word", (v) => v.setUint32(timer1 + TimerField.RESERVED, 9, true)],
      ["deadline before now", (v) => {
        v.setBigUint64(timer1 + TimerField.DEADLINE, now - 1n, true);
        v.setUint32(timer1 + TimerField.FLAGS, TimerFlag.ARMED_BEFORE, true);
      }],
      ["armed without a storm-guard time", (v) => {
        v.setBigUint64(timer1 + TimerField.DEADLINE, now + 5n, true);
        v.setUint32(timer1 + TimerField.FLAGS, 0, true);
      }],
      ["32-bit mode with a 64-bit comparator", (v) => {
        const conf = v.getBigUint64(timer1 + TimerField.CONF, true);
        v.setBigUint64(timer1 + TimerField.CONF, conf | 0x100n, true);
        v.setBigUint64(timer1 + TimerField.CMP, 1n << 40n, true);
      }],
    ];
    assert.ok(now > 0n);
    for (const [what, edit] of impossible) refuses(hpet, forge(edit), "snapshot-state", /a state the device cannot be in/, what);
    const sizes: [number, number][] = [[Header.BLOCK_SIZE, BLOCK_SIZE + 8], [Header.TIMER_SIZE, 64], [Header.EVENT_SIZE, 16], [Header.EVENTS, 1]];
    for (const [field, value] of sizes) {
      refuses(hpet, forge((v) => v.setUint32(field, value, true)), "snapshot-length", /does not match its contents/);
    }
  });

  it("refuses queued events of an unknown kind or from the future (raw ABI)", () => {
    const target = rawInstance();
    target.x.advance(100n);
    target.x.set_input(0, 1); // one queued event
    const bytes = target.snapshot();
    const record = eventsOffset(3);
    const before = target.snapshot();
    for (const [field, value] of [[EventField.KIND, 9], [EventField.KIND, 0], [EventField.TIME, 101]] as const) {
      const forged = bytes.slice();
      const view = new DataView(forged.buffer);
      if (field === EventField.TIME) view.setBigUint64(record + field, BigInt(value), true);
      else view.setUint32(record + field, value, true);
      assert.equal(target.restore(sealed(forged)), Status.SNAPSHOT_STATE);
      assert.ok(sameBytes(target.snapshot(), before));
    }
    assert.equal(target.restore(bytes), 0);
  });

  it("refuses restore lengths outside the transfer buffer through the raw ABI", () => {
    const target = rawInstance();
    const before = target.snapshot();
    for (const length of [-1, -0x8000_0000, target.x.snapshot_capacity() + 1, 0x7fff_ffff]) {
      assert.equal(target.x.restore(length), Status.SNAPSHOT_LENGTH, `length ${length}`);
      assert.ok(sameBytes(target.snapshot(), before));
    }
  });

  it("behaves afterwards exactly as an instance that never saw the bad data", () => {
    const trace = parseTrace(generateTrace(5, { timers: 3, ops: 150 }), "busy");
    const untouched = new Replayer(module, trace, "bigint").run(trace.ops);
    // More operations, from the time the busy part ended.
    const start = untouched.hpet.now;
    const rest = parseTrace(generateTrace(6, { timers: 3, ops: 200 }), "rest").ops
      .map((op) => (op.kind === "advance" ? { ...op, timeNs: op.timeNs + start } : op));
    const other = busyInstance(9, 8).hpet.snapshot();
    const bad = [good.subarray(0, 60), sealed(good.slice().fill(0x55, 100, 104)), other, new Uint8Array(good.length + 1)];
    for (const bytes of bad) assert.throws(() => hpet.restore(bytes), HpetError);
    assert.equal(runner.run(rest).output(), untouched.run(rest).output());
  });
});

// --- Forged snapshots with a valid CRC ------------------------------------------------------------

describe("forged snapshots with a valid CRC", () => {
  it("are refused without change or, if accepted, run without a trap and round-trip", () => {
    const rng = new Random(31337);
    const hostile = (): bigint => rng.pick([0n, 1n, 2n, 3n, 0xffff_ffffn, 1n << 32n, (1n << 63n) - 1n, 1n << 63n, NOT_ARMED, rng.next64()]);
    let accepted = 0;
    for (let round = 0; round < 400; round++) {
      const timers = rng.pick([3, 32]);
      const target = rawInstance(timers, 1, -1, rng.pick([1, 10, 100]));
      const x = target.x;
      x.write(0x100, 8, 0x4en);
      x.write(0x108, 8, 5n);
      x.write(0x108, 8, 1n);
      x.write(0x010, 8, 1n);
      x.advance(BigInt(rng.below(100_000)));
      const bytes = target.snapshot();
      const view = new DataView(bytes.buffer);
      for (let edits = 1 + rng.below(3); edits > 0; edits--) {
        // Any 8-byte-aligned word of the state: Block or Timer fields.
        const word = HEADER_SIZE + 8 * rng.below((BLOCK_SIZE + timers * TIMER_SIZE) / 8);
        view.setBigUint64(word, hostile(), true);
      }
      const before = target.snapshot();
      const status = target.restore(sealed(bytes));
      if (status !== 0) {
        assert.equal(status, Status.SNAPSHOT_STATE, `round ${round}`);
        assert.ok(sameBytes(target.snapshot(), before), `round ${round}: refused, yet changed`);
        continue;
      }
      accepted++;
      // Bounded calls only: each advance() runs at most one expiry budget.
      const now = x.now();
      for (const step of [0n, 1n, 1000n, 1n << 40n, 1n << 62n]) {
        const time = now + step > (1n << 63n) - 1n ? (1n << 63n) - 1n : now + step;
        x.advance(time);
        target.drain([]);
        for (let offset = 0; offset < x.window_size(); offset += 8) x.read(offset, 8);
      }
      const after = target.snapshot();
      const fresh = rawInstance(timers, 1, -1, new SnapshotView(after).header(Header.PERIOD_NS));
      assert.equal(fresh.restore(after), 0, `round ${round}: the module refused its own snapshot`);
    }
    assert.ok(accepted > 50, `${accepted} forged states accepted`);
  });
});

// --- A snapshot taken inside an event callback ----------------------------------------------------

describe("a snapshot taken from an event callback", () => {
  // Regression: a snapshot taken in an event callback once included the events the host had
  // already delivered (the one being delivered among them), so a restore delivered them again.
  it("holds only the events not yet delivered", async () => {
    let snapshot: Uint8Array | undefined;
    let armed = false;
    const source: Hpet<"bigint"> = await Hpet.create({
      module, time: "bigint",
      onPitEnable: () => {
        if (armed) snapshot ??= source.snapshot();
      },
    });
    armed = true;
    source.setLegacyInput("pit", 1);
    source.setLegacyInput("rtc", 1);
    source.advance(500n);
    source.write64(0x010, 2n); // LEGACY: PIT-enable falls, then lines 0 and 8 fall
    assert.ok(snapshot !== undefined);
    const seen: string[] = [];
    const restored = await Hpet.create({
      module, time: "bigint",
      onIrq: (line, level, t) => seen.push(`I ${t} ${line} ${level}`),
      onPitEnable: (level, t) => seen.push(`P ${t} ${level}`),
    });
    seen.length = 0;
    restored.restore(snapshot);
    assert.deepEqual(seen, ["I 500 0 0", "I 500 8 0"]);
  });
});
