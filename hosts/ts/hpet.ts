// The host shim: one HPET instance in one instance of hpet.wasm. Guest accesses go in through
// read/write, time through advance, and interrupts, PIT-enable changes and MSI writes come out
// through callbacks, in order, each with its exact time.

import {
  ADVANCE_INCOMPLETE, EVENT_SIZE, EventKind, GuestError, HostArea, type HpetExports, hpetExports,
  Input, QUEUE_HEADER_SIZE, SNAPSHOT_VERSION, SnapshotHeader, Status,
} from "./abi.ts";
import { HpetError, statusError } from "./errors.ts";
import { compileModule, type ModuleSource } from "./module.ts";
import { type TimeCodec, timeCodec, type TimeKind, type TimeOf } from "./time.ts";
import { wasm, type WasmModule } from "./wasm.ts";

export interface HpetConfig {
  /** Number of comparators, 3..32 (default 3). */
  timers?: number;
  /** Advertise FSB (MSI) delivery in every timer (default false). */
  msi?: boolean;
  /** Route capability mask shown in bits 63:32 of every timer's config (default 0x00ff0004). */
  intcap?: number;
  /** Main counter period in whole ns, 1..100 (default 10: 100 MHz). */
  clockPeriodNs?: number;
}

export type Level = 0 | 1;

export interface HpetCallbacks<T> {
  /** A route line (0..31) changed level. An edge interrupt is a rise and a fall at one time. */
  onIrq?: ((line: number, level: Level, timeNs: T) => void) | undefined;
  /** The PIT-enable output changed level (low while legacy replacement is on). */
  onPitEnable?: ((level: Level, timeNs: T) => void) | undefined;
  /** A 32-bit FSB (MSI) write of `data` to `address`. */
  onMsi?: ((address: number, data: number, timeNs: T) => void) | undefined;
}

export interface HpetOptions<K extends TimeKind = "number"> extends HpetConfig, HpetCallbacks<TimeOf<K>> {
  /** "number" (default): times are numbers of ns; "bigint": exact bigints. */
  time?: K;
}

export type LegacyInput = "pit" | "rtc";

export interface GuestErrors {
  /** 1- and 2-byte accesses, ignored. */
  size: number;
  /** 4-byte accesses not 4-aligned and 8-byte accesses not 8-aligned, ignored. */
  alignment: number;
}

const WORDS_PER_EVENT = EVENT_SIZE / 4;
// The ABI numbers of the hot paths, as module constants: V8 folds those where an imported
// binding, which is live, is loaded and checked at every use.
const { LINE, PULSE, MSI } = EventKind;
const INCOMPLETE = ADVANCE_INCOMPLETE;
// The host's own numbers, as a const enum, which TypeScript writes in as literals: V8 inlines
// the hot paths by their bytecode size, and a literal takes less of it than a module constant.
const enum Num {
  MAIN_CNT = 0xf0,
  MAIN_CNT_HIGH = 0xf4,
  /**
   * Delivered events stay in the module's queue until this many are queued: taking them costs a
   * call, which most advances then save. It leaves room for the events of any call (at most 40)
   * and for most of a full advance.
   */
  CONSUME_AT = 512,
  /** Number.MAX_SAFE_INTEGER, 2^53 - 1. */
  MAX_SAFE = 0x1f_ffff_ffff_ffff,
  TWO_TO_32 = 0x1_0000_0000,
}
// The counter's published parameters, in 32-bit words from COUNTER_RUNNING. (A host on the
// module's thread reads them between calls, when they are always stable: the sequence number
// only tells it when they changed.)
const SEQUENCE = -1;
const RUNNING = 0;
const BASE_LOW = 1;
const BASE_HIGH = 2;
const ENABLE_LOW = 3;
const ENABLE_HIGH = 4;
const PERIOD = 5;
/** Enable times below 2^53 ns have a high word below this. */
const EXACT_HIGH_WORD = 0x20_0000;
const MIN_I64 = -(1n << 63n);
const TWO_TO_64 = 1n << 64n;

