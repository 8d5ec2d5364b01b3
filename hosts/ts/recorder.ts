// Recording a guest session in the replay trace format: a wrapper with the Hpet's guest and
// host calls that writes each access, time advance, input and reset as a trace line, then
// passes the call on. `hpet replay` of the recording gives the outputs the session saw.

import { HpetError } from "./errors.ts";
import type { Hpet, LegacyInput, Level } from "./hpet.ts";
import type { TimeKind, TimeOf } from "./time.ts";

export interface RecorderOptions {
  /** Receives the trace a line at a time ("t 1000\n"); without it the recorder keeps the text for trace(). */
  write?: ((line: string) => void) | undefined;
}

/** The only clock period the trace format can express (it has no field for another). */
const TRACE_CLOCK_PERIOD_NS = 10;

export class HpetRecorder<K extends TimeKind = "number"> {
  private readonly sink: (line: string) => void;
  private readonly kept: string[] | undefined;
  /** The last time written to the trace. */
  private time = 0n;
  /** The line of the call in progress: written once the call succeeds or calls back into us. */
  private pending: string | undefined;

  /**
   * Starts recording `hpet`, which must be as created: the trace begins, as its replay does,
   * with a new instance at time 0. Calls made on `hpet` directly are not recorded.
   */
  constructor(readonly hpet: Hpet<K>, options: RecorderOptions = {}) {
    const { timers, msi, intcap, clockPeriodNs } = hpet.config;
    if (clockPeriodNs !== TRACE_CLOCK_PERIOD_NS) {
      throw new HpetError("bad-config", `cannot record an instance with a ${clockPeriodNs} ns clock period: `
        + `traces replay with the default ${TRACE_CLOCK_PERIOD_NS} ns`);
    }
    if (!isAsCreated(hpet)) {
      throw new HpetError("bad-config", "record a new instance: this one has been used since it was created, "
        + "so a replay, which starts from a new one, would not match");
    }
    if (options.write === undefined) {
      const kept: string[] = [];
      this.kept = kept;
      this.sink = (line) => kept.push(line);
    } else {
      this.kept = undefined;
      this.sink = options.write;
    }
    this.sink(`config timers=${timers} msi=${msi ? 1 : 0} intcap=0x${(intcap >>> 0).toString(16)}\n`);
  }

  /** The recording so far (only when no `write` option was given). */
  trace(): string {
    if (this.kept === undefined) throw new Error("this recorder passes its lines to its write option and keeps none");
    return this.kept.join("");
  }

  get windowSize(): number {
    return this.hpet.windowSize;
  }

  get now(): TimeOf<K> {
    return this.hpet.now;
  }

  nextDeadline(): TimeOf<K> | null {
    return this.hpet.nextDeadline();
  }

  read(offset: number, size: 1 | 2 | 4 = 4): number {
    return this.record(`r ${hex(offset)} ${size}`, () => this.hpet.read(offset, size));
  }

  read64(offset: number): bigint {
    return this.record(`r ${hex(offset)} 8`, () => this.hpet.read64(offset));
  }

  write(offset: number, value: number, size: 1 | 2 | 4 = 4): void {
    const bytes = Number.isInteger(value) ? BigInt.asUintN(8 * size, BigInt(value)) : 0n;
    this.record(`w ${hex(offset)} ${size} ${hex(bytes)}`, () => this.hpet.write(offset, value, size));
  }

  write64(offset: number, value: bigint): void {
    const bytes = typeof value === "bigint" ? BigInt.asUintN(64, value) : 0n;
    this.record(`w ${hex(offset)} 8 ${hex(bytes)}`, () => this.hpet.write64(offset, value));
  }

  setLegacyInput(input: LegacyInput, level: Level | boolean): void {
    this.record(`i ${input === "pit" ? 0 : 1} ${level ? 1 : 0}`, () => this.hpet.setLegacyInput(input, level));
  }

  reset(): void {
    this.record("x", () => this.hpet.reset());
  }

  advance(timeNs: TimeOf<K>): void {
    this.flushTime();
    this.hpet.advance(timeNs);
    this.flushTime();
  }

  // Writes `line` and makes the call. A call the device refuses changes nothing, so its line
  // is dropped; one that calls back into the recorder (from an event callback) has run, so
  // its line goes before the line of the nested call.
  private record<T>(line: string, call: () => T): T {
    this.flushTime();
    this.flushPending();
    this.pending = line;
    try {
      const result = call();
      this.flushPending();
      return result;
    } finally {
      this.pending = undefined;
    }
  }

  // The device's time moves on in advance(), and an access made from a callback during an
  // advance happens at the device's time then: each is written as a "t" line before what follows.
  private flushTime(): void {
    const now = BigInt(this.hpet.now);
    if (now <= this.time) return;
    this.flushPending();
    this.time = now;
    this.sink(`t ${now}\n`);
  }

  private flushPending(): void {
    if (this.pending === undefined) return;
    const line = this.pending;
    this.pending = undefined;
    this.sink(`${line}\n`);
  }
}

const hex = (value: number | bigint): string => `0x${value.toString(16)}`;

// At time 0 and in the state a reset gives (a new instance is one reset at time 0).
function isAsCreated(hpet: Hpet<TimeKind>): boolean {
  if (BigInt(hpet.now) !== 0n) return false;
  const probe = hpet.clone();
  try {
    probe.onIrq = probe.onPitEnable = probe.onMsi = undefined;
    const before = probe.snapshot();
    probe.reset();
    const after = probe.snapshot();
    return before.length === after.length && before.every((byte, i) => byte === after[i]);
  } finally {
    probe.dispose();
  }
}
