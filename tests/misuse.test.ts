// Host misuse and guest errors. A bad host call (time going backwards, NaN or fractional time,
// an offset outside the window, a size other than 1/2/4/8, a value that does not fit, a bad
// legacy input, a call on a disposed instance) gets a typed HpetError in TypeScript and an
// error code from the raw ABI, and changes nothing. Guest errors (1- and 2-byte accesses,
// misaligned accesses) are counted and ignored. Nothing traps.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ADVANCE_INCOMPLETE, type HpetExports, hpetExports, Status } from "../hosts/ts/abi.ts";
import { HpetError, type HpetErrorCode } from "../hosts/ts/errors.ts";
import { Hpet } from "../hosts/ts/hpet.ts";
import { compileModule } from "../hosts/ts/module.ts";
import type { TimeKind } from "../hosts/ts/time.ts";
import { sameBytes } from "./fuzz/snapshot-layout.ts";

const module = await compileModule();

/** `call` throws an HpetError with `code` and a message matching `message`, and changes nothing. */
function refused<K extends TimeKind>(hpet: Hpet<K>, call: () => unknown, code: HpetErrorCode, message: RegExp): void {
  const before = hpet.snapshot();
  assert.throws(call, (error: unknown) => {
    assert.ok(error instanceof HpetError, `not an HpetError: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
  assert.ok(sameBytes(hpet.snapshot(), before), `a refused call (${code}) changed the state`);
}

/** An instance at 100 ns with the counter running and timer 0 armed; its events are recorded. */
async function busy<K extends TimeKind>(time: K): Promise<{ hpet: Hpet<K>; events: string[] }> {
  const events: string[] = [];
  const hpet = await Hpet.create<K>({
    module, time,
    onIrq: (line, level, t) => events.push(`I ${t} ${line} ${level}`),
    onPitEnable: (level, t) => events.push(`P ${t} ${level}`),
  });
  hpet.advance((time === "bigint" ? 100n : 100) as never);
  hpet.write64(0x010, 1n);
  hpet.write64(0x100, 0x4n | (2n << 9n)); // timer 0: edge, enabled, route 2
  hpet.write64(0x108, 500n); //             fires at 100 + 500 * 10 ns
  events.length = 0;
  return { hpet, events };
}

/** The instance still works: timer 1 fires exactly when programmed. */
function stillWorks<K extends TimeKind>(hpet: Hpet<K>, events: string[], time: K): void {
  const at = (ns: number): never => (time === "bigint" ? BigInt(ns) : ns) as never;
  events.length = 0;
  hpet.write64(0x120, 0x4n | (5n << 9n));
  hpet.write64(0x128, BigInt.asUintN(64, hpet.read64(0x0f0) + 30n)); // 300 ns from now
  const now = Number(hpet.now);
  hpet.advance(at(now + 299));
  assert.deepEqual(events, []);
  hpet.advance(at(now + 10_000));
  assert.deepEqual(events, [`I ${now + 300} 5 1`, `I ${now + 300} 5 0`, "I 5100 2 1", "I 5100 2 0"]);
}

for (const time of ["number", "bigint"] as const) {
  const t = (ns: number): never => (time === "bigint" ? BigInt(ns) : ns) as never;

  describe(`host misuse (Hpet, ${time} time): a typed error, no change, still usable`, () => {
    it("refuses time going backwards, and times that are not whole ns in [0, 2^63)", async () => {
      const { hpet, events } = await busy(time);
      hpet.advance(t(200));
      refused(hpet, () => hpet.advance(t(150)), "time-backwards", /time 150 ns is before the device's time 200 ns/);
      const bad: unknown[] = time === "number" ? [NaN, -1, 250.5, Infinity, -Infinity, 2 ** 63, 2 ** 64] : [-1n, 1n << 63n, 1n << 64n];
      for (const value of bad) {
        refused(hpet, () => hpet.advance(value as never), "bad-time", /is not a whole number of ns in \[0, 2\^63\)/);
      }
      stillWorks(hpet, events, time);
    });

    // Regression: with number time, a bigint time once got a TypeError from the module call,
    // not an HpetError.
    it("refuses a time of the other kind (a JavaScript caller's mistake)", async () => {
      const { hpet } = await busy(time);
      const other = time === "number" ? 250n : 250;
      refused(hpet, () => hpet.advance(other as never), "bad-time", /is not a whole number of ns/);
    });

    it("refuses offsets outside the register window or not integers", async () => {
      const { hpet, events } = await busy(time);
      for (const offset of [-1, -8, 0x400, 0x404, 0x500, 1.5, NaN, 2 ** 32, Infinity]) {
        const named = new RegExp(`offset ${String(offset).replace(/[.+]/g, "\\$&")} is outside the 0x400-byte register window`);
        refused(hpet, () => hpet.read(offset), "bad-offset", named);
        refused(hpet, () => hpet.read(offset, 1), "bad-offset", named);
        refused(hpet, () => hpet.read64(offset), "bad-offset", named);
        refused(hpet, () => hpet.write(offset, 1), "bad-offset", named);
        refused(hpet, () => hpet.write64(offset, 1n), "bad-offset", named);
      }
      stillWorks(hpet, events, time);
    });

    it("reaches timers 24..31 in the 0x500-byte window of 25 or more timers, and nothing past it", async () => {
      const hpet = await Hpet.create({ module, time, timers: 25 });
      assert.equal(hpet.windowSize, 0x500);
      hpet.write64(0x100 + 0x20 * 24 + 0x10, 0x1234n);
      assert.equal(hpet.read64(0x100 + 0x20 * 24 + 0x10), 0x1234n);
      refused(hpet, () => hpet.read(0x500), "bad-offset", /0x500-byte register window/);
    });

    it("refuses access sizes other than 1, 2, 4 and 8", async () => {
      const { hpet, events } = await busy(time);
      for (const size of [0, 3, 5, 16, -1, 4.5]) {
        refused(hpet, () => hpet.read(0x10, size as 4), "bad-size", new RegExp(`read size ${size} is not 1, 2, 4 or 8`));
        refused(hpet, () => hpet.write(0x10, 1, size as 4), "bad-size", new RegExp(`write size ${size} is not 1, 2, 4 or 8`));
      }
      refused(hpet, () => hpet.read(0x10, 8 as 4), "bad-size", /8-byte reads take bigints: use read64/);
      refused(hpet, () => hpet.write(0x10, 1, 8 as 4), "bad-size", /8-byte writes take bigints: use write64/);
      stillWorks(hpet, events, time);
    });

    it("refuses values that do not fit the access", async () => {
      const { hpet, events } = await busy(time);
      for (const value of [2 ** 32, -(2 ** 31) - 1, 1.5, NaN, Infinity]) {
        refused(hpet, () => hpet.write(0x108, value), "bad-value", new RegExp(`value ${value} does not fit 4 bytes`));
      }
      for (const value of [1n << 64n, -(1n << 63n) - 1n, 5, "5"]) {
        refused(hpet, () => hpet.write64(0x108, value as bigint), "bad-value", /does not fit 8 bytes/);
      }
      stillWorks(hpet, events, time);
    });

    it("refuses legacy inputs other than pit and rtc, and levels other than 0 and 1", async () => {
      const { hpet, events } = await busy(time);
      const bad: [unknown, unknown][] = [["foo", 1], ["PIT", 0], [0, 1], ["pit", 2], ["rtc", -1], ["rtc", "1"], ["pit", 0.5]];
      for (const [input, level] of bad) {
        refused(hpet, () => hpet.setLegacyInput(input as "pit", level as 0), "bad-input", /input is "pit" or "rtc", level 0 or 1/);
      }
      stillWorks(hpet, events, time);
    });

    // Regression: writeHalves once coerced its halves (NaN -> 0, 1.5 -> 1, 2^32 + 5 -> 5)
    // where write() refuses the same values.
    it("refuses 32-bit halves that are not 32-bit integers", async () => {
      const { hpet } = await busy(time);
      for (const [low, high] of [[2 ** 32 + 5, 0], [NaN, 0], [1.5, 0], [0, -(2 ** 31) - 1], [0, Infinity]]) {
        refused(hpet, () => hpet.writeHalves(0x108, low!, high!), "bad-value", /does not fit/);
      }
    });

    it("refuses advance from an event callback of an advance, also after a write from it", async () => {
      const { hpet, events } = await busy(time);
      const errors: string[] = [];
      hpet.onIrq = (line, level, at) => {
        events.push(`I ${at} ${line} ${level}`);
        if (level === 0) return;
        // A write from the callback: the device takes it at its own time, 5100 ns.
        hpet.write(0x128, 0x4 | (5 << 9));
        for (const to of [5101, 5200]) {
          try {
            hpet.advance(t(to));
            errors.push(`advanced to ${to}`);
          } catch (error) {
            errors.push(`${(error as HpetError).code}: ${(error as Error).message}`);
          }
        }
      };
      hpet.advance(t(6000));
      const message = "reentrant: advance() called from an event callback of an advance";
      assert.deepEqual(errors, [message, message]);
      assert.deepEqual(events, ["I 5100 2 1", "I 5100 2 0"]);
      assert.equal(hpet.now, t(6000));
      hpet.advance(t(7000)); // outside a callback, advancing works again
      assert.equal(hpet.now, t(7000));
    });
  });

  describe(`guest errors (Hpet, ${time} time): counted and ignored`, () => {
    it("1- and 2-byte accesses read 0, writes are dropped, each counted", async () => {
      const { hpet, events } = await busy(time);
      hpet.write64(0x130, 0x1111_2222_3333_4444n);
      const before = hpet.read64(0x130);
      assert.equal(hpet.read(0x000, 1), 0);
      assert.equal(hpet.read(0x130, 2), 0);
      hpet.write(0x130, 0xff, 1);
      hpet.write(0x134, 0xffff, 2);
      hpet.write(0x010, 0, 2); // would stop the counter
      assert.deepEqual(hpet.guestErrors(), { size: 5, alignment: 0 });
      assert.equal(hpet.read64(0x130), before);
      assert.equal(hpet.read64(0x010), 1n);
      stillWorks(hpet, events, time);
    });

    it("misaligned 4- and 8-byte accesses read 0, writes are dropped, each counted", async () => {
      const { hpet, events } = await busy(time);
      assert.equal(hpet.read(0x002), 0);
      assert.equal(hpet.read(0x0f1), 0);
      assert.equal(hpet.read64(0x004), 0n);
      assert.equal(hpet.read64(0x10c), 0n);
      hpet.write(0x10a, 0xffff_ffff); //  into timer 0's comparator, if it were aligned
      hpet.write64(0x104, 0n); //         timer 0's config high half and comparator low half
      hpet.write64(0x014, 0n); //         general config high half and the reserved register
      assert.deepEqual(hpet.guestErrors(), { size: 0, alignment: 7 });
      assert.equal(hpet.read64(0x108), 500n);
      assert.equal(hpet.read64(0x100) & 0xffffn, 0x434n);
      stillWorks(hpet, events, time);
    });
  });

  describe(`a disposed instance (Hpet, ${time} time)`, () => {
    it("refuses every call with a disposed error", async () => {
      const { hpet } = await busy(time);
      hpet.dispose();
      const snapshot = (await Hpet.create({ module, time })).snapshot();
      const calls: [string, () => unknown][] = [
        ["read", () => hpet.read(0x0f0)], ["read of 1 byte", () => hpet.read(0x0f0, 1)], ["read64", () => hpet.read64(0x0f0)],
        ["write", () => hpet.write(0x108, 1)], ["write64", () => hpet.write64(0x108, 1n)],
        ["writeHalves", () => hpet.writeHalves(0x108, 1, 0)], ["guestErrors", () => hpet.guestErrors()],
        ["setLegacyInput", () => hpet.setLegacyInput("pit", 1)], ["reset", () => hpet.reset()],
        ["advance", () => hpet.advance(t(200))], ["advance (deferrable)", () => hpet.advance(t(150))],
        ["nextDeadline", () => hpet.nextDeadline()], ["snapshot", () => hpet.snapshot()],
        ["restore", () => hpet.restore(snapshot)], ["clone", () => hpet.clone()],
      ];
      for (const [name, call] of calls) {
        assert.throws(call, (error: unknown) => error instanceof HpetError && error.code === "disposed"
          && /has been disposed/.test(error.message), name);
      }
      hpet.dispose(); // a second dispose is harmless
    });

    // Regression: with number time `now` once returned the host's last time instead of
    // refusing.
    it("refuses now", async () => {
      const { hpet } = await busy(time);
      hpet.dispose();
      assert.throws(() => hpet.now, (error: unknown) => error instanceof HpetError && error.code === "disposed");
    });
  });
}

// --- The raw ABI ------------------------------------------------------------------------------------

/** A fresh instance through the raw exports, with the power-on event consumed. */
function raw(): HpetExports {
  const x = hpetExports(new WebAssembly.Instance(module, {}));
  x.events_consume(x.events_count());
  return x;
}

function state(x: HpetExports): Uint8Array {
  const length = x.snapshot();
  return new Uint8Array(x.memory.buffer, x.snapshot_buffer(), length).slice();
}

/** `call` returns `status` and leaves the state (queued events included) exactly as it was. */
function rawRefused(x: HpetExports, call: () => number | bigint, status: number | bigint, what: string): void {
  const before = state(x);
  assert.equal(call(), status, what);
  assert.ok(sameBytes(state(x), before), `${what}: the state changed`);
}

/** Enabled counter at 1000 ns, timer 0 due at 2000 ns. */
function rawBusy(): HpetExports {
  const x = raw();
  x.advance(1000n);
  x.write(0x010, 8, 1n);
  x.write(0x100, 8, 0x4n);
  x.write(0x108, 8, 100n);
  x.events_consume(-1);
  assert.equal(x.next_deadline(), 2000n);
  return x;
}

describe("host misuse (raw ABI): an error code, no change, no trap", () => {
  it("init with a bad configuration", () => {
    const x = rawBusy();
    const bad: [number, number, number, number][] = [
      [2, 0, 0, 10], [33, 0, 0, 10], [-1, 0, 0, 10], [3, 2, 0, 10], [3, -1, 0, 10], [3, 0, 0, 0], [3, 0, 0, 101], [3, 0, 0, -10],
    ];
    for (const config of bad) rawRefused(x, () => x.init(...config), Status.BAD_CONFIG, `init(${config})`);
  });

  it("reads and writes of bad sizes and offsets", () => {
    const x = rawBusy();
    for (const size of [0, 3, 5, 7, 16, -1, -0x8000_0000, 0x7fff_ffff]) {
      rawRefused(x, () => x.read(0x10, size), 0n, `read size ${size}`);
      assert.equal(x.read_status(), Status.BAD_SIZE);
      rawRefused(x, () => x.write(0x10, size, 0n), Status.BAD_SIZE, `write size ${size}`);
    }
    for (const offset of [0x400, 0x404, -1, -8, 0x7fff_fff8, -0x8000_0000]) {
      rawRefused(x, () => x.read(offset, 8), 0n, `read at ${offset}`);
      assert.equal(x.read_status(), Status.BAD_OFFSET);
      rawRefused(x, () => x.write(offset, 4, 1n), Status.BAD_OFFSET, `write at ${offset}`);
      rawRefused(x, () => x.read32(offset, -1), 0, `read32 at ${offset}`);
      assert.equal(x.read_status(), Status.BAD_OFFSET);
      rawRefused(x, () => x.write32(offset, 1, -1), Status.BAD_OFFSET, `write32 at ${offset}`);
    }
    assert.equal(x.read(0x0f0, 8), 0n); // enabled at 1000 ns, which it still is
    assert.equal(x.read_status(), 0);
  });

  // Regression: read32/write32 once moved the device to their time before they checked the
  // access, so a refused access (bad offset, full queue) still changed the time.
  it("read32 and write32 refused for their access do not move time", () => {
    const x = rawBusy();
    rawRefused(x, () => x.write32(0x400, 1, 1500), Status.BAD_OFFSET, "write32 outside the window at a later time");
    rawRefused(x, () => x.read32(0x400, 1500), 0, "read32 outside the window at a later time");
    assert.equal(x.read_status(), Status.BAD_OFFSET);
  });

  // Regression: 2^63 converts (saturating) to 2^63 - 1, which converts back to 2^63, so the
  // module once took 2^63 for a valid time: with no timer armed, the access moved the device
  // to 2^63 - 1 ns instead of refusing with BAD_TIME.
  it("read32 and write32 refuse 2^63 ns with nothing armed", () => {
    const x = raw();
    rawRefused(x, () => x.write32(0x108, 5, 2 ** 63), Status.BAD_TIME, "write32 at 2^63");
    rawRefused(x, () => x.read32(0x0f0, 2 ** 63), 0, "read32 at 2^63");
    assert.equal(x.read_status(), Status.BAD_TIME);
  });

  it("read32 and write32 with bad times", () => {
    const x = rawBusy();
    for (const time of [NaN, Infinity, 1000.5, 2 ** 63, 2 ** 64, 1e300]) {
      rawRefused(x, () => x.write32(0x108, 5, time), Status.BAD_TIME, `write32 at ${time}`);
      rawRefused(x, () => x.read32(0x0f0, time), 0, `read32 at ${time}`);
      assert.equal(x.read_status(), Status.BAD_TIME);
    }
    rawRefused(x, () => x.write32(0x108, 5, 999), Status.TIME_BACKWARDS, "write32 in the past");
    rawRefused(x, () => x.write32(0x108, 5, 2000), Status.EXPIRY_DUE, "write32 at the deadline");
    rawRefused(x, () => x.read32(0x0f0, 2500), 0, "read32 past the deadline");
    assert.equal(x.read_status(), Status.EXPIRY_DUE);
    // The device's own time and times before the deadline are fine.
    assert.equal(x.read32(0x0f0, 1000), 0);
    assert.equal(x.read32(0x0f0, 1999), 99);
    assert.equal(x.now(), 1999n);
  });

  it("advance and advance_f64 with bad times", () => {
    const x = rawBusy();
    for (const time of [-1n, -(1n << 63n), 1n << 63n, (1n << 64n) - 1n]) {
      rawRefused(x, () => x.advance(time), Status.BAD_TIME, `advance(${time})`);
    }
    rawRefused(x, () => x.advance(999n), Status.TIME_BACKWARDS, "advance(999)");
    for (const time of [NaN, Infinity, -Infinity, -1, -1e-300, 1500.5, 2 ** 63, 2 ** 64, 1e300]) {
      rawRefused(x, () => x.advance_f64(time), Status.BAD_TIME, `advance_f64(${time})`);
    }
    rawRefused(x, () => x.advance_f64(999), Status.TIME_BACKWARDS, "advance_f64(999)");
    assert.equal(x.advance_f64(1000), 0);
  });

  it("bad legacy inputs and guest error kinds", () => {
    const x = rawBusy();
    for (const [input, level] of [[2, 0], [-1, 0], [0, 2], [1, -1], [0x7fff_ffff, 1]] as const) {
      rawRefused(x, () => x.set_input(input, level), Status.BAD_INPUT, `set_input(${input}, ${level})`);
    }
    for (const kind of [2, -1, 0x7fff_ffff]) rawRefused(x, () => x.guest_errors(kind), -1, `guest_errors(${kind})`);
  });

  it("calls that would queue events while the queue is nearly full", () => {
    const x = rawBusy();
    const capacity = new Uint32Array(x.memory.buffer, x.events_ptr(), 2)[1]!;
    let level = 0;
    while (x.events_count() < capacity - 39) x.set_input(0, (level ^= 1));
    rawRefused(x, () => x.write(0x010, 8, 0n), Status.QUEUE_FULL, "write");
    rawRefused(x, () => x.write32(0x010, 0, -1), Status.QUEUE_FULL, "write32");
    rawRefused(x, () => x.reset(), Status.QUEUE_FULL, "reset");
    rawRefused(x, () => x.set_input(1, 1), Status.QUEUE_FULL, "set_input");
    // An expiry is due, but there is no room for its event: incomplete, and nothing changes.
    rawRefused(x, () => x.advance(5000n), ADVANCE_INCOMPLETE | x.events_count(), "advance");
    // Guest errors need no room: still counted.
    assert.equal(x.write(0x010, 1, 0n), x.events_count());
    assert.equal(x.guest_errors(0), 1);
    // Draining (a negative count means all) makes room again.
    x.events_consume(-1);
    assert.equal(x.events_count(), 0);
    assert.equal(x.advance(5000n), 1);
  });

  it("guest errors: counted, read 0, change nothing else", () => {
    const x = rawBusy();
    const before = state(x);
    assert.equal(x.read(0x010, 1), 0n);
    assert.equal(x.read_status(), 0);
    assert.equal(x.read(0x0f0, 2), 0n);
    assert.equal(x.write(0x010, 2, 0n), 0);
    assert.equal(x.read(0x012, 4), 0n);
    assert.equal(x.read(0x0f4, 8), 0n);
    assert.equal(x.write(0x104, 8, 0n), 0);
    assert.equal(x.read32(0x10a, -1), 0);
    assert.equal(x.write32(0x10a, -1, -1), 0);
    assert.equal(x.guest_errors(0), 3);
    assert.equal(x.guest_errors(1), 5);
    // Only the two counters (Block bytes 60..67 of the state, after the 48-byte header) differ.
    const after = state(x);
    const changed = [...after.keys()].filter((i) => after[i] !== before[i] && i < after.length - 4);
    assert.deepEqual(changed, [108, 112]);
  });
});