export class Hpet<K extends TimeKind = "number"> implements HpetCallbacks<TimeOf<K>> {
  /** Compiles (or takes from the cache) `module`, default the packaged hpet.wasm, and creates an instance. */
  static async create<K extends TimeKind = "number">(
    options: HpetOptions<K> & { module?: ModuleSource } = {},
  ): Promise<Hpet<K>> {
    return new Hpet(await compileModule(options.module), options);
  }

  // The fields the constructor sets are only declared, so that TypeScript emits no definition
  // (of undefined) for the constructor to overwrite: V8 takes a field written once for a
  // constant, and folds it where the instance is known (as in a caller's loop).
  declare onIrq: HpetCallbacks<TimeOf<K>>["onIrq"];
  declare onPitEnable: HpetCallbacks<TimeOf<K>>["onPitEnable"];
  declare onMsi: HpetCallbacks<TimeOf<K>>["onMsi"];
  /** The configuration this instance was created with. */
  declare readonly config: Readonly<Required<HpetConfig>>;
  /** Size of the register window in bytes: 0x400, or 0x500 for more than 24 timers. */
  declare readonly windowSize: number;

  declare private exports: HpetExports;
  // The hot exports, held directly: a field load is cheaper than a lookup on the exports object.
  declare private read32: HpetExports["read32"];
  declare private write32: HpetExports["write32"];
  declare private advanceF64: HpetExports["advance_f64"];
  declare private readonly module: WasmModule;
  declare private readonly timeKind: K;
  /** timeKind is "number", as a boolean: less bytecode to test (see Num). The hot paths test it
   * with `=== true` (see advancing). */
  declare private readonly numberTime: boolean;
  declare private readonly time: TimeCodec<TimeOf<K>>;
  declare private words: Uint32Array;
  declare private doubles: Float64Array;
  declare private readonly countWord: number;
  declare private readonly counterWord: number;
  declare private readonly sequenceWord: number;
  // MAIN_CNT's published parameters, taken again whenever their sequence number changes: at
  // a host time t from counterFrom on (and exact in doubles), the counter is
  // counterBase + floor((t - counterFrom) / counterPeriod), in 32-bit halves. A halted
  // counter has counterFrom 0 and counterPeriod Infinity (no ticks); counterFrom is Infinity
  // where doubles are not exact (an enable time past 2^53 ns), so that the module reads it.
  // Non-integral initial values, so that V8 stores the fields unboxed (see accessTime), but
  // the low half of the base as an int32, its bits: V8 then adds it to the ticks as integers.
  private counterSequence = 0.5;
  private counterFrom = 0.5;
  private counterPeriod = 0.5;
  private counterBaseLow = 0;
  private counterBaseHigh = 0.5;
  declare private readonly firstRecordWord: number;
  declare private readonly deferLimitDouble: number;
  /** Events delivered but not yet consumed from the module's queue. */
  private delivered = 0;
  // Deferred time (number time only, and not while an advance runs: its callbacks may not
  // defer one). An advance to a time from the host's time up to (not including) the module's
  // defer limit cannot expire anything, so it only records the time; the next 32-bit access
  // carries it into the device (one call, not two) and any other call first commits it.
  /** The time 32-bit accesses carry: the host's time, or -1 for "the device's time". It starts
   * as a non-integral double so that V8 stores it unboxed from the first (a field that starts
   * as undefined or a small integer gets a representation that boxes every later double). */
  private accessTime = 0.5;
  /** An advance is running (its events are being delivered). The hot paths test it with
   * `=== true`, one comparison: V8 tests a boolean field by itself against every falsy value. */
  private advancing = false;
  // The time of the advance being delivered, kept here rather than passed on: V8 boxes a double
  // above 2^31 that it passes to a call it does not inline. In number time also the host's time
  // once the events are delivered; in bigint time that stays -1 (see accessTime).
  private advanceTime = 0.5;
  private advanceTimeBigint = 0n;

