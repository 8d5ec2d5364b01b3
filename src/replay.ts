// Replaying a guest trace against the device, producing the reference's output format:
// R (reads), I (line changes), P (PIT-enable changes) and M (MSI writes), in order.

import { Hpet } from "./hpet.ts";
import type { TimeKind } from "./time.ts";
import type { Trace, TraceOp } from "./trace.ts";

/**
 * The trace's output. `time` picks the host's time type: "bigint" (default) is exact over the
 * whole range; "number" exercises the host's deferred-time path and needs times below 2^53.
 */
export function replay(trace: Trace, module: WebAssembly.Module, time: TimeKind = "bigint"): string {
  const out: string[] = [];
  let hpet = new Hpet<TimeKind>(module, {
    ...trace.config,
    time,
    onIrq: (line, level, timeNs) => out.push(`I ${timeNs} ${line} ${level}`),
    onPitEnable: (level, timeNs) => out.push(`P ${timeNs} ${level}`),
    onMsi: (address, data, timeNs) => out.push(`M ${timeNs} 0x${address.toString(16)} 0x${data.toString(16)}`),
  });
  for (const op of trace.ops) {
    switch (op.kind) {
      case "advance":
        hpet.advance(time === "number" ? Number(op.timeNs) : op.timeNs);
        break;
      case "read":
        out.push(`R ${hpet.now} 0x${op.offset.toString(16)} ${op.size} 0x${read(hpet, op).toString(16)}`);
        break;
      case "write":
        write(hpet, op);
        break;
      case "reset":
        hpet.reset();
        break;
      case "input":
        hpet.setLegacyInput(op.input === 0 ? "pit" : "rtc", op.level);
        break;
      case "snapshot":
        hpet = hpet.clone();
        break;
    }
  }
  return out.length === 0 ? "" : out.join("\n") + "\n";
}

// Offsets outside the register window read 0 and ignore writes, like unlisted registers.
function read(hpet: Hpet<TimeKind>, op: Extract<TraceOp, { kind: "read" }>): bigint | number {
  if (op.offset >= hpet.windowSize) return 0;
  return op.size === 8 ? hpet.read64(op.offset) : hpet.read(op.offset, op.size as 1 | 2 | 4);
}

function write(hpet: Hpet<TimeKind>, op: Extract<TraceOp, { kind: "write" }>): void {
  if (op.offset >= hpet.windowSize) return;
  if (op.size === 8) hpet.write64(op.offset, op.value);
  else hpet.write(op.offset, Number(op.value), op.size as 1 | 2 | 4);
}
