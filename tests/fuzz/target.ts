// One instance of hpet.wasm driven through its raw exports: runs a fuzzer operation, times
// every call, and reads the events it queued straight from the module's memory.

import { ADVANCE_INCOMPLETE, EVENT_SIZE, HostArea, type HpetExports, hpetExports, QUEUE_HEADER_SIZE } from "../../hosts/ts/abi.ts";
import type { Corruption, Op } from "./ops.ts";
import { computeCrc, CRC_SIZE, Header } from "./snapshot-layout.ts";

export interface QueuedEvent {
  readonly time: bigint;
  readonly kind: number;
  readonly a: number;
  readonly b: number;
}

/** What one operation did: every call's return value, the queue after each, the events. */
export interface Outcome {
  readonly results: (number | bigint)[];
  /** events_count() right after each call that returns a status. */
  readonly counts: number[];
  /** read_status() after a read. */
  readStatus: number | undefined;
  /** Events queued by the operation, in order (also those of earlier calls it drained). */
  readonly events: QueuedEvent[];
  /** The slowest single call of the module, in ms. */
  maxCallMs: number;
}

const WORDS_PER_EVENT = EVENT_SIZE / 4;

export class Target {
  readonly x: HpetExports;
  private readonly words: Uint32Array;
  private readonly countWord: number;
  private readonly firstRecordWord: number;
  private readonly deferLimitView: Float64Array;
  /** Queued events already collected. */
  private seen = 0;

  /** `wrap` may replace exports: tests give the fuzzer deliberately broken ones. */
  constructor(module: WebAssembly.Module, wrap: (exports: HpetExports) => HpetExports = (exports) => exports) {
    this.x = wrap(hpetExports(new WebAssembly.Instance(module, {})));
    // The module's memory is fixed (one page), so these views stay valid.
    this.words = new Uint32Array(this.x.memory.buffer);
    const queue = this.x.events_ptr();
    this.countWord = queue >>> 2;
    this.firstRecordWord = (queue + QUEUE_HEADER_SIZE) >>> 2;
    this.deferLimitView = new Float64Array(this.x.memory.buffer, queue + HostArea.DEFER_LIMIT, 1);
  }

  count(): number {
    return this.words[this.countWord]!;
  }

  /** The queue's capacity in events, from its header. */
  capacity(): number {
    return this.words[this.countWord + 1]!;
  }

  /** The time before which, the module says, no timer expires. */
  deferLimit(): number {
    return this.deferLimitView[0]!;
  }

  /** Appends the events queued since the last collect. */
  collect(into: QueuedEvent[]): void {
    const words = this.words;
    for (let i = this.seen; i < this.count(); i++) {
      const at = this.firstRecordWord + i * WORDS_PER_EVENT;
      into.push({
        time: (BigInt(words[at + 1]!) << 32n) | BigInt(words[at]!),
        kind: words[at + 2]!,
        a: words[at + 3]!,
        b: words[at + 4]!,
      });
    }
    this.seen = this.count();
  }

  /** Collects, then empties the queue. */
  drain(into: QueuedEvent[]): void {
    this.collect(into);
    this.x.events_consume(this.seen);
    this.seen = 0;
  }

  /** Makes this instance's queue position match another's (after a restore from its snapshot). */
  adoptSeen(other: Target): void {
    this.seen = other.seen;
  }

  snapshot(): Uint8Array {
    const length = this.x.snapshot();
    return new Uint8Array(this.x.memory.buffer, this.x.snapshot_buffer(), length).slice();
  }

  restore(bytes: Uint8Array): number {
    new Uint8Array(this.x.memory.buffer, this.x.snapshot_buffer(), bytes.length).set(bytes);
    return this.x.restore(bytes.length);
  }

  /** Runs `op`. While `holding`, queued events stay in the queue between calls. */
  run(op: Op, holding: boolean): Outcome {
    const outcome: Outcome = { results: [], counts: [], readStatus: undefined, events: [], maxCallMs: 0 };
    const x = this.x;
    const timed = <T extends number | bigint>(call: () => T): T => {
      const start = performance.now();
      const result = call();
      outcome.maxCallMs = Math.max(outcome.maxCallMs, performance.now() - start);
      return result;
    };
    const status = (call: () => number): void => {
      outcome.results.push(timed(call));
      outcome.counts.push(this.count());
    };
    switch (op.kind) {
      case "init":
        status(() => x.init(op.timers, op.msi, op.intcap, op.periodNs));
        // A successful init empties the queue and queues its own power-on events.
        if ((outcome.results[0] as number) >= 0) this.seen = 0;
        break;
      case "reset":
        status(() => x.reset());
        break;
      case "write":
        status(() => x.write(op.offset, op.size, op.value));
        break;
      case "write32":
        status(() => x.write32(op.offset, op.value, op.timeNs));
        break;
      case "read":
        outcome.results.push(timed(() => x.read(op.offset, op.size)));
        outcome.readStatus = x.read_status();
        break;
      case "read32":
        outcome.results.push(timed(() => x.read32(op.offset, op.timeNs)));
        outcome.readStatus = x.read_status();
        break;
      case "input":
        status(() => x.set_input(op.input, op.level));
        break;
      case "advance": {
        const { time } = op;
        const call = typeof time === "bigint" ? () => x.advance(time) : () => x.advance_f64(time);
        for (let calls = 0; calls < op.maxCalls; calls++) {
          status(call);
          const result = outcome.results[calls] as number;
          if (result < 0 || !(result & ADVANCE_INCOMPLETE)) break;
          if (holding) this.collect(outcome.events);
          else this.drain(outcome.events);
        }
        break;
      }
      case "guest-errors":
        outcome.results.push(timed(() => x.guest_errors(op.errorKind)));
        break;
      case "consume":
        timed(() => {
          x.events_consume(op.count);
          return 0;
        });
        this.seen = this.count();
        outcome.counts.push(this.count());
        break;
      case "restore-self":
        outcome.results.push(timed(() => x.restore(x.snapshot())));
        break;
      case "restore-corrupt":
        outcome.results.push(timed(() => x.restore(this.corrupt(op.corruption))));
        break;
    }
    this.collect(outcome.events);
    return outcome;
  }

  /** Takes a snapshot into the transfer buffer, spoils it, and returns the length to restore. */
  private corrupt(corruption: Corruption): number {
    const length = this.x.snapshot();
    const bytes = new Uint8Array(this.x.memory.buffer, this.x.snapshot_buffer(), this.x.snapshot_capacity());
    switch (corruption.kind) {
      case "bit": {
        const bit = corruption.bit % (length * 8);
        bytes[bit >>> 3] = bytes[bit >>> 3]! ^ (1 << (bit & 7));
        return length;
      }
      case "truncate":
        return length - (corruption.drop % length) - 1;
      case "extend":
        return length + corruption.extra;
      case "version": {
        // A newer format whose CRC is intact: the version check alone must refuse it.
        const view = new DataView(bytes.buffer, bytes.byteOffset);
        view.setUint32(Header.VERSION, 2, true);
        view.setUint32(length - CRC_SIZE, computeCrc(bytes.subarray(0, length)), true);
        return length;
      }
    }
  }
}
