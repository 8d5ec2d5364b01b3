// What the fuzzer knows the device must do, kept independently of the module: the status every
// call must return, the registers a model can predict exactly (general configuration, main
// counter, timer configurations, FSB routes, guest error counters), the line and PIT-enable
// levels the reported events imply, and the invariants checked after every operation.

import { ADVANCE_INCOMPLETE, EVENT_COUNT_MASK, EventKind, Status } from "../../hosts/ts/abi.ts";
import { type Config, type Corruption, initConfig, MAX_TIME, type Op } from "./ops.ts";
import { BlockField, Header, NOT_ARMED, type SnapshotView, TimerField, TimerFlag } from "./snapshot-layout.ts";
import type { Outcome, QueuedEvent, Target } from "./target.ts";

export class Violation extends Error {
  override readonly name = "Violation";
}

function expect(ok: boolean, message: () => string): asserts ok {
  if (!ok) throw new Violation(message());
}

const LOW32 = 0xffff_ffffn;
const TWO_63 = 2 ** 63;
const NEAR_WRAP = (1n << 64n) - (1n << 32n);
const ENABLE_CNF = 1n;
const LEG_RT_CNF = 2n;
const TN_INT_TYPE_CNF = 1n << 1n;
const TN_INT_ENB_CNF = 1n << 2n;
const TN_TYPE_CNF = 1n << 3n;
const TN_VAL_SET_CNF = 1n << 6n;
const TN_32MODE_CNF = 1n << 8n;
const TN_FSB_EN_CNF = 1n << 14n;
const TN_CONF_WRITE_MASK = 0x7f4en;
// assembly/abi.ts: a call other than advance() is refused while fewer slots than this are free.
export const EVENTS_PER_CALL_MAX = 40;

/** Guest-visible access classes: host errors, ignored guest errors, or a real access. */
type Access = { status: number } | { guestError: "size" | "alignment" } | { ok: true; offset: number; size: number };

/** The state the fuzzer reads before running an operation. */
export interface Before {
  readonly now: bigint;
  readonly count: number;
  /** The queue's capacity, from its header. */
  readonly capacity: number;
  readonly nextDeadline: bigint;
}

/** Every status an operation may get, as the ABI documents them, computed from the inputs alone. */
export function expectedStatus(op: Op, before: Before, model: Model): number | "ok" {
  const queueFull = before.capacity - before.count < EVENTS_PER_CALL_MAX;
  switch (op.kind) {
    case "init":
      return initConfig(op) !== undefined ? "ok" : Status.BAD_CONFIG;
    case "reset":
      return queueFull ? Status.QUEUE_FULL : "ok";
    case "input":
      if (op.input !== 0 && op.input !== 1) return Status.BAD_INPUT;
      if (op.level !== 0 && op.level !== 1) return Status.BAD_INPUT;
      return queueFull ? Status.QUEUE_FULL : "ok";
    case "write":
    case "write32": {
      if (op.kind === "write32") {
        const moved = moveStatus(op.timeNs, before);
        if (typeof moved === "number") return moved;
      }
      const access = model.classify(op.offset, op.kind === "write" ? op.size : 4);
      if ("status" in access) return access.status;
      if ("ok" in access && queueFull) return Status.QUEUE_FULL;
      return "ok";
    }
    case "read":
    case "read32": {
      if (op.kind === "read32") {
        const moved = moveStatus(op.timeNs, before);
        if (typeof moved === "number") return moved;
      }
      const access = model.classify(op.offset, op.kind === "read" ? op.size : 4);
      return "status" in access ? access.status : "ok";
    }
    case "advance": {
      const time = op.time;
      if (typeof time === "number") {
        const checked = f64Time(time, before.now);
        return typeof checked === "number" ? checked : "ok";
      }
      const wrapped = BigInt.asIntN(64, time);
      if (wrapped < 0n) return Status.BAD_TIME;
      return wrapped < before.now ? Status.TIME_BACKWARDS : "ok";
    }
    case "guest-errors":
      return op.errorKind === 0 || op.errorKind === 1 ? "ok" : -1;
    case "consume":
    case "restore-self":
      return "ok";
    case "restore-corrupt":
      return corruptionStatus(op.corruption, model.snapshotLength);
  }
}

