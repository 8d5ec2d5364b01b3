// An independent model of docs/behaviour.md, written from the reference text alone
// (QEMU's hw/timer/hpet.c only where the text is silent), to check the wasm device against.
// Deliberately literal and slow: bigint everywhere, a linear search for the next deadline,
// every rule in the order the reference states it. It takes a parsed trace and returns the
// replay output text.

import type { Trace, TraceOp } from "../../hosts/ts/trace.ts";

const U64 = (1n << 64n) - 1n;
const LOW32 = 0xffff_ffffn;
const MAX_DEADLINE = (1n << 63n) - 1n;
const CLOCK_PERIOD_NS = 10n;
const CLOCK_PERIOD_FS = 10_000_000n;
const STORM_GUARD_NS = 1000n;

// General configuration register.
const ENABLE_CNF = 1n << 0n;
const LEG_RT_CNF = 1n << 1n;
const GENERAL_CONFIG_WRITABLE = ENABLE_CNF | LEG_RT_CNF;

// Timer N configuration and capability register.
const Tn_INT_TYPE_CNF = 1n << 1n;
const Tn_INT_ENB_CNF = 1n << 2n;
const Tn_TYPE_CNF = 1n << 3n;
const Tn_PER_INT_CAP = 1n << 4n;
const Tn_SIZE_CAP = 1n << 5n;
const Tn_VAL_SET_CNF = 1n << 6n;
const Tn_32MODE_CNF = 1n << 8n;
const Tn_INT_ROUTE_SHIFT = 9n;
const Tn_INT_ROUTE_MASK = 0x1fn;
const Tn_FSB_EN_CNF = 1n << 14n;
const Tn_FSB_INT_DEL_CAP = 1n << 15n;
const TIMER_CONFIG_WRITABLE = 0x7f4en;

// Register offsets.
const GENERAL_CAPABILITIES_ID = 0x000;
const GENERAL_CONFIGURATION = 0x010;
const GENERAL_INTERRUPT_STATUS = 0x020;
const MAIN_COUNTER = 0x0f0;
const TIMER_BLOCK = 0x100;
const TIMER_STRIDE = 0x20;
const Tn_CONFIG = 0x00;
const Tn_COMPARATOR = 0x08;
const Tn_FSB_ROUTE = 0x10;

const PIT_INPUT = 0;
const RTC_LINE = 8;

interface Timer {
  config: bigint;
  comparator: bigint;
  period: bigint;
  fsbRoute: bigint;
  cmp64: bigint;
  waitingForWrap: boolean;
  deadline: bigint | null;
  lastArmed: bigint | null;
}

const bit = (n: number): bigint => 1n << BigInt(n);
const u64 = (value: bigint): bigint => BigInt.asUintN(64, value);
const hex = (value: bigint | number): string => `0x${value.toString(16)}`;
/** Replace `width` bits of `old` starting at `shift` with the low bits of `value`. */
const deposit = (old: bigint, shift: bigint, width: bigint, value: bigint): bigint => {
  const field = ((1n << width) - 1n) << shift;
  return u64((old & ~field) | ((value << shift) & field));
};

/** A trace would run more expirations than the caller allowed (a fast periodic timer and a long advance). */
export class ExpiryBudgetError extends Error {
  override readonly name = "ExpiryBudgetError";
  constructor(limit: number) {
    super(`more than ${limit} timer expirations`);
  }
}

export class HpetModel {
  private readonly timers: Timer[] = [];
  private readonly lines: number[] = new Array<number>(32).fill(0);
  private readonly output: string[] = [];
  private pitEnable = 0;
  private now = 0n;
  private generalConfig = 0n;
  private isr = 0n;
  private storedCounter = 0n;
  private base = 0n;
  private tEnable = 0n;
  private rtcLevel = 0;
  private expiries = 0;

  constructor(
    private readonly timerCount: number,
    private readonly msi: boolean,
    private readonly intcap: number,
    private readonly maxExpiries = Infinity,
  ) {
    for (let n = 0; n < timerCount; n++) {
      this.timers.push({
        config: 0n, comparator: 0n, period: 0n, fsbRoute: 0n, cmp64: 0n,
        waitingForWrap: false, deadline: null, lastArmed: null,
      });
    }
    // Power-on: every output low, then a reset at time 0.
    this.reset();
  }

  text(): string {
    return this.output.map((line) => `${line}\n`).join("");
  }