  /** Creates the instance and delivers its power-on events (PIT-enable rises at time 0). */
  constructor(module: WasmModule, options: HpetOptions<K> = {}) {
    let exports: HpetExports;
    try {
      exports = hpetExports(new wasm.Instance(module, {}));
    } catch (error) {
      throw new HpetError("bad-module", `not a usable hpet.wasm: ${(error as Error).message}`);
    }
    this.exports = exports;
    this.read32 = exports.read32;
    this.write32 = exports.write32;
    this.advanceF64 = exports.advance_f64;
    this.module = module;
    this.timeKind = (options.time ?? "number") as K;
    this.time = timeCodec(this.timeKind);
    this.numberTime = this.timeKind === "number";
    this.accessTime = this.numberTime ? 0 : -1;
    this.config = {
      timers: options.timers ?? 3,
      msi: options.msi ?? false,
      intcap: options.intcap ?? 0x00ff0004,
      clockPeriodNs: options.clockPeriodNs ?? 10,
    };
    this.onIrq = options.onIrq;
    this.onPitEnable = options.onPitEnable;
    this.onMsi = options.onMsi;
    const { timers, msi, intcap, clockPeriodNs } = this.config;
    const valid = Number.isInteger(timers) && Number.isInteger(clockPeriodNs)
      && Number.isInteger(intcap) && intcap >= -0x8000_0000 && intcap < Num.TWO_TO_32
      && exports.init(timers, msi ? 1 : 0, intcap | 0, clockPeriodNs) >= 0;
    if (!valid) {
      throw new HpetError("bad-config", `configuration rejected: timers ${timers} (3..32), `
        + `clock period ${clockPeriodNs} ns (1..100), intcap ${intcap} (32 bits)`);
    }
    this.windowSize = exports.window_size();
    this.words = new Uint32Array(exports.memory.buffer);
    this.doubles = new Float64Array(exports.memory.buffer);
    const hostArea = exports.events_ptr();
    this.countWord = hostArea >>> 2;
    this.counterWord = (hostArea + HostArea.COUNTER_RUNNING) >>> 2;
    this.sequenceWord = this.counterWord + SEQUENCE;
    this.firstRecordWord = (hostArea + QUEUE_HEADER_SIZE) >>> 2;
    this.deferLimitDouble = (hostArea + HostArea.DEFER_LIMIT) >>> 3;
    this.refreshPublished();
    this.deliver();
  }

  // --- Guest register access --------------------------------------------------------------------

  /** A guest read of 1, 2 or 4 bytes (1- and 2-byte reads are guest errors and read 0). */
  read(offset: number, size: 1 | 2 | 4 = 4): number {
    // The guest's most frequent access, the counter's low half, computed here from the
    // published parameters (see counterHalf), and kept small so that V8 inlines it into the
    // caller: a call would return the number, up to 2^32, boxed. `>>> 0` truncates, which for
    // the quotient of two whole numbers, never negative here, is the floor.
    if (offset === Num.MAIN_CNT && size === 4) {
      const time = this.accessTime;
      if (time >= this.counterFrom && time <= Num.MAX_SAFE) {
        return (((time - this.counterFrom) / this.counterPeriod >>> 0) + this.counterBaseLow) >>> 0;
      }
    }
    return this.readOther(offset, size);
  }

  private readOther(offset: number, size: number): number {
    if (offset === Num.MAIN_CNT_HIGH && size === 4) {
      const high = this.counterHalf(true);
      if (high >= 0) return high;
    }
    if (size === 4 && offset >>> 0 === offset) {
      const value = this.read32(offset, this.accessTime);
      // The module refuses a read (an offset past the window), leaving its time as it was, by
      // reading 0: only then is there a status to look at.
      const status = value === 0 ? this.exports.read_status() : 0;
      if (status === 0) return value >>> 0;
      this.checkOffset(offset);
      throw statusError(status, `read at 0x${offset.toString(16)} refused`);
    }
    this.checkOffset(offset);
    this.checkSize(size, "read");
    this.commitTime();
    return Number(this.exports.read(offset, size));
  }