/** A double time parameter: a status, or the time as a bigint. */
function f64Time(time: number, now: bigint): number | bigint {
  if (!(time >= 0 && time < TWO_63) || time !== Math.floor(time)) return Status.BAD_TIME;
  const whole = BigInt(time);
  return whole < now ? Status.TIME_BACKWARDS : whole;
}

/**
 * The time parameter of read32/write32: a negative whole number stays (any other negative is
 * a bad time); the device's own time is always accepted; a later time must come before every
 * armed deadline.
 */
function moveStatus(time: number, before: Before): number | bigint {
  if (time < 0) return Number.isInteger(time) && time >= -TWO_63 ? before.now : Status.BAD_TIME;
  const checked = f64Time(time, before.now);
  if (typeof checked === "number" || checked === before.now) return checked;
  if (before.nextDeadline >= 0n && checked >= before.nextDeadline) return Status.EXPIRY_DUE;
  return checked;
}

function corruptionStatus(corruption: Corruption, length: number): number {
  switch (corruption.kind) {
    case "truncate":
      return Status.SNAPSHOT_TRUNCATED;
    case "extend":
      return Status.SNAPSHOT_LENGTH;
    case "version":
      return Status.SNAPSHOT_VERSION;
    case "bit": {
      const bit = corruption.bit % (length * 8);
      const byte = bit >>> 3;
      if (byte < Header.VERSION) return Status.SNAPSHOT_MAGIC;
      if (byte < Header.LENGTH) return Status.SNAPSHOT_VERSION;
      if (byte < Header.LENGTH + 4) {
        const declared = (length ^ (1 << (bit - Header.LENGTH * 8))) >>> 0;
        return declared > length ? Status.SNAPSHOT_TRUNCATED : Status.SNAPSHOT_LENGTH;
      }
      return Status.SNAPSHOT_CHECKSUM;
    }
  }
}

const deposit = (old: bigint, shift: bigint, len: bigint, value: bigint): bigint => {
  if (len === 64n) return value;
  const mask = LOW32 << shift;
  return (old & ~mask) | ((value << shift) & mask);
};

/** Statistics of what the checks saw, to show a run reached the states it was meant to. */
export interface Coverage {
  counterWraps: number;
  events: number;
  msiEvents: number;
  /** States with an armed periodic timer of period 1 tick. */
  oneTickPeriods: number;
  /** States with an armed periodic timer of period 2^63 or more. */
  hugePeriods: number;
  /** States with a comparator of all ones. */
  allOnesComparators: number;
  /** States with the counter running within 2^32 ticks of its 2^64 wrap. */
  countersNearWrap: number;
  /** States with a 32-bit one-shot waiting for the counter's 32-bit wrap. */
  wrapsPending: number;
}

export class Model {
  config!: Config;
  windowSize = 0;
  private capabilities = 0n;
  private resetConf = 0n;
  private genConf = 0n;
  private counter = 0n;
  private base = 0n;
  private tEnable = 0n;
  /** Changes whenever the counter is restarted or rewritten: its moves are compared within one run. */
  private run = 0;
  private confs: bigint[] = [];
  private fsb: bigint[] = [];
  private sizeErrors = 0;
  private alignErrors = 0;
  private lines = 0;
  private pit = 0;
  private rtc = 0;
  private lastEventTime = 0n;
  private lastCounter: { run: number; now: bigint; value: bigint } | undefined;
  /** Length of a snapshot of this configuration with the events queued now. */
  snapshotLength = 0;

  constructor(config: Config, readonly coverage: Coverage) {
    this.powerOn(config);
  }