  run(op: TraceOp): void {
    switch (op.kind) {
      case "advance": this.advance(op.timeNs); break;
      case "read": this.read(op.offset, op.size); break;
      case "write": this.write(op.offset, op.size, op.value); break;
      case "reset": this.reset(); break;
      case "input": this.input(op.input, op.level); break;
      case "snapshot": break; // snapshot, restore, continue: invisible to the guest
    }
  }

  // ---- outputs ----

  private setLine(line: number, level: number): void {
    if (this.lines[line] === level) return;
    this.lines[line] = level;
    this.output.push(`I ${this.now} ${line} ${level}`);
  }

  private setPitEnable(level: number): void {
    if (this.pitEnable === level) return;
    this.pitEnable = level;
    this.output.push(`P ${this.now} ${level}`);
  }

  // ---- time ----

  private enabled(): boolean {
    return (this.generalConfig & ENABLE_CNF) !== 0n;
  }

  private ticksSinceEnable(): bigint {
    return (this.now - this.tEnable) / CLOCK_PERIOD_NS;
  }

  private counter(): bigint {
    return this.enabled() ? u64(this.base + this.ticksSinceEnable()) : this.storedCounter;
  }

  private advance(target: bigint): void {
    for (;;) {
      let next = -1;
      for (let n = 0; n < this.timerCount; n++) {
        const deadline = this.timers[n]!.deadline;
        if (deadline === null) continue;
        if (next < 0 || deadline < this.timers[next]!.deadline!) next = n;
      }
      if (next < 0 || this.timers[next]!.deadline! > target) break;
      const deadline = this.timers[next]!.deadline!;
      if (deadline > this.now) this.now = deadline;
      if (++this.expiries > this.maxExpiries) throw new ExpiryBudgetError(this.maxExpiries);
      this.expire(next);
    }
    this.now = target;
  }

  // ---- arming ----

  private periodic(t: Timer): boolean {
    return (t.config & Tn_TYPE_CNF) !== 0n;
  }

  private arm(n: number, x: bigint): void {
    const t = this.timers[n]!;
    const dcur = this.ticksSinceEnable();
    const cur = u64(this.base + dcur);
    let deadline: bigint;
    if (x <= cur) {
      deadline = this.now;
    } else {
      deadline = this.tEnable + (dcur + (x - cur)) * CLOCK_PERIOD_NS;
      if (deadline > MAX_DEADLINE) {
        t.deadline = null;
        return;
      }
    }
    if (this.periodic(t) && t.lastArmed !== null
      && t.lastArmed <= deadline && deadline < t.lastArmed + STORM_GUARD_NS) {
      deadline = t.lastArmed + STORM_GUARD_NS;
    }
    t.lastArmed = deadline;
    t.deadline = deadline;
  }

  private program(n: number): void {
    const t = this.timers[n]!;
    const cur = this.counter();
    t.waitingForWrap = false;
    if ((t.config & Tn_32MODE_CNF) !== 0n) {
      t.cmp64 = (cur & ~LOW32) | (t.comparator & LOW32);
      if (t.cmp64 < cur) t.cmp64 = u64(t.cmp64 + (1n << 32n));
      const wrap = u64((cur | LOW32) + 1n);
      if (!this.periodic(t) && t.cmp64 > wrap) {
        t.waitingForWrap = true;
        this.arm(n, wrap);
        return;
      }
    } else {
      t.cmp64 = t.comparator;
    }
    this.arm(n, t.cmp64);
  }

  private expire(n: number): void {
    const t = this.timers[n]!;
    t.deadline = null;
    const cur = this.counter();
    if (this.periodic(t) && t.period !== 0n) {
      if (cur >= t.cmp64) {
        t.cmp64 = u64(t.cmp64 + t.period * ((cur - t.cmp64) / t.period + 1n));
      }
      t.comparator = (t.config & Tn_32MODE_CNF) !== 0n ? t.cmp64 & LOW32 : t.cmp64;
      this.arm(n, t.cmp64);
    } else if (t.waitingForWrap) {
      t.waitingForWrap = false;
      this.arm(n, t.cmp64);
    }
    if ((t.config & Tn_INT_ENB_CNF) === 0n) {
      if ((t.config & Tn_INT_TYPE_CNF) !== 0n) this.isr |= bit(n);
      else this.isr &= ~bit(n);
    } else {
      this.raise(n);
    }
  }

  // ---- interrupts ----

  private route(n: number): number {
    if ((this.generalConfig & LEG_RT_CNF) !== 0n) {
      if (n === 0) return 0;
      if (n === 1) return RTC_LINE;
    }
    return Number((this.timers[n]!.config >> Tn_INT_ROUTE_SHIFT) & Tn_INT_ROUTE_MASK);
  }

