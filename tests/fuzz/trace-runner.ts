// Runs a parsed trace on an Hpet one operation at a time, in the output format of `hpet replay`,
// with number or bigint time. Tests use it where replay() cannot go: many instances stepped in
// an interleaved order, and number time (whose advances the host may defer), with `s` lines
// (clone and continue on the clone) anywhere.

import { Hpet } from "../../src/hpet.ts";
import type { TimeKind, TimeOf } from "../../src/time.ts";
import type { Trace, TraceOp } from "../../src/trace.ts";

export class TraceRunner<K extends TimeKind> {
  private readonly lines: string[] = [];
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
    // The register window's end is where replay stops passing accesses on.
    const inWindow = op.kind === "read" || op.kind === "write" ? op.offset < hpet.windowSize : true;
    switch (op.kind) {
      case "advance":
        hpet.advance((this.time === "bigint" ? op.timeNs : Number(op.timeNs)) as TimeOf<K>);
        break;
      case "read": {
        let value: bigint | number = 0;
        if (inWindow) value = op.size === 8 ? hpet.read64(op.offset) : hpet.read(op.offset, op.size as 1 | 2 | 4);
        this.lines.push(`R ${hpet.now} 0x${op.offset.toString(16)} ${op.size} 0x${value.toString(16)}`);
        break;
      }
      case "write":
        if (!inWindow) break;
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
