// Real-time driving for interactive emulators: device time follows a monotonic wall clock
// while running and stands still while paused, and a host timer advances the device at its
// next deadline, so interrupts arrive on time without the emulator polling.

/** The part of an instance the driver moves: an Hpet with number times, or a recorder over one. */
export interface DrivenDevice {
  readonly now: number;
  advance(timeNs: number): void;
  nextDeadline(): number | null;
}

/** A monotonic clock in nanoseconds; only differences between its readings matter. */
export type NsClock = () => number;

/** Host timers, setTimeout-style (the default is the global setTimeout and clearTimeout). */
export interface HostTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RealtimeOptions {
  /** Default: process.hrtime.bigint() where it exists (Node), else performance.now(). */
  clock?: NsClock | undefined;
  timers?: HostTimers | undefined;
}

/** Host timers take at most 2^31 - 1 ms; a later deadline is approached in steps of that. */
const MAX_DELAY_MS = 0x7fff_ffff;
const NS_PER_MS = 1_000_000;

export class RealtimeDriver {
  private readonly clock: NsClock;
  private readonly timers: HostTimers;
  private running = false;
  /** The wall-clock reading and device time when the driver last resumed. */
  private wallAtResume = 0;
  private deviceAtResume = 0;
  private timer: { readonly handle: unknown; readonly deadline: number } | undefined;
  private syncing = false;

  /** A paused driver for `device`; call resume() to let time run. */
  constructor(readonly device: DrivenDevice, options: RealtimeOptions = {}) {
    this.clock = options.clock ?? defaultClock();
    this.timers = options.timers ?? globalTimers;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Let device time run on from where it stands, in step with the clock. */
  resume(): void {
    if (this.running) return;
    this.wallAtResume = this.clock();
    this.deviceAtResume = this.device.now;
    this.running = true;
    this.schedule();
  }

  /** Bring the device up to the present, then stop its time until resume(). */
  pause(): void {
    if (!this.running) return;
    this.sync();
    this.running = false;
    this.cancel();
  }

  /**
   * Advance the device to the present and aim the host timer at its next deadline. Call it
   * before a guest access (so the counter reads the present) and after a guest write (which
   * may move a deadline); the MMIO adapter's `sync` option does both. Does nothing while
   * paused, and nothing when called from a callback of the advance it makes.
   */
  sync(): void {
    if (!this.running || this.syncing) return;
    this.syncing = true;
    try {
      const present = this.deviceAtResume + Math.floor(this.clock() - this.wallAtResume);
      if (present > this.device.now) this.device.advance(present);
    } finally {
      this.syncing = false;
    }
    this.schedule();
  }

  private schedule(): void {
    const deadline = this.device.nextDeadline();
    if (this.timer !== undefined && this.timer.deadline === deadline) return;
    this.cancel();
    if (deadline === null) return;
    const delayMs = Math.min(Math.max(Math.ceil((deadline - this.device.now) / NS_PER_MS), 0), MAX_DELAY_MS);
    const handle = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.sync();
    }, delayMs);
    this.timer = { handle, deadline };
  }

  private cancel(): void {
    if (this.timer === undefined) return;
    this.timers.clearTimeout(this.timer.handle);
    this.timer = undefined;
  }
}

const globalTimers: HostTimers = {
  setTimeout: (callback, delayMs) => globalThis.setTimeout(callback, delayMs),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
};

function defaultClock(): NsClock {
  if (typeof process !== "undefined" && typeof process.hrtime?.bigint === "function") {
    // Relative to creation, so the readings stay well inside a number's exact range.
    const origin = process.hrtime.bigint();
    return () => Number(process.hrtime.bigint() - origin);
  }
  return () => performance.now() * NS_PER_MS;
}