  private raise(n: number): void {
    const t = this.timers[n]!;
    const level = (t.config & Tn_INT_TYPE_CNF) !== 0n;
    const fsb = (t.config & Tn_FSB_EN_CNF) !== 0n;
    if (level) this.isr |= bit(n);
    else this.isr &= ~bit(n);
    if ((t.config & Tn_INT_ENB_CNF) !== 0n && this.enabled()) {
      if (fsb) {
        this.output.push(`M ${this.now} ${hex(t.fsbRoute >> 32n)} ${hex(t.fsbRoute & LOW32)}`);
      } else if (level) {
        this.setLine(this.route(n), 1);
      } else {
        this.setLine(this.route(n), 1);
        this.setLine(this.route(n), 0);
      }
    } else if (!fsb) {
      this.setLine(this.route(n), 0);
    }
  }

  private lower(n: number): void {
    this.isr &= ~bit(n);
    if ((this.timers[n]!.config & Tn_FSB_EN_CNF) === 0n) this.setLine(this.route(n), 0);
  }

  // ---- registers ----

  private windowSize(): number {
    return this.timerCount <= 24 ? 0x400 : 0x500;
  }

  /** The 8-byte-aligned register an access hits, or null for a guest error. */
  private decode(offset: number, size: number): number | null {
    if (size !== 4 && size !== 8) return null;
    if (offset % size !== 0) return null;
    return offset - (offset % 8);
  }

  private timerOf(register: number): { n: number; field: number } | null {
    if (register < TIMER_BLOCK || register >= this.windowSize()) return null;
    const n = Math.floor((register - TIMER_BLOCK) / TIMER_STRIDE);
    if (n >= this.timerCount) return null;
    return { n, field: (register - TIMER_BLOCK) % TIMER_STRIDE };
  }

  private capabilities(): bigint {
    return 0x01n | (BigInt(this.timerCount - 1) << 8n) | (1n << 13n) | (1n << 15n)
      | (0x8086n << 16n) | (CLOCK_PERIOD_FS << 32n);
  }

  private registerValue(register: number): bigint {
    if (register >= this.windowSize()) return 0n;
    switch (register) {
      case GENERAL_CAPABILITIES_ID: return this.capabilities();
      case GENERAL_CONFIGURATION: return this.generalConfig;
      case GENERAL_INTERRUPT_STATUS: return this.isr;
      case MAIN_COUNTER: return this.counter();
    }
    const timer = this.timerOf(register);
    if (timer === null) return 0n;
    const t = this.timers[timer.n]!;
    switch (timer.field) {
      case Tn_CONFIG: return t.config;
      case Tn_COMPARATOR: return t.comparator;
      case Tn_FSB_ROUTE: return t.fsbRoute;
    }
    return 0n;
  }

  private read(offset: number, size: number): void {
    const register = this.decode(offset, size);
    let value = 0n;
    if (register !== null) {
      const shift = BigInt((offset - register) * 8);
      value = (this.registerValue(register) >> shift) & ((1n << BigInt(size * 8)) - 1n);
    }
    this.output.push(`R ${this.now} ${hex(offset)} ${size} ${hex(value)}`);
  }

  private write(offset: number, size: number, value: bigint): void {
    const register = this.decode(offset, size);
    if (register === null || register >= this.windowSize()) return;
    const shift = BigInt((offset - register) * 8);
    const width = BigInt(size * 8);
    switch (register) {
      case GENERAL_CAPABILITIES_ID: return;
      case GENERAL_CONFIGURATION: this.writeGeneralConfig(deposit(this.generalConfig, shift, width, value)); return;
      case GENERAL_INTERRUPT_STATUS: this.writeIsr(u64(value << shift)); return;
      case MAIN_COUNTER:
        if (!this.enabled()) this.storedCounter = deposit(this.storedCounter, shift, width, value);
        return;
    }
    const timer = this.timerOf(register);
    if (timer === null) return;
    const t = this.timers[timer.n]!;
    switch (timer.field) {
      case Tn_CONFIG: this.writeTimerConfig(timer.n, deposit(t.config, shift, width, value)); return;
      case Tn_COMPARATOR: this.writeComparator(timer.n, shift, width, value); return;
      case Tn_FSB_ROUTE: t.fsbRoute = deposit(t.fsbRoute, shift, width, value); return;
    }
  }

