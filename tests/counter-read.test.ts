// ABI version 2: the main counter read without a call into the module, from the parameters the
// module publishes in its host area, and the integer-time exports read32_i64, write32_i64 and
// set_time_i64. The TypeScript host's call-free reads are compared, at random times and in
// random states, with reads through the module of a second instance driven in lockstep.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ADVANCE_INCOMPLETE, HostArea, type HpetExports, hpetExports, Status } from "../hosts/ts/abi.ts";
import { Hpet } from "../hosts/ts/hpet.ts";
import { compileModule } from "../hosts/ts/module.ts";
import { ENABLE_CNF, GEN_CONF, MAIN_CNT, TN_INT_ENB_CNF, TN_TYPE_CNF, TN_VAL_SET_CNF, tnComparator, tnConf } from "./support/device.ts";

const module = (await compileModule()) as WebAssembly.Module;
const MAIN_CNT_HIGH = MAIN_CNT + 4;
const TWO_TO_53 = 2 ** 53;

/** A small deterministic generator (xorshift32), so that a failure repeats. */
class Rng {
  constructor(private state: number) {}
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

/** Raw exports of a fresh instance, configured, with its power-on event taken. */
function reference(periodNs: number): HpetExports {
  const x = hpetExports(new WebAssembly.Instance(module, {}));
  assert.ok(x.init(3, 0, 0x00ff0004, periodNs) >= 0);
  x.events_consume(1024);
  return x;
}

/** The device under test and its reference, moved by the same operations. */
class Lockstep {
  readonly hpet: Hpet;
  readonly ref: HpetExports;
  time = 0;
  constructor(readonly periodNs: number) {
    this.hpet = new Hpet(module, { clockPeriodNs: periodNs, onIrq: () => {} });
    this.ref = reference(periodNs);
  }

  advance(time: number): void {
    this.hpet.advance(time);
    const to = BigInt(time);
    let status: number;
    do {
      status = this.ref.advance(to);
      assert.ok(status >= 0, `reference advance to ${time}: ${status}`);
      this.ref.events_consume(1024);
    } while (status & ADVANCE_INCOMPLETE);
    this.time = time;
  }

  write(offset: number, value: number): void {
    this.hpet.write(offset, value);
    assert.ok(this.ref.write(offset, 4, BigInt(value)) >= 0);
    this.ref.events_consume(1024);
  }

  write64(offset: number, value: bigint): void {
    this.hpet.write64(offset, value);
    assert.ok(this.ref.write(offset, 8, BigInt.asIntN(64, value)) >= 0);
    this.ref.events_consume(1024);
  }

  restoreOwnSnapshot(): void {
    const bytes = this.hpet.snapshot();
    this.hpet.restore(bytes);
    new Uint8Array(this.ref.memory.buffer, this.ref.snapshot_buffer(), bytes.length).set(bytes);
    assert.equal(this.ref.restore(bytes.length), 0);
    this.ref.events_consume(1024);
  }

  reset(): void {
    this.hpet.reset();
    assert.ok(this.ref.reset() >= 0);
    this.ref.events_consume(1024);
  }

