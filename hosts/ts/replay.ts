// Replaying a guest trace against the device, producing the reference's output format:
// R (reads), I (line changes), P (PIT-enable changes) and M (MSI writes), in order.

import { Hpet } from "./hpet.ts";
import type { TimeKind, TimeOf } from "./time.ts";
import type { Trace, TraceOp } from "./trace.ts";

/**
 * The trace's output. `time` picks the host's time type: "bigint" (default) is exact over the
 * whole range; "number" exercises the host's deferred-time path and needs times below 2^53.
 */
export function replay(trace: Trace, module: WebAssembly.Module, time: TimeKind = "bigint"): string {
  return new Replayer(module, trace, time).run(trace.ops).output();
}

/**
 * Runs a trace's operations on one instance, one at a time, collecting the output; for callers
 * that interleave several replays or look at the instance between operations.
 */
export class Replayer<K extends TimeKind> {
  private readonly lines: string[] = [];
  /** The instance (after an `s` operation, the clone it continues on). */
  hpet: Hpet<K>;

  constructor(module: WebAssembly.Module, trace: Trace, private readonly time: K) {
    this.hpet = new Hpet<K>(module, {
      ...trace.config,
      time,
      onIrq: (line, level, t) => this.lines.push(`I ${t} ${line} ${level}`),
      onPitEnable: (level, t) => this.lines.push(`P ${t} ${level}`),
      onMsi: (address, data, t) => this.lines.push(`M ${t} 0x${address.toString(16)} 0x${data.toString(16)}`),
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
        this.lines.push(`R ${hpet.now} 0x${op.offset.toString(16)} ${op.size} 0x${value.toString(16)}`);
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

  /** Everything output so far, one line each, as `hpet replay` prints it. */
  output(): string {
    return this.lines.length === 0 ? "" : `${this.lines.join("\n")}\n`;
  }
}