  /** A guest read of 8 bytes. */
  read64(offset: number): bigint {
    if (offset === Num.MAIN_CNT) {
      const low = this.counterHalf(false);
      if (low >= 0) return (BigInt(this.counterHalf(true)) << 32n) | BigInt(low);
    }
    this.checkOffset(offset);
    this.commitTime();
    return BigInt.asUintN(64, this.exports.read(offset, 8));
  }

  /** A guest write of 1, 2 or 4 bytes; `value` is an integer in [-2^31, 2^32). */
  write(offset: number, value: number, size: 1 | 2 | 4 = 4): void {
    // The common case, kept small so that V8 inlines it into the caller: a 4-byte write of a
    // valid value at a whole offset, which the module checks against the window. A refused
    // call changes nothing, so the checked path below may make it again and explain the error.
    if (size === 4 && offset >>> 0 === offset && ((value | 0) === value || value >>> 0 === value)) {
      const status = this.write32(offset, value | 0, this.accessTime);
      if (status >= 0) {
        this.refreshPublished();
        if (status > this.delivered) this.deliver();
        return;
      }
    }
    this.writeChecked(offset, value, size);
  }

  private writeChecked(offset: number, value: number, size: number): void {
    this.checkOffset(offset);
    if (!Number.isInteger(value) || value < -0x8000_0000 || value >= Num.TWO_TO_32) {
      throw new HpetError("bad-value", `value ${value} does not fit 4 bytes`);
    }
    this.makeRoom();
    let status: number;
    if (size === 4) {
      status = this.write32(offset, value | 0, this.accessTime);
    } else {
      this.checkSize(size, "write");
      this.commitTime();
      status = this.exports.write(offset, size, BigInt(value));
    }
    this.settle(status, () => `write of ${size} bytes at 0x${offset.toString(16)}`);
  }

  /** A guest write of 8 bytes; `value` is in [-2^63, 2^64). */
  write64(offset: number, value: bigint): void {
    this.checkOffset(offset);
    if (typeof value !== "bigint" || value < MIN_I64 || value >= TWO_TO_64) {
      throw new HpetError("bad-value", `value ${String(value)} does not fit 8 bytes`);
    }
    this.prepareCall();
    this.settle(this.exports.write(offset, 8, BigInt.asIntN(64, value)),
      () => `write of 8 bytes at 0x${offset.toString(16)}`);
  }

  /** A guest write of 8 bytes given as its 32-bit halves, each an integer in [-2^31, 2^32). */
  writeHalves(offset: number, low: number, high: number): void {
    for (const half of [low, high]) {
      if (!Number.isInteger(half) || half < -0x8000_0000 || half >= Num.TWO_TO_32) {
        throw new HpetError("bad-value", `half ${half} does not fit 4 bytes`);
      }
    }
    this.write64(offset, (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0));
  }

  /** Guest accesses ignored as errors since creation. */
  guestErrors(): GuestErrors {
    return {
      size: this.exports.guest_errors(GuestError.SIZE),
      alignment: this.exports.guest_errors(GuestError.ALIGNMENT),
    };
  }

  // --- Inputs, reset and time -------------------------------------------------------------------

  /** Drive the PIT (IRQ0) or RTC (IRQ8) input, which the HPET passes through or replaces. */
  setLegacyInput(input: LegacyInput, level: Level | boolean): void {
    const index = input === "pit" ? Input.PIT : input === "rtc" ? Input.RTC : -1;
    if (index < 0 || (level !== 0 && level !== 1 && typeof level !== "boolean")) {
      throw new HpetError("bad-input",
        `legacy input ${String(input)} at level ${String(level)}: input is "pit" or "rtc", level 0 or 1`);
    }
    this.prepareCall();
    this.settle(this.exports.set_input(index, level ? 1 : 0), () => `legacy input ${input}`);
  }

