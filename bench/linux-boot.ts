// The linux-boot workload: the guest accesses of a real Linux 6.1 boot under QEMU
// (tests/fixtures/traces/linux-q35-default.trace: 575 reads, 526 writes and 1100 time steps
// over 1.63 s of guest time) replayed again and again through the public Hpet API. The trace
// is parsed once, before anything is timed, into flat arrays; each pass replays it shifted
// to a later time and ends with a reset, so that every pass starts from the power-on state
// and reads the same values, which are checked against the reference output
// (linux-q35-default.out) as they are read.

import { readFileSync } from "node:fs";
import { Hpet } from "../hosts/ts/hpet.ts";
import { parseTrace } from "../hosts/ts/trace.ts";
import type { WasmModule } from "../hosts/ts/wasm.ts";
import type { NodeWorkload } from "./workloads.ts";

const TRACES = new URL(import.meta.url.endsWith(".ts") ? "../tests/fixtures/traces/" : "../../tests/fixtures/traces/",
  import.meta.url);
const NAME = "linux-q35-default";

/** Passes at full size: 5.5 million guest accesses. */
const PASSES = 5000;
/** Each pass starts this long after the previous one: past the trace's last time, and a whole
 * number of clock periods, so that every pass reads the same counter values. */
const PASS_NS = 2_000_000_000;

const ADVANCE = 0;
const READ = 1;
const WRITE = 2;

interface Boot {
  readonly kinds: Uint8Array;
  readonly offsets: Uint32Array;
  /** The time of an advance, the value of a write. */
  readonly args: Float64Array;
  /** The value each read must give, in order. */
  readonly reads: Uint32Array;
  /** Interrupts (route lines going high) in one pass. */
  readonly rises: number;
  readonly accesses: number;
}

function loadBoot(): Boot {
  const trace = parseTrace(readFileSync(new URL(`${NAME}.trace`, TRACES), "utf8"), `${NAME}.trace`);
  const n = trace.ops.length;
  const kinds = new Uint8Array(n);
  const offsets = new Uint32Array(n);
  const args = new Float64Array(n);
  let accesses = 0;
  trace.ops.forEach((op, i) => {
    if (op.kind === "advance") {
      kinds[i] = ADVANCE;
      args[i] = Number(op.timeNs);
      if (op.timeNs >= BigInt(PASS_NS)) throw new Error(`${NAME}.trace runs past ${PASS_NS} ns`);
    } else if ((op.kind === "read" || op.kind === "write") && op.size === 4) {
      kinds[i] = op.kind === "read" ? READ : WRITE;
      offsets[i] = op.offset;
      if (op.kind === "write") args[i] = Number(op.value);
      accesses++;
    } else {
      throw new Error(`${NAME}.trace line ${op.line}: the workload replays 4-byte accesses and time steps only`);
    }
  });
  const out = readFileSync(new URL(`${NAME}.out`, TRACES), "utf8").split("\n");
  const reads = Uint32Array.from(out.filter((line) => line.startsWith("R ")), (line) => Number(line.split(" ")[4]));
  const rises = out.filter((line) => /^I \d+ \d+ 1$/.test(line)).length;
  if (reads.length !== kinds.filter((k) => k === READ).length) throw new Error(`${NAME}.out does not match its trace`);
  return { kinds, offsets, args, reads, rises, accesses };
}

/** The Linux boot's accesses; one operation is a guest register access (advances included in the time). */
export const linuxBoot: NodeWorkload = {
  name: "linux-boot",
  unit: "access",
  start(module: WasmModule) {
    const { kinds, offsets, args, reads, rises, accesses } = loadBoot();
    let interrupts = 0;
    const hpet = new Hpet(module, { onIrq: (_line, level) => { interrupts += level; } });
    let base = 0;
    const pass = (): number => {
      let wrong = 0;
      let r = 0;
      for (let i = 0; i < kinds.length; i++) {
        const kind = kinds[i];
        if (kind === ADVANCE) hpet.advance(base + args[i]!);
        else if (kind === READ) wrong |= hpet.read(offsets[i]!) ^ reads[r++]!;
        else hpet.write(offsets[i]!, args[i]!);
      }
      hpet.reset();
      base += PASS_NS;
      return wrong;
    };
    return (scale) => {
      const passes = Math.max(1, Math.round(PASSES * scale));
      interrupts = 0;
      let wrong = 0;
      for (let p = 0; p < passes; p++) wrong |= pass();
      if (wrong !== 0) throw new Error("linux-boot read a value the reference does not");
      if (interrupts !== passes * rises) throw new Error(`linux-boot took ${interrupts} interrupts in ${passes} passes of ${rises}`);
      return passes * accesses;
    };
  },
};