  private writeGeneralConfig(merged: bigint): void {
    const old = this.generalConfig;
    const next = merged & GENERAL_CONFIG_WRITABLE;
    if ((old & ENABLE_CNF) !== 0n && (next & ENABLE_CNF) === 0n) {
      this.storedCounter = this.counter(); // still running: computed before the store
    }
    this.generalConfig = next;
    if ((old & ENABLE_CNF) === 0n && (next & ENABLE_CNF) !== 0n) {
      this.base = this.storedCounter;
      this.tEnable = this.now;
      for (let n = 0; n < this.timerCount; n++) {
        if ((this.timers[n]!.config & Tn_INT_ENB_CNF) !== 0n && (this.isr & bit(n)) !== 0n) this.raise(n);
      }
      for (let n = 0; n < this.timerCount; n++) this.program(n);
    } else if ((old & ENABLE_CNF) !== 0n && (next & ENABLE_CNF) === 0n) {
      for (let n = 0; n < this.timerCount; n++) {
        this.timers[n]!.deadline = null;
        if ((this.isr & bit(n)) !== 0n) this.raise(n);
      }
    }
    if ((old & LEG_RT_CNF) === 0n && (next & LEG_RT_CNF) !== 0n) {
      this.setPitEnable(0);
      this.setLine(0, 0);
      this.setLine(RTC_LINE, 0);
    } else if ((old & LEG_RT_CNF) !== 0n && (next & LEG_RT_CNF) === 0n) {
      this.setLine(0, 0);
      this.setPitEnable(1);
      this.setLine(RTC_LINE, this.rtcLevel);
    }
  }

  private writeIsr(written: bigint): void {
    for (let n = 0; n < this.timerCount; n++) {
      if ((written & bit(n)) !== 0n && (this.isr & bit(n)) !== 0n) this.lower(n);
    }
  }

  private writeTimerConfig(n: number, merged: bigint): void {
    const t = this.timers[n]!;
    const old = t.config;
    const next = (merged & TIMER_CONFIG_WRITABLE) | (old & ~TIMER_CONFIG_WRITABLE);
    if ((old & Tn_INT_TYPE_CNF) !== 0n && (next & Tn_INT_TYPE_CNF) === 0n) this.lower(n);
    t.config = next;
    if ((old & Tn_INT_ENB_CNF) === 0n && (next & Tn_INT_ENB_CNF) !== 0n && (this.isr & bit(n)) !== 0n) {
      this.raise(n);
    }
    if ((next & Tn_32MODE_CNF) !== 0n) {
      t.comparator &= LOW32;
      t.period &= LOW32;
    }
    if (this.enabled()) this.program(n);
  }

  private writeComparator(n: number, shift: bigint, width: bigint, value: bigint): void {
    const t = this.timers[n]!;
    let place = (old: bigint): bigint => deposit(old, shift, width, value);
    if ((t.config & Tn_32MODE_CNF) !== 0n) {
      if (shift !== 0n) return;
      place = () => value & LOW32;
    }
    if (!this.periodic(t) || (t.config & Tn_VAL_SET_CNF) !== 0n) t.comparator = place(t.comparator);
    if (this.periodic(t)) t.period = place(t.period);
    t.config &= ~Tn_VAL_SET_CNF;
    if (this.enabled()) this.program(n);
  }

  // ---- legacy inputs and reset ----

  private input(input: 0 | 1, level: 0 | 1): void {
    const legacy = (this.generalConfig & LEG_RT_CNF) !== 0n;
    if (input === PIT_INPUT) {
      if (!legacy) this.setLine(0, level);
    } else {
      this.rtcLevel = level;
      if (!legacy) this.setLine(RTC_LINE, level);
    }
  }

  private reset(): void {
    for (const t of this.timers) {
      t.deadline = null;
      t.lastArmed = null;
      t.comparator = U64;
      t.period = 0n;
      t.config = (BigInt(this.intcap) << 32n) | Tn_PER_INT_CAP | Tn_SIZE_CAP | (this.msi ? Tn_FSB_INT_DEL_CAP : 0n);
      t.waitingForWrap = false;
    }
    this.isr = 0n;
    for (let line = 0; line < this.lines.length; line++) this.setLine(line, 0);
    this.setPitEnable(1);
    this.storedCounter = 0n;
    this.generalConfig = 0n;
    this.rtcLevel = 0;
  }
}

/** Replays a parsed trace through the model and returns the output text. */
export function modelReplay(trace: Trace, maxExpiries = Infinity): string {
  const model = new HpetModel(trace.config.timers, trace.config.msi, trace.config.intcap, maxExpiries);
  for (const op of trace.ops) model.run(op);
  return model.text();
}