  /** The reset signal: every register to its reset value, at the current time. */
  reset(): void {
    this.prepareCall();
    this.settle(this.exports.reset(), () => "reset");
  }

  /**
   * Run every expiry due up to `timeNs`, delivering its events, then make `timeNs` the time.
   * Not allowed from an event callback of an advance.
   */
  advance(timeNs: TimeOf<K>): void {
    // The common cases, kept small so that V8 inlines them into the caller: number time, not
    // from an event callback and not before the host's time, deferred (a whole number before
    // the module's defer limit) or made. The module checks the rest (a whole number below 2^63;
    // once disposed, it throws); a refused call changes nothing, so the checked path may make
    // it again and explain the error.
    if (typeof timeNs === "number" && timeNs >= this.accessTime && this.advancing !== true && this.numberTime === true) {
      if (timeNs < this.doubles[this.deferLimitDouble]! && Number.isInteger(timeNs)) {
        this.accessTime = timeNs;
        return;
      }
      const status = this.advanceF64(timeNs);
      if (status >= 0) {
        this.advanceTime = timeNs;
        this.finishAdvance(status);
        return;
      }
    }
    this.advanceChecked(timeNs);
  }

  /** The device's current time. */
  get now(): TimeOf<K> {
    const time = this.accessTime;
    return time >= 0 ? time as TimeOf<K> : this.time.now(this.exports);
  }

  /** When the earliest armed timer expires, or null if none will. */
  nextDeadline(): TimeOf<K> | null {
    // The defer limit is the earliest deadline itself while that is exact as a double.
    const limit = this.doubles[this.deferLimitDouble]!;
    if (this.numberTime === true && limit <= Num.MAX_SAFE) return limit as TimeOf<K>;
    return this.moduleDeadline();
  }

  // (Out of line, the rare case takes less of V8's inlining budget where nextDeadline is inlined.)
  private moduleDeadline(): TimeOf<K> | null {
    return this.time.nextDeadline(this.exports);
  }

  // --- Save and restore --------------------------------------------------------------------------

  /** The complete device state, queued events included, as bytes (format: docs/snapshot.md). */
  snapshot(): Uint8Array {
    this.prepareCall(); // from a callback: leave out the events already delivered
    const length = this.exports.snapshot();
    return new Uint8Array(this.exports.memory.buffer, this.exports.snapshot_buffer(), length).slice();
  }

  /**
   * Replace the device state with a snapshot taken from an instance of the same configuration.
   * Bad data (truncated, not a snapshot, newer format, corrupted, other configuration) throws an
   * HpetError naming the problem and leaves the state exactly as it was.
   */
  restore(bytes: Uint8Array): void {
    const capacity = this.exports.snapshot_capacity();
    if (!(bytes instanceof Uint8Array)) throw new HpetError("bad-value", "a snapshot is a Uint8Array");
    if (bytes.length > capacity) {
      throw new HpetError("snapshot-length", `snapshot of ${bytes.length} bytes is longer than any (${capacity})`);
    }
    this.prepareCall();
    new Uint8Array(this.exports.memory.buffer, this.exports.snapshot_buffer(), bytes.length).set(bytes);
    const status = this.exports.restore(bytes.length);
    if (status < 0) throw statusError(status, describeRefusedSnapshot(status, bytes, this.config));
    this.refreshPublished();
    this.syncTime();
    this.deliver();
  }

  /** A new, independent instance in this one's exact state, with the same callbacks. */
  clone(): Hpet<K> {
    const copy = new Hpet(this.module, { ...this.config, time: this.timeKind });
    copy.restore(this.snapshot());
    copy.onIrq = this.onIrq;
    copy.onPitEnable = this.onPitEnable;
    copy.onMsi = this.onMsi;
    return copy;
  }

