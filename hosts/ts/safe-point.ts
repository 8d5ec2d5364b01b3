// Interrupt outputs at the emulator's safe points. A guest register access can make the device
// raise a line (a timer falls due when the access brings time forward, a write enables an
// interrupt whose status is set, ...), but an emulator's interrupt controller must not start an
// interrupt in the middle of the instruction making the access. Between enter() and leave()
// (one guest access) rises, PIT-enable rises and MSI writes are held, each with its exact time,
// and deliver(), called by the emulator between instructions, passes them on in order. Falls
// pass at once: lowering a line starts nothing, and a level-triggered line whose fall waited
// past the guest's end-of-interrupt would be taken by the controller as still asserted.

import type { HpetCallbacks, Level } from "./hpet.ts";

/** Where outputs go: the emulator's interrupt controller (the same callbacks an Hpet takes). */
export type OutputSink<T> = HpetCallbacks<T>;

/** Brackets around each guest access (what HpetMmio's safePoint option takes). */
export interface AccessMarker {
  enter(): void;
  leave(): void;
}

const enum Kind { IRQ, PIT_ENABLE, MSI }

interface Held<T> {
  readonly kind: Kind;
  /** IRQ: the line; MSI: the address. */
  readonly a: number;
  /** IRQ and PIT-enable: the level; MSI: the data. */
  readonly b: number;
  readonly timeNs: T;
}

export class SafePointDelivery<T = number> implements AccessMarker {
  private readonly held: Held<T>[] = [];
  /** Lines with a rise among the held outputs (their falls queue behind it). */
  private readonly heldRises = new Set<number>();
  private heldPitEnableRise = false;
  private depth = 0;
  private delivering = false;

  constructor(readonly sink: OutputSink<T>) {}

  /** A guest access starts: until the matching leave(), rises and MSI writes are held. Nests. */
  enter(): void {
    this.depth++;
  }

  leave(): void {
    if (this.depth === 0) throw new Error("SafePointDelivery.leave() without a matching enter()");
    this.depth--;
  }

  /** Whether a guest access is in progress. */
  get inAccess(): boolean {
    return this.depth > 0;
  }

  /** Outputs held for the next safe point. */
  get pending(): number {
    return this.held.length;
  }

  /**
   * A safe point: pass every held output on, in the order the device made them, each with its
   * own time. Call it between instructions (at the latest before the CPU takes interrupts).
   */
  deliver(): void {
    if (this.delivering) return; // a sink calling back in: the loop below takes what it adds
    this.delivering = true;
    const held = this.held;
    let next = 0;
    try {
      while (next < held.length) this.pass(held[next++]!);
    } finally {
      // Normally everything; if a sink threw, what it had not reached stays held.
      held.splice(0, next);
      this.heldRises.clear();
      this.heldPitEnableRise = false;
      for (const output of held) {
        if (output.kind === Kind.IRQ && output.b === 1) this.heldRises.add(output.a);
        else if (output.kind === Kind.PIT_ENABLE && output.b === 1) this.heldPitEnableRise = true;
      }
      this.delivering = false;
    }
  }

  // The device's callbacks, bound: hand them to Hpet.create (or set them on an instance).

  readonly onIrq = (line: number, level: Level, timeNs: T): void => {
    // A fall behind a held rise of its line waits too: a pulse stays a rise and a fall.
    if (this.mustHold(level === 1, level === 0 && this.heldRises.has(line))) {
      if (level === 1) this.heldRises.add(line);
      this.hold({ kind: Kind.IRQ, a: line, b: level, timeNs });
    } else {
      this.sink.onIrq?.(line, level, timeNs);
    }
  };

  readonly onPitEnable = (level: Level, timeNs: T): void => {
    if (this.mustHold(level === 1, level === 0 && this.heldPitEnableRise)) {
      if (level === 1) this.heldPitEnableRise = true;
      this.hold({ kind: Kind.PIT_ENABLE, a: 0, b: level, timeNs });
    } else {
      this.sink.onPitEnable?.(level, timeNs);
    }
  };

  readonly onMsi = (address: number, data: number, timeNs: T): void => {
    if (this.mustHold(true, false)) this.hold({ kind: Kind.MSI, a: address, b: data, timeNs });
    else this.sink.onMsi?.(address, data, timeNs);
  };

  // Outside an access an output goes straight on, after any still held; inside one, a rise
  // (or MSI write) is held, and so is a fall that follows a held rise of its own output.
  private mustHold(rise: boolean, fallBehindHeldRise: boolean): boolean {
    return this.depth === 0 ? this.held.length !== 0 : rise || fallBehindHeldRise;
  }

  private hold(output: Held<T>): void {
    this.held.push(output);
    if (this.depth === 0) this.deliver();
  }

  private pass(output: Held<T>): void {
    if (output.kind === Kind.IRQ) this.sink.onIrq?.(output.a, output.b as Level, output.timeNs);
    else if (output.kind === Kind.PIT_ENABLE) this.sink.onPitEnable?.(output.b as Level, output.timeNs);
    else this.sink.onMsi?.(output.a, output.b, output.timeNs);
  }
}