  /** Every way of reading the counter agrees with the module's 8-byte read. */
  check(what: string): void {
    const expected = BigInt.asUintN(64, this.ref.read(MAIN_CNT, 8));
    const context = `${what}: period ${this.periodNs} ns, time ${this.time}`;
    assert.equal(this.hpet.read(MAIN_CNT), Number(expected & 0xffff_ffffn), `low half, ${context}`);
    assert.equal(this.hpet.read(MAIN_CNT_HIGH), Number(expected >> 32n), `high half, ${context}`);
    assert.equal(this.hpet.read64(MAIN_CNT), expected, `8 bytes, ${context}`);
  }
}

/** Replaces the host's module calls with ones that throw, runs `body`, then puts them back. */
function withoutModuleCalls(hpet: Hpet, body: () => void): void {
  const fields = hpet as unknown as { exports: HpetExports; read32: HpetExports["read32"] };
  const { exports, read32 } = fields;
  const refuse = () => {
    throw new Error("the counter read called into the module");
  };
  fields.exports = new Proxy(exports, {
    get: (target, name) => (typeof target[name as keyof HpetExports] === "function" ? refuse : Reflect.get(target, name)),
  });
  fields.read32 = refuse;
  try {
    body();
  } finally {
    fields.exports = exports;
    fields.read32 = read32;
  }
}

describe("the call-free counter read", () => {
  it("makes no call into the module, running or halted, and is exact", () => {
    const s = new Lockstep(10);
    s.write(GEN_CONF, ENABLE_CNF);
    s.advance(123_456_789);
    withoutModuleCalls(s.hpet, () => {
      assert.equal(s.hpet.read(MAIN_CNT), 12_345_678);
      assert.equal(s.hpet.read(MAIN_CNT_HIGH), 0);
      assert.equal(s.hpet.read64(MAIN_CNT), 12_345_678n);
    });
    s.check("running");
    s.write(GEN_CONF, 0);
    s.advance(999_999_999);
    withoutModuleCalls(s.hpet, () => assert.equal(s.hpet.read(MAIN_CNT), 12_345_678));
    s.check("halted");
  });

  it("matches the module's read at random times and states, for clock periods 1, 3, 7, 10 and 100 ns", () => {
    for (const periodNs of [1, 3, 7, 10, 100]) {
      for (let seed = 1; seed <= 6; seed++) {
        const rng = new Rng(seed * 7919 + periodNs);
        const s = new Lockstep(periodNs);
        // Timer 0 periodic, so that some advances run expiries and others are deferred.
        s.write(tnConf(0), TN_INT_ENB_CNF | TN_TYPE_CNF | TN_VAL_SET_CNF | (2 << 9));
        s.write64(tnComparator(0), BigInt(1000 + rng.below(5000)));
        for (let step = 0; step < 300; step++) {
          const op = rng.below(100);
          if (op < 55) {
            s.advance(s.time + rng.below(op < 10 ? 10_000_000 : 3000));
          } else if (op < 65) {
            s.write(GEN_CONF, ENABLE_CNF); // no change while already running
          } else if (op < 73) {
            s.write(GEN_CONF, 0);
          } else if (op < 79) {
            s.write(MAIN_CNT + 4 * rng.below(2), rng.next()); // a half, taken only while halted
          } else if (op < 83) {
            s.write64(MAIN_CNT, (1n << 64n) - 1n - BigInt(rng.below(3000))); // close to 2^64
          } else if (op < 86) {
            s.write64(MAIN_CNT, 0xffff_ffffn - BigInt(rng.below(3000))); // close to 2^32
          } else if (op < 93) {
            s.restoreOwnSnapshot();
          } else if (op < 96) {
            s.reset();
          } else {
            s.check("before reading again");
          }
          s.check(`seed ${seed}, step ${step}, op ${op}`);
        }
      }
    }
  });

  it("wraps at 2^32 and at 2^64 exactly", () => {
    for (const periodNs of [1, 7, 10]) {
      const s = new Lockstep(periodNs);
      s.write64(MAIN_CNT, (1n << 64n) - 5n); // while halted
      s.check("halted near 2^64");
      s.advance(1000);
      s.write(GEN_CONF, ENABLE_CNF);
      for (let ticks = 0; ticks <= 10; ticks++) {
        s.advance(1000 + ticks * periodNs);
        s.check(`tick ${ticks} across 2^64`);
      }
      assert.equal(s.hpet.read64(MAIN_CNT), 5n, "5 ticks past the wrap");
      s.write(GEN_CONF, 0);
      s.write64(MAIN_CNT, 0xffff_fffen);
      s.write(GEN_CONF, ENABLE_CNF);
      s.advance(s.time + 3 * periodNs);
      assert.equal(s.hpet.read(MAIN_CNT), 1);
      assert.equal(s.hpet.read(MAIN_CNT_HIGH), 1);
      s.check("across 2^32");
      // Many wraps of the low half: ticks past 2^32 since the enable.
      s.advance(s.time + 5 * 2 ** 32 * periodNs + 12_345);
      s.check("five 32-bit wraps later");
    }
  });

  it("stays exact past 2^53 ns, where the host falls back to the module", () => {
    const s = new Lockstep(10);
    s.write(GEN_CONF, ENABLE_CNF);
    s.advance(TWO_TO_53 - 20);
    s.check("just below 2^53");
    s.advance(TWO_TO_53 + 2); // not deferred below 2^53, exact as a double
    s.check("just past 2^53");
    s.advance(2 ** 60);
    s.check("at 2^60");
    s.write(GEN_CONF, 0);
    s.write(GEN_CONF, ENABLE_CNF); // enabled at a time past 2^53
    s.advance(2 ** 60 + 2 ** 20);
    s.check("enabled past 2^53");
    s.write(GEN_CONF, 0);
    s.check("halted past 2^53");
  });

  it("reads through the module from an event callback, at the device's time", () => {
    const seen: [number, number][] = [];
    let hpet: Hpet | undefined;
    hpet = new Hpet(module, {
      clockPeriodNs: 3,
      onIrq: (_line, level, time) => {
        if (level === 1) seen.push([time, hpet!.read(MAIN_CNT)]);
      },
    });
    hpet.write(tnConf(0), TN_INT_ENB_CNF | TN_TYPE_CNF | TN_VAL_SET_CNF | (2 << 9));
    hpet.write64(tnComparator(0), 1000n);
    hpet.write64(tnComparator(0), 1000n);
    hpet.write(GEN_CONF, ENABLE_CNF);
    hpet.advance(10_000);
    // The events go out after the module ran the whole advance: the device is at 10 us.
    assert.deepEqual(seen, [[3000, 3333], [6000, 3333], [9000, 3333]]);
  });
});

describe("the published counter parameters", () => {
  it("are what the formula needs, under an even sequence number that moves at every change", () => {
    const x = reference(7);
    const area = x.events_ptr();
    const view = new DataView(x.memory.buffer, area, 64);
    const sequence = () => view.getUint32(HostArea.COUNTER_SEQUENCE, true);
    const fields = () => [
      view.getUint32(HostArea.COUNTER_RUNNING, true),
      view.getBigUint64(HostArea.COUNTER_BASE, true),
      view.getUint32(HostArea.COUNTER_PERIOD, true),
    ];
    let last = sequence();
    const changed = (what: string) => {
      const now = sequence();
      assert.equal(now % 2, 0, `${what}: even`);
      assert.ok(now > last, `${what}: the sequence moved`);
      last = now;
    };
    assert.deepEqual(fields(), [0, 0n, 7]);
    x.write(MAIN_CNT, 8, 0x1234_5678_9abc_def0n);
    changed("MAIN_CNT written while halted");
    assert.deepEqual(fields(), [0, 0x1234_5678_9abc_def0n, 7]);
    assert.equal(x.advance(7000n), 0);
    assert.equal(sequence(), last, "an advance changes no parameter");
    x.write32(GEN_CONF, ENABLE_CNF, -1);
    changed("enable");
    assert.deepEqual(fields(), [1, 0x1234_5678_9abc_def0n, 7]);
    assert.equal(view.getBigUint64(HostArea.COUNTER_ENABLE_TIME, true), 7000n);
    x.write(MAIN_CNT, 8, 5n);
    assert.equal(sequence(), last, "a MAIN_CNT write while running is ignored, and so publishes nothing");
    x.advance(7700n);
    x.write32(GEN_CONF, 0, -1);
    changed("disable");
    assert.deepEqual(fields(), [0, 0x1234_5678_9abc_def0n + 100n, 7]);
    x.reset();
    changed("reset");
    assert.deepEqual(fields(), [0, 0n, 7]);
    x.write32(GEN_CONF, ENABLE_CNF, -1);
    changed("enable");
    const length = x.snapshot();
    x.write32(GEN_CONF, 0, -1);
    changed("disable");
    assert.equal(x.restore(length), 0);
    changed("restore");
    assert.deepEqual(fields(), [1, 0n, 7]);
    assert.equal(view.getBigUint64(HostArea.COUNTER_ENABLE_TIME, true), 7700n);
  });

  it("give the earliest deadline exactly, all ones when none is armed", () => {
    const x = reference(10);
    const view = new DataView(x.memory.buffer, x.events_ptr(), 64);
    const deadline = () => view.getBigUint64(HostArea.EARLIEST_DEADLINE, true);
    assert.equal(deadline(), 0xffff_ffff_ffff_ffffn);
    x.write(tnComparator(0), 8, 0x20_0000_0000_0001n); // 2^53 + 1 ticks: past what a double holds
    x.write32(tnConf(0), TN_INT_ENB_CNF, -1);
    x.write32(GEN_CONF, ENABLE_CNF, -1);
    assert.equal(deadline(), 0x20_0000_0000_0001n * 10n);
    assert.equal(x.next_deadline(), 0x20_0000_0000_0001n * 10n);
    x.write32(GEN_CONF, 0, -1);
    assert.equal(deadline(), 0xffff_ffff_ffff_ffffn);
  });
});

describe("the integer-time exports", () => {
  /** Two instances with timer 0 armed at 1000 ns, the clock running, the device at 500 ns. */
  function pair(): [HpetExports, HpetExports] {
    const make = () => {
      const x = reference(10);
      x.write(tnComparator(0), 8, 100n);
      x.write32(tnConf(0), TN_INT_ENB_CNF, -1);
      x.write32(GEN_CONF, ENABLE_CNF, -1);
      assert.equal(x.advance(500n), 0);
      return x;
    };
    return [make(), make()];
  }
  const same = (a: HpetExports, b: HpetExports, what: string) => {
    assert.equal(a.now(), b.now(), `${what}: time`);
    assert.equal(a.read(MAIN_CNT, 8), b.read(MAIN_CNT, 8), `${what}: counter`);
    assert.equal(a.events_count(), b.events_count(), `${what}: events`);
    assert.equal(a.next_deadline(), b.next_deadline(), `${what}: deadline`);
  };

  it("give the results and error codes of the double-time ones", () => {
    const times = [-1, 499, 500, 501, 999, 1000, 1001];
    for (const time of times) {
      let [f, i] = pair();
      assert.equal(i.read32_i64(MAIN_CNT, BigInt(time)), f.read32(MAIN_CNT, time), `read32 at ${time}`);
      assert.equal(i.read_status(), f.read_status(), `read status at ${time}`);
      same(f, i, `read32 at ${time}`);
      assert.equal(i.read32_i64(0x100, BigInt(time)), f.read32(0x100, time), `read32 of a timer at ${time}`);
      assert.equal(i.read_status(), f.read_status());
      [f, i] = pair();
      assert.equal(i.write32_i64(tnComparator(0), 300, BigInt(time)), f.write32(tnComparator(0), 300, time), `write32 at ${time}`);
      same(f, i, `write32 at ${time}`);
      [f, i] = pair();
      assert.equal(i.set_time_i64(BigInt(time)), f.set_time(time), `set_time at ${time}`);
      same(f, i, `set_time at ${time}`);
    }
    const [f, i] = pair();
    assert.equal(i.read32_i64(0x400, -1n), 0);
    assert.equal(i.read_status(), Status.BAD_OFFSET);
    assert.equal(f.read32(0x400, -1), 0);
    assert.equal(f.read_status(), Status.BAD_OFFSET);
    assert.equal(i.write32_i64(0x400, 1, -1n), Status.BAD_OFFSET);
    assert.equal(i.set_time_i64(400n), Status.TIME_BACKWARDS);
    assert.equal(i.set_time_i64(1000n), Status.EXPIRY_DUE);
    assert.equal(i.set_time_i64(500n), 0, "the device's own time");
    assert.equal(i.set_time_i64(-5n), 0, "a negative time: the device's own time");
    same(f, i, "after refused calls");
  });

  it("carry times above 2^53 that a double cannot", () => {
    const x = reference(1);
    x.write32(GEN_CONF, ENABLE_CNF, -1);
    const start = (1n << 60n) + 1n; // not a double
    assert.equal(x.set_time_i64(start), 0);
    assert.equal(x.now(), start);
    assert.equal(x.read(MAIN_CNT, 8), start, "1 ns per tick from 0");
    assert.equal(x.read32_i64(MAIN_CNT, start + 2n), Number(BigInt.asIntN(32, (start + 2n) & 0xffff_ffffn)));
    assert.equal(x.now(), start + 2n);
    assert.equal(x.set_time(Number(start + 4n)), Status.TIME_BACKWARDS, "the nearest double, 2^60, is in the past");
    // Timer 0 one-shot at counter 2^60 + 10: accesses before it are accepted, at it refused.
    assert.ok(x.write32_i64(tnConf(0), TN_INT_ENB_CNF, -1n) >= 0);
    assert.ok(x.write(tnComparator(0), 8, (1n << 60n) + 10n) >= 0);
    assert.equal(x.next_deadline(), (1n << 60n) + 10n);
    assert.equal(x.write32_i64(tnConf(0) + 4, 0, (1n << 60n) + 9n), 0, "before the deadline");
    assert.equal(x.now(), (1n << 60n) + 9n);
    assert.equal(x.read32_i64(MAIN_CNT, (1n << 60n) + 10n), 0);
    assert.equal(x.read_status(), Status.EXPIRY_DUE);
    assert.equal(x.set_time_i64((1n << 63n) - 1n), Status.EXPIRY_DUE);
    assert.equal(x.now(), (1n << 60n) + 9n, "refused calls leave the time");
  });
});