  /** Release the instance; any later call throws a "disposed" HpetError. */
  dispose(): void {
    this.exports = disposedExports;
    this.read32 = disposedExports.read32;
    this.write32 = disposedExports.write32;
    this.advanceF64 = disposedExports.advance_f64;
    this.words = new Uint32Array(0);
    this.doubles = new Float64Array(1);
    this.counterFrom = Infinity;
    this.accessTime = -1;
  }

  // --- Internals --------------------------------------------------------------------------------

  // The low or high half of MAIN_CNT at the host's time, from the counter's published
  // parameters (docs/abi.md): no call. -1 where that is not exact in doubles (no host time, or
  // a time or enable time past 2^53 ns): the module reads it then.
  private counterHalf(high: boolean): number {
    const time = this.accessTime;
    if (!(time >= this.counterFrom && time <= Num.MAX_SAFE)) return -1;
    // Whole ticks since the enable: the quotient of two whole numbers below 2^53 rounds to a
    // double that floors to the exact quotient.
    const ticks = Math.floor((time - this.counterFrom) / this.counterPeriod);
    const ticksLow = ticks < Num.TWO_TO_32 ? ticks : ticks % Num.TWO_TO_32;
    const low = (this.counterBaseLow >>> 0) + ticksLow;
    if (!high) return low >>> 0;
    return (this.counterBaseHigh + (ticks - ticksLow) / Num.TWO_TO_32 + (low >= Num.TWO_TO_32 ? 1 : 0)) >>> 0;
  }

  private refreshCounter(): void {
    const words = this.words;
    const at = this.counterWord;
    this.counterSequence = words[at + SEQUENCE]!;
    this.counterBaseLow = words[at + BASE_LOW]! | 0;
    this.counterBaseHigh = words[at + BASE_HIGH]!;
    if (words[at + RUNNING] === 0) {
      this.counterFrom = 0;
      this.counterPeriod = Infinity;
    } else {
      this.counterFrom = words[at + ENABLE_HIGH]! < EXACT_HIGH_WORD
        ? words[at + ENABLE_HIGH]! * Num.TWO_TO_32 + words[at + ENABLE_LOW]!
        : Infinity;
      this.counterPeriod = words[at + PERIOD]!;
    }
  }

  private checkOffset(offset: number): void {
    if (offset >>> 0 !== offset || offset >= this.windowSize) {
      throw new HpetError("bad-offset",
        `offset ${String(offset)} is outside the 0x${this.windowSize.toString(16)}-byte register window`);
    }
  }

  private checkSize(size: number, access: string): void {
    if (size !== 1 && size !== 2) {
      throw new HpetError("bad-size", size === 8
        ? `8-byte ${access}s take bigints: use ${access}64`
        : `${access} size ${String(size)} is not 1, 2, 4 or 8`);
    }
  }

  private settle(status: number, what: () => string): void {
    this.refreshPublished();
    if (status > this.delivered) this.deliver();
    else if (status < 0) throw statusError(status, `${what()} refused`);
  }

  private advanceChecked(timeNs: TimeOf<K>): void {
    if (this.advancing) {
      throw new HpetError("reentrant", "advance() called from an event callback of an advance");
    }
    // A deferred time needs no commit: the module moves from wherever it is, and the host,
    // which knows the deferred time, checks that the new one is not before it.
    if (typeof timeNs === "number" && timeNs >= 0 && timeNs < this.accessTime && Number.isInteger(timeNs)) {
      throw this.timeError(Status.TIME_BACKWARDS, timeNs);
    }
    this.makeRoom();
    const hostTime = this.accessTime;
    const status = this.advanceModule(timeNs);
    if (status < 0) throw this.timeError(status, timeNs); // refused: nothing changed
    if (typeof timeNs === "number") {
      this.advanceTime = timeNs;
    } else {
      this.advanceTime = hostTime;
      this.advanceTimeBigint = timeNs as bigint;
    }
    this.finishAdvance(status);
  }

