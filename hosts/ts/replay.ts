// Replaying a guest trace against the device, producing the output format of
// docs/trace-format.md: R (reads), I (line changes), P (PIT-enable changes) and M (MSI writes),
// in order. Whole traces give a string (replay); a streamed trace gives its output a line at a
// time as it is produced (replayStream), for traces whose output does not fit in memory.

import { Hpet } from "./hpet.ts";
import type { TimeKind, TimeOf } from "./time.ts";
import { type Trace, type TraceConfig, type TraceOp, traceOps, TraceParser } from "./trace.ts";
import type { WasmModule } from "./wasm.ts";

/** Receives each output line, without its line end, as soon as it is produced. */
export type LineSink = (line: string) => void;

/**
 * The trace's output. `time` picks the host's time type: "bigint" (default) is exact over the
 * whole range; "number" exercises the host's deferred-time path and needs times below 2^53.
 */
export function replay(trace: Trace, module: WasmModule, time: TimeKind = "bigint"): string {
  return new Replayer(module, trace, time).run(trace.ops).output();
}

/**
 * Replays a trace that arrives in pieces (for example a file stream with utf8 encoding),
 * parsing it a line at a time and passing each output line to `onLine` while the replay runs;
 * memory stays bounded however long the trace and its output are. `parser` (default a new
 * one for `file`) shows how far the replay has got. A malformed line rejects with a TraceError
 * after the output of the lines before it.
 */
export async function replayStream(
  chunks: AsyncIterable<string>,
  module: WasmModule,
  onLine: LineSink,
  { file = "trace", parser = new TraceParser(file), time = "bigint" }:
    { file?: string; parser?: TraceParser; time?: TimeKind } = {},
): Promise<void> {
  let replayer: Replayer<TimeKind> | undefined;
  for await (const op of traceOps(chunks, parser)) {
    // The config is complete once the first operation has parsed.
    replayer ??= new Replayer(module, parser, time, onLine);
    replayer.step(op);
  }
  // A trace of no operations still creates the instance, which reports its power-on output.
  replayer ??= new Replayer(module, parser, time, onLine);
}

/**
 * Runs a trace's operations on one instance, one at a time, collecting the output (or passing
 * it to `onLine`); for callers that interleave several replays or look at the instance between
 * operations.
 */
export class Replayer<K extends TimeKind> {
  private readonly lines: string[] | undefined;
  private readonly emit: LineSink;
  /** The instance (after an `s` operation, the clone it continues on). */
  hpet: Hpet<K>;

  constructor(module: WasmModule, trace: { readonly config: TraceConfig }, private readonly time: K, onLine?: LineSink) {
    if (onLine === undefined) {
      const lines: string[] = [];
      this.lines = lines;
      this.emit = (line) => lines.push(line);
    } else {
      this.lines = undefined;
      this.emit = onLine;
    }
    const emit = this.emit;
    // Events come in runs at one time (an edge interrupt is two), and turning a time into
    // decimal costs more than the rest of a line: convert each time once.
    let lastTime: TimeOf<K> | undefined;
    let lastText = "";
    const text = (t: TimeOf<K>): string => {
      if (t !== lastTime) {
        lastTime = t;
        lastText = String(t);
      }
      return lastText;
    };
    this.hpet = new Hpet<K>(module, {
      ...trace.config,
      time,
      onIrq: (line, level, t) => emit(`I ${text(t)} ${line} ${level}`),
      onPitEnable: (level, t) => emit(`P ${text(t)} ${level}`),
      onMsi: (address, data, t) => emit(`M ${text(t)} 0x${address.toString(16)} 0x${data.toString(16)}`),
    });
  }

  step(op: TraceOp): void {
    const hpet = this.hpet;
    switch (op.kind) {
      case "advance":
        hpet.advance((this.time === "bigint" ? op.timeNs : Number(op.timeNs)) as TimeOf<K>);
        break;
      case "read": {
        // Offsets outside the register window read 0 and ignore writes, like unlisted registers.
        let value: bigint | number = 0;
        if (op.offset < hpet.windowSize) {
          value = op.size === 8 ? hpet.read64(op.offset) : hpet.read(op.offset, op.size as 1 | 2 | 4);
        }
        this.emit(`R ${hpet.now} 0x${op.offset.toString(16)} ${op.size} 0x${value.toString(16)}`);
        break;
      }
      case "write":
        if (op.offset >= hpet.windowSize) break;
        if (op.size === 8) hpet.write64(op.offset, op.value);
        else hpet.write(op.offset, Number(op.value), op.size as 1 | 2 | 4);
        break;
      case "reset":
        hpet.reset();
        break;
      case "input":
        hpet.setLegacyInput(op.input === 0 ? "pit" : "rtc", op.level);
        break;
      case "snapshot":
        this.hpet = hpet.clone();
        break;
    }
  }

  run(ops: readonly TraceOp[]): this {
    for (const op of ops) this.step(op);
    return this;
  }

  /** Everything output so far, one line each, as `hpet replay` prints it (not with `onLine`). */
  output(): string {
    if (this.lines === undefined) throw new Error("this replayer passes its lines to onLine and keeps none");
    return this.lines.length === 0 ? "" : `${this.lines.join("\n")}\n`;
  }
}