  /** A fresh instance (init): every output low; the reset's PIT-enable rise is still to be seen. */
  powerOn(config: Config): void {
    this.config = config;
    this.windowSize = config.timers <= 24 ? 0x400 : 0x500;
    this.capabilities = (BigInt(config.periodNs * 1_000_000) << 32n) | 0x8086_0000n | (1n << 15n) | (1n << 13n)
      | (BigInt(config.timers - 1) << 8n) | 1n;
    this.resetConf = (BigInt(config.intcap >>> 0) << 32n) | (1n << 5n) | (1n << 4n) | (config.msi ? 1n << 15n : 0n);
    this.fsb = new Array<bigint>(config.timers).fill(0n);
    this.sizeErrors = 0;
    this.alignErrors = 0;
    this.lines = 0;
    this.pit = 0;
    this.lastEventTime = 0n;
    this.reset();
  }

  private reset(): void {
    this.confs = new Array<bigint>(this.config.timers).fill(this.resetConf);
    this.genConf = 0n;
    this.counter = 0n;
    this.base = 0n;
    this.tEnable = 0n;
    this.rtc = 0;
    this.run++;
  }

  counterAt(now: bigint): bigint {
    if (!(this.genConf & ENABLE_CNF)) return this.counter;
    return BigInt.asUintN(64, this.base + (now - this.tEnable) / BigInt(this.config.periodNs));
  }