  // Deliver the events of the advance that returned `status`, going on where it stopped
  // early, then make advanceTime the host's time.
  private finishAdvance(status: number): void {
    if (status !== this.delivered) {
      this.advancing = true;
      // While it runs, accesses from callbacks happen at the device's own time.
      this.accessTime = -1;
      try {
        this.deliver();
        if (status & INCOMPLETE) this.continueAdvance();
      } catch (error) {
        this.abandonAdvance();
        throw error;
      }
      this.advancing = false;
    }
    // (The counter's parameters need no refresh: an advance does not change them, and a call
    // from a callback that does takes them itself.)
    this.accessTime = this.advanceTime;
  }

  // A callback of the advance threw: the device is somewhere between the two times.
  private abandonAdvance(): void {
    this.advancing = false;
    this.syncTime();
  }

  // The advance stopped early, at a full queue or at its budget of expiries, and its events
  // so far are delivered: go on from there until it completes, delivering as it goes.
  private continueAdvance(): void {
    let status: number;
    do {
      if (this.delivered !== 0) this.consumeDelivered();
      status = this.advanceModule((this.numberTime ? this.advanceTime : this.advanceTimeBigint) as TimeOf<K>);
      if (status === this.delivered) return;
      this.deliver();
    } while (status & INCOMPLETE);
  }

  private advanceModule(timeNs: TimeOf<K>): number {
    return typeof timeNs === "number" && this.numberTime
      ? this.advanceF64(timeNs)
      : this.time.advance(this.exports, timeNs);
  }

  private timeError(status: number, timeNs: TimeOf<K>): HpetError {
    return status === Status.TIME_BACKWARDS
      ? statusError(status, `time ${String(timeNs)} ns is before the device's time ${String(this.now)} ns`)
      : statusError(status, `time ${String(timeNs)} is not a whole number of ns in [0, 2^63)`);
  }

  // Bring the device to the deferred time (it may be behind it), without running expiries.
  private commitTime(): void {
    const time = this.accessTime;
    if (time >= 0) this.settle(this.exports.set_time(time), () => "deferred advance");
  }

  // Take the host's time from the device (number time), after it moved other than by advance.
  private syncTime(): void {
    if (this.numberTime) this.accessTime = this.exports.now_f64();
    this.refreshPublished();
  }

  // After a call: take the counter's published parameters again if they changed.
  private refreshPublished(): void {
    if (this.words[this.sequenceWord] !== this.counterSequence) this.refreshCounter();
  }

  // A call that may queue events: commit the deferred time, and (from an event callback) free
  // the queue slots already delivered.
  private prepareCall(): void {
    this.commitTime();
    if (this.delivered !== 0) this.consumeDelivered();
  }

  private consumeDelivered(): void {
    this.exports.events_consume(this.delivered);
    this.delivered = 0;
  }

  // Before a call that may queue events: take the delivered events once many are queued.
  private makeRoom(): void {
    if (this.delivered !== 0 && this.words[this.countWord]! >= Num.CONSUME_AT) this.consumeDelivered();
  }

  // Deliver queued events in order. Callbacks may call back into this instance; the events
  // such a call queues are delivered in turn, after the ones before them (a call made from a
  // callback may consume the events delivered so far, which resets `delivered`).
  // (The kinds other than PULSE are delivered out of line: V8 then spends its inlining budget
  // on them only where they occur.)
  private deliver(): void {
    const words = this.words;
    for (let i = this.delivered; i < words[this.countWord]!; i = this.delivered) {
      const at = this.firstRecordWord + i * WORDS_PER_EVENT;
      if (words[at + 2] !== PULSE) {
        this.deliverAll();
        break;
      }
      this.delivered = i + 1;
      const onIrq = this.onIrq;
      if (onIrq !== undefined) {
        const line = words[at + 3]!;
        const time = this.eventTime(words, at);
        onIrq(line, 1, time);
        onIrq(line, 0, time);
      }
    }
    this.makeRoom();
  }

  // deliver() for events of every kind, from the next one on: a loop of its own, so that an
  // advance with many MSI writes or line changes makes one call of it, not one per event.
  private deliverAll(): void {
    const words = this.words;
    for (let i = this.delivered; i < words[this.countWord]!; i = this.delivered) {
      this.delivered = i + 1;
      const at = this.firstRecordWord + i * WORDS_PER_EVENT;
      const kind = words[at + 2];
      const a = words[at + 3]!;
      const time = this.eventTime(words, at);
      if (kind === PULSE) {
        const onIrq = this.onIrq;
        if (onIrq !== undefined) {
          onIrq(a, 1, time);
          onIrq(a, 0, time);
        }
      } else if (kind === LINE) {
        this.onIrq?.(a, words[at + 4]! as Level, time);
      } else if (kind === MSI) {
        this.onMsi?.(a, words[at + 4]!, time);
      } else {
        this.onPitEnable?.(a as Level, time);
      }
    }
  }

  // The time of the event record at word `at`.
  private eventTime(words: Uint32Array, at: number): TimeOf<K> {
    return (this.numberTime === true ? words[at + 1]! * Num.TWO_TO_32 + words[at]! : this.bigintEventTime(words, at)) as TimeOf<K>;
  }

  // (Out of line, like moduleDeadline: bigint time then costs number time no inlining budget.)
  private bigintEventTime(words: Uint32Array, at: number): TimeOf<K> {
    return this.time.fromHalves(words[at]!, words[at + 1]!);
  }
}

function disposed(): never {
  throw new HpetError("disposed", "this HPET instance has been disposed");
}

const disposedExports: HpetExports = {
  memory: new wasm.Memory({ initial: 0 }),
  abi_version: disposed, init: disposed, reset: disposed, window_size: disposed, read: disposed,
  read32: disposed, read_status: disposed, write: disposed, write32: disposed, read32_i64: disposed,
  write32_i64: disposed, set_time_i64: disposed, guest_errors: disposed, set_input: disposed, advance: disposed,
  advance_f64: disposed, now: disposed, now_f64: disposed, next_deadline: disposed,
  next_deadline_f64: disposed, events_ptr: disposed, events_count: disposed, events_consume: disposed,
  snapshot_buffer: disposed, snapshot_capacity: disposed, snapshot: disposed, restore: disposed,
  set_time: disposed,
};

function describeRefusedSnapshot(status: number, bytes: Uint8Array, config: Required<HpetConfig>): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const field = (offset: number): number => view.getUint32(offset, true);
  switch (status) {
    case Status.SNAPSHOT_TRUNCATED:
      return `snapshot is truncated: ${bytes.length} bytes`
        + (bytes.length >= SnapshotHeader.LENGTH + 4 ? ` of the ${field(SnapshotHeader.LENGTH)} it declares` : "");
    case Status.SNAPSHOT_MAGIC:
      return "not an HPET snapshot: the magic number is wrong";
    case Status.SNAPSHOT_VERSION:
      return `snapshot format version ${field(SnapshotHeader.VERSION)} is not readable (this module reads ${SNAPSHOT_VERSION})`;
    case Status.SNAPSHOT_CHECKSUM:
      return "snapshot is corrupt: its CRC-32 does not match its contents";
    case Status.SNAPSHOT_CONFIG:
      return `snapshot is of another configuration (timers ${field(SnapshotHeader.TIMERS)}, msi ${field(SnapshotHeader.MSI)}, `
        + `intcap 0x${field(SnapshotHeader.INTCAP).toString(16)}, clock period ${field(SnapshotHeader.PERIOD_NS)} ns); `
        + `this instance has timers ${config.timers}, msi ${config.msi ? 1 : 0}, intcap 0x${(config.intcap >>> 0).toString(16)}, `
        + `clock period ${config.clockPeriodNs} ns`;
    case Status.SNAPSHOT_STATE:
      return "snapshot describes a state the device cannot be in";
    default:
      return `snapshot length ${bytes.length} does not match its contents`;
  }
}