  /** How the module must treat an access, by the ABI's rules (its i32 parameters truncate). */
  classify(offsetArg: number, sizeArg: number): Access {
    const offset = offsetArg | 0;
    const size = sizeArg | 0;
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8) return { status: Status.BAD_SIZE };
    if (offset >>> 0 >= this.windowSize) return { status: Status.BAD_OFFSET };
    if (size < 4) return { guestError: "size" };
    if (offset & (size - 1)) return { guestError: "alignment" };
    return { ok: true, offset, size };
  }

  // --- Checking one operation ---------------------------------------------------------------------

  /**
   * Checks `op`'s outcome against the status it must have and the events it may queue, then
   * updates the model. `after` is the device's time after the operation.
   */
  check(op: Op, before: Before, outcome: Outcome, state: SnapshotView, target: Target, after: bigint): void {
    const status = expectedStatus(op, before, this);
    const first = outcome.results[0];
    const moves = status === "ok" && (op.kind === "advance" || op.kind === "init" || op.kind === "read32" || op.kind === "write32");
    if (!moves) expect(after === before.now, () => `${op.kind} moved time from ${before.now} to ${after}`);
    if (op.kind === "read" || op.kind === "read32") {
      this.checkRead(op, status, outcome, state, before, after);
      return;
    }
    if (op.kind === "guest-errors") {
      const expected = op.errorKind === 0 ? this.sizeErrors : op.errorKind === 1 ? this.alignErrors : -1;
      expect(first === expected, () => `guest_errors(${op.errorKind}) = ${String(first)}, expected ${expected}`);
      return;
    }
    if (op.kind === "consume") {
      const n = op.count >>> 0;
      const expected = n >= before.count ? 0 : before.count - n;
      expect(outcome.counts[0] === expected, () => `events_consume(${op.count}) left ${outcome.counts[0]} of ${before.count}, expected ${expected}`);
      return;
    }
    if (status !== "ok") {
      expect(first === status, () => `returned ${String(first)}, expected the refusal ${status}`);
      expect(outcome.events.length === 0, () => "a refused call queued events");
      return;
    }
    if (op.kind === "restore-self" || op.kind === "restore-corrupt") {
      expect(first === 0, () => `restoring the instance's own snapshot returned ${String(first)}`);
      return;
    }
    outcome.results.forEach((result, i) => {
      const count = outcome.counts[i]!;
      expect(typeof result === "number" && result >= 0, () => `call ${i + 1} returned ${String(result)}, expected success`);
      expect((result & EVENT_COUNT_MASK) === count, () => `call ${i + 1} returned ${result}, but ${count} events are queued`);
      expect(op.kind === "advance" || !(result & ADVANCE_INCOMPLETE), () => `only advance may be incomplete: ${result}`);
    });
    switch (op.kind) {
      case "init":
        expect(after === 0n, () => `init left the time at ${after}`);
        break;
      case "advance":
        this.checkAdvance(op, outcome, target, after);
        break;
      case "write":
        this.written(op.offset | 0, op.size | 0, BigInt.asUintN(64, op.value), after);
        break;
      case "write32":
        this.checkMove(op.timeNs, before, after);
        this.written(op.offset | 0, 4, BigInt((op.value | 0) >>> 0), after);
        break;
      default:
        break;
    }
    const expectedEvents = this.determinedEvents(op, before);
    // init starts time afresh: its events are at 0.
    this.checkEvents(outcome.events, op.kind === "init" ? 0n : before.now, after, state);
    if (expectedEvents !== undefined) {
      const got = outcome.events.map(eventText).join(", ");
      const want = expectedEvents.map(eventText).join(", ");
      expect(got === want, () => `events [${got}], expected [${want}]`);
    }
  }

  /**
   * Applies an operation whose events are fully determined to the model and returns those
   * events; undefined for the others (their events are checked generically).
   */
  private determinedEvents(op: Op, before: Before): QueuedEvent[] | undefined {
    const at = before.now;
    switch (op.kind) {
      case "init":
        this.powerOn(initConfig(op)!);
        return [{ time: 0n, kind: EventKind.PIT, a: 1, b: 0 }];
      case "reset": {
        const events: QueuedEvent[] = [];
        for (let line = 0; line < 32; line++) {
          if (this.lines & (1 << line)) events.push({ time: at, kind: EventKind.LINE, a: line, b: 0 });
        }
        if (this.pit === 0) events.push({ time: at, kind: EventKind.PIT, a: 1, b: 0 });
        this.reset();
        return events;
      }
      case "input": {
        if (op.input === 1) this.rtc = op.level;
        const line = op.input === 0 ? 0 : 8;
        const level = (this.lines >>> line) & 1;
        if (this.genConf & LEG_RT_CNF || level === op.level) return [];
        return [{ time: at, kind: EventKind.LINE, a: line, b: op.level }];
      }
      default:
        return undefined;
    }
  }

  /** Every event is a real change of a line or of PIT-enable, in time order, within the call. */
  private checkEvents(events: readonly QueuedEvent[], since: bigint, after: bigint, state: SnapshotView): void {
    let messages: Set<bigint> | undefined;
    for (const e of events) {
      const what = eventText(e);
      expect(e.time >= this.lastEventTime, () => `${what} is earlier than the previous event (${this.lastEventTime})`);
      expect(e.time >= since && e.time <= after, () => `${what} is outside the call's time ${since}..${after}`);
      this.lastEventTime = e.time;
      this.coverage.events++;
      switch (e.kind) {
        case EventKind.LINE: {
          expect(e.a < 32 && (e.b === 0 || e.b === 1), () => `${what}: bad line or level`);
          expect(((this.lines >>> e.a) & 1) !== e.b, () => `${what}: line ${e.a} is already at that level`);
          this.lines ^= 1 << e.a;
          break;
        }
        case EventKind.PULSE:
          expect(e.a < 32 && e.b === 0, () => `${what}: bad pulse`);
          expect(((this.lines >>> e.a) & 1) === 0, () => `${what}: pulse on line ${e.a}, which is high`);
          break;
        case EventKind.PIT:
          expect(e.a === (this.pit ^ 1) && e.b === 0, () => `${what}: PIT-enable is already ${this.pit}`);
          this.pit = e.a;
          break;
        case EventKind.MSI: {
          this.coverage.msiEvents++;
          messages ??= this.fsbMessages(state);
          expect(messages.has((BigInt(e.a) << 32n) | BigInt(e.b)) && (this.genConf & ENABLE_CNF) !== 0n,
            () => `${what}: no enabled FSB timer sends this message`);
          break;
        }
        default:
          throw new Violation(`${what}: unknown event kind`);
      }
    }
  }

  private checkAdvance(op: Extract<Op, { kind: "advance" }>, outcome: Outcome, target: Target, after: bigint): void {
    const time = typeof op.time === "bigint" ? BigInt.asIntN(64, op.time) : BigInt(op.time);
    const last = outcome.results[outcome.results.length - 1] as number;
    const next = target.x.next_deadline();
    if (last & ADVANCE_INCOMPLETE) {
      expect(after <= time, () => `an incomplete advance went past its target: now ${after} > ${time}`);
      expect(next >= 0n && next <= time, () => `an incomplete advance to ${time} left no expiry due (next ${next})`);
    } else {
      expect(after === time, () => `a complete advance to ${time} left the time at ${after}`);
      expect(next < 0n || next > time, () => `a complete advance to ${time} left the expiry at ${next} due`);
    }
  }

  /** The FSB messages (address << 32 | data) of the timers that may send one. */
  private fsbMessages(state: SnapshotView): Set<bigint> {
    const messages = new Set<bigint>();
    for (let n = 0; n < this.config.timers; n++) {
      const conf = state.timer64(n, TimerField.CONF);
      if (conf & TN_FSB_EN_CNF && conf & TN_INT_ENB_CNF) messages.add(state.timer64(n, TimerField.FSB));
    }
    return messages;
  }

  /** read32/write32 first move to their time parameter unless it is negative. */
  private checkMove(timeNs: number, before: Before, after: bigint): void {
    const expected = timeNs < 0 ? before.now : BigInt(timeNs);
    expect(after === expected, () => `an access at time ${timeNs} left the time at ${after} (was ${before.now})`);
  }

  private checkRead(
    op: Extract<Op, { kind: "read" | "read32" }>, status: number | "ok", outcome: Outcome, state: SnapshotView,
    before: Before, after: bigint,
  ): void {
    const raw = outcome.results[0]!;
    const value = typeof raw === "bigint" ? BigInt.asUintN(64, raw) : BigInt(raw >>> 0);
    if (status !== "ok") {
      expect(value === 0n && outcome.readStatus === status, () => `refused read gave ${value} with status ${outcome.readStatus}, expected 0 and ${status}`);
      return;
    }
    if (op.kind === "read32") this.checkMove(op.timeNs, before, after);
    expect(outcome.readStatus === 0, () => `read_status ${outcome.readStatus} after an accepted read`);
    const access = this.classify(op.offset, op.kind === "read" ? op.size : 4);
    if ("guestError" in access) {
      if (access.guestError === "size") this.sizeErrors++;
      else this.alignErrors++;
      expect(value === 0n, () => `an ignored read gave 0x${value.toString(16)}`);
      return;
    }
    if (!("ok" in access)) return;
    const register = this.register(access.offset & ~7, state, after);
    const expected = access.size === 8 ? register : (register >> BigInt((access.offset & 4) * 8)) & LOW32;
    expect(value === expected, () => `read gave 0x${value.toString(16)}, expected 0x${expected.toString(16)}`);
  }

  /** A register's value: from the model, or from the state for those it does not track. */
  private register(reg: number, state: SnapshotView, now: bigint): bigint {
    if (reg === 0x000) return this.capabilities;
    if (reg === 0x010) return this.genConf;
    if (reg === 0x020) return state.block64(BlockField.ISR);
    if (reg === 0x0f0) return this.counterAt(now);
    if (reg < 0x100) return 0n;
    const n = (reg - 0x100) >> 5;
    if (n >= this.config.timers) return 0n;
    switch (reg & 0x18) {
      case 0x00: return this.confs[n]!;
      case 0x08: return state.timer64(n, TimerField.CMP);
      case 0x10: return this.fsb[n]!;
      default: return 0n;
    }
  }

  /** A guest write of an accepted access, as far as the model tracks it. */
  private written(offset: number, size: number, raw: bigint, now: bigint): void {
    const access = this.classify(offset, size);
    if ("guestError" in access) {
      if (access.guestError === "size") this.sizeErrors++;
      else this.alignErrors++;
      return;
    }
    if (!("ok" in access)) return;
    const reg = offset & ~7;
    const shift = BigInt((offset & 4) * 8);
    const len = BigInt(size * 8);
    const value = size === 4 ? raw & LOW32 : raw;
    if (reg === 0x010) {
      const conf = deposit(this.genConf, shift, len, value) & (ENABLE_CNF | LEG_RT_CNF);
      if ((conf ^ this.genConf) & ENABLE_CNF) {
        if (conf & ENABLE_CNF) {
          this.base = this.counter;
          this.tEnable = now;
        } else {
          this.counter = this.counterAt(now);
        }
        this.run++;
      }
      this.genConf = conf;
    } else if (reg === 0x0f0) {
      if (!(this.genConf & ENABLE_CNF)) {
        this.counter = deposit(this.counter, shift, len, value);
        this.run++;
      }
    } else if (reg >= 0x100) {
      const n = (reg - 0x100) >> 5;
      if (n >= this.config.timers) return;
      const old = this.confs[n]!;
      if ((reg & 0x18) === 0x00) {
        this.confs[n] = (old & ~TN_CONF_WRITE_MASK) | (deposit(old, shift, len, value) & TN_CONF_WRITE_MASK);
      } else if ((reg & 0x18) === 0x08) {
        // In 32-bit mode a write to the high half is ignored entirely, VAL_SET included.
        if (!(old & TN_32MODE_CNF) || shift === 0n) this.confs[n] = old & ~TN_VAL_SET_CNF;
      } else if ((reg & 0x18) === 0x10) {
        this.fsb[n] = deposit(this.fsb[n]!, shift, len, value);
      }
    }
  }

  // --- Invariants of every state ------------------------------------------------------------------

  /** Checks the device's complete state (its snapshot) and its time queries against the model. */
  checkState(state: SnapshotView, target: Target): void {
    const x = target.x;
    this.snapshotLength = state.bytes.length;
    const now = x.now();
    const timers = this.config.timers;
    expect(state.header(Header.TIMERS) === timers && state.header(Header.LENGTH) === state.bytes.length,
      () => "snapshot header does not match the configuration");
    expect(state.block64(BlockField.NOW) === now, () => `now() ${now} differs from the state's ${state.block64(BlockField.NOW)}`);
    expect(x.now_f64() === Number(now), () => `now_f64() ${x.now_f64()} is not now() ${now}`);
    expect(state.block32(BlockField.LINES) >>> 0 === this.lines >>> 0,
      () => `lines 0x${state.block32(BlockField.LINES).toString(16)}, but the events say 0x${(this.lines >>> 0).toString(16)}`);
    expect(state.block32(BlockField.PIT_ENABLE) === this.pit, () => `PIT-enable ${state.block32(BlockField.PIT_ENABLE)}, but the events say ${this.pit}`);
    expect(this.pit === (this.genConf & LEG_RT_CNF ? 0 : 1), () => `PIT-enable ${this.pit} with general config ${this.genConf}`);
    expect(state.block32(BlockField.RTC_LEVEL) === this.rtc, () => `RTC level ${state.block32(BlockField.RTC_LEVEL)}, expected ${this.rtc}`);
    expect(state.block64(BlockField.GEN_CONF) === this.genConf, () => `general config ${state.block64(BlockField.GEN_CONF)}, expected ${this.genConf}`);
    expect(state.block32(BlockField.SIZE_ERRORS) === this.sizeErrors && x.guest_errors(0) === this.sizeErrors,
      () => `size errors ${x.guest_errors(0)}, expected ${this.sizeErrors}`);
    expect(state.block32(BlockField.ALIGN_ERRORS) === this.alignErrors && x.guest_errors(1) === this.alignErrors,
      () => `alignment errors ${x.guest_errors(1)}, expected ${this.alignErrors}`);

    let levelTimers = 0n;
    let earliest = NOT_ARMED;
    for (let n = 0; n < timers; n++) {
      const conf = state.timer64(n, TimerField.CONF);
      expect(conf === this.confs[n], () => `timer ${n} config 0x${conf.toString(16)}, expected 0x${this.confs[n]!.toString(16)}`);
      expect(state.timer64(n, TimerField.FSB) === this.fsb[n], () => `timer ${n} FSB route differs from the writes`);
      if (conf & TN_INT_TYPE_CNF) levelTimers |= 1n << BigInt(n);
      if (conf & TN_32MODE_CNF) {
        expect(state.timer64(n, TimerField.CMP) <= LOW32 && state.timer64(n, TimerField.PERIOD) <= LOW32,
          () => `timer ${n} in 32-bit mode holds a comparator or period above 32 bits`);
      }
      const deadline = state.timer64(n, TimerField.DEADLINE);
      const flags = state.timer32(n, TimerField.FLAGS);
      expect((flags & ~(TimerFlag.WRAP_PENDING | TimerFlag.ARMED_BEFORE)) === 0, () => `timer ${n} flags ${flags}`);
      if (state.timer64(n, TimerField.CMP) === NOT_ARMED) this.coverage.allOnesComparators++;
      if (flags & TimerFlag.WRAP_PENDING) this.coverage.wrapsPending++;
      if (deadline !== NOT_ARMED) {
        if (conf & TN_TYPE_CNF) {
          const period = state.timer64(n, TimerField.PERIOD);
          if (period === 1n) this.coverage.oneTickPeriods++;
          else if (period >= 1n << 63n) this.coverage.hugePeriods++;
        }
        expect(deadline >= now, () => `timer ${n} is armed for ${deadline}, before now ${now}`);
        expect((flags & TimerFlag.ARMED_BEFORE) !== 0, () => `timer ${n} is armed without its storm-guard time`);
        if (deadline < earliest) earliest = deadline;
      }
    }
    const isr = state.block64(BlockField.ISR);
    expect((isr & ~levelTimers) === 0n,
      () => `status bits 0x${isr.toString(16)} outside the level-triggered timers 0x${levelTimers.toString(16)}`);

    const next = x.next_deadline();
    const reported = earliest > BigInt(MAX_TIME) ? -1n : earliest;
    expect(next === reported, () => `next_deadline() ${next}, but the earliest armed deadline is ${reported}`);
    const nextF64 = x.next_deadline_f64();
    expect(next < 0n ? nextF64 === Infinity : nextF64 === Number(next), () => `next_deadline_f64() ${nextF64} is not ${next}`);
    const limit = target.deferLimit();
    expect(Number.isInteger(limit) && (next < 0n ? limit === TWO_63 : BigInt(limit) <= next && next - BigInt(limit) <= 1536n),
      () => `defer limit ${limit} does not sit just below the next deadline ${next}`);

    this.checkCounter(x.read(0x0f0, 8), now);
  }

  /** The main counter: exactly as the model predicts, and only ever forward within one run. */
  private checkCounter(raw: bigint, now: bigint): void {
    const value = BigInt.asUintN(64, raw);
    const expected = this.counterAt(now);
    if (this.genConf & ENABLE_CNF && value >= NEAR_WRAP) this.coverage.countersNearWrap++;
    expect(value === expected, () => `main counter 0x${value.toString(16)}, expected 0x${expected.toString(16)}`);
    const last = this.lastCounter;
    if (this.genConf & ENABLE_CNF && last !== undefined && last.run === this.run) {
      const period = BigInt(this.config.periodNs);
      const elapsed = (now - this.tEnable) / period - (last.now - this.tEnable) / period;
      const moved = BigInt.asUintN(64, value - last.value);
      expect(moved === elapsed, () => `counter moved by ${moved} ticks in ${elapsed} ticks of time`);
      if (value < last.value) this.coverage.counterWraps++;
    }
    this.lastCounter = { run: this.run, now, value };
  }
}

export function eventText(e: QueuedEvent): string {
  switch (e.kind) {
    case EventKind.LINE: return `I ${e.time} ${e.a} ${e.b}`;
    case EventKind.PULSE: return `pulse ${e.time} ${e.a}`;
    case EventKind.PIT: return `P ${e.time} ${e.a}`;
    case EventKind.MSI: return `M ${e.time} 0x${e.a.toString(16)} 0x${e.b.toString(16)}`;
    default: return `kind ${e.kind} ${e.time} ${e.a} ${e.b}`;
  }
}
