// A toy PC emulator with the HPET wired in: a bus that routes 0xFED00000.. to the device, an
// interrupt controller fed by the device's lines, and a CPU loop in guest (virtual) time.
//
//   node examples/toy-emulator/toy-emulator.mjs [--ms 5] [--record session.trace]
//
// With --record, the session is written in the replay format; `npx hpet replay session.trace`
// then prints every interrupt the guest got, at the same times.

import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { buildAcpiHpetTable, Hpet, HpetMmio, HpetRecorder, SafePointDelivery } from "hpet-wasm";
import * as guest from "./guest.mjs";

const { values } = parseArgs({ options: { ms: { type: "string", default: "5" }, record: { type: "string" } } });
const endNs = Number(values.ms) * 1_000_000;

// Interrupt controller: a rising line becomes pending; a level-triggered line that is still
// high after the handler's end-of-interrupt is delivered again.
class InterruptController {
  levels = new Uint8Array(32);
  pending = new Set();
  setLine(line, level) {
    if (level && !this.levels[line]) this.pending.add(line);
    this.levels[line] = level;
  }
  next() {
    const [line] = [...this.pending].sort((a, b) => a - b);
    this.pending.delete(line);
    return line;
  }
  endOfInterrupt(line) {
    if (this.levels[line]) this.pending.add(line);
  }
}

// --- Wiring the HPET in ------------------------------------------------------------------------

const pic = new InterruptController();
// The device's line changes reach the controller at the CPU loop's safe points: a rise made
// during a guest access (inside an instruction) waits for the next one; a fall passes at once.
const lines = new SafePointDelivery({ onIrq: (line, level) => pic.setLine(line, level) });
const hpet = await Hpet.create({ onIrq: lines.onIrq });
const device = values.record ? new HpetRecorder(hpet) : hpet; // same calls, optionally recorded
const mmio = new HpetMmio(device, { safePoint: lines }); // registers at 0xFED00000

const bus = {
  read32: (address) => (mmio.contains(address) ? mmio.read32(address) : 0xffffffff),
  write32: (address, value) => {
    if (mmio.contains(address)) mmio.write32(address, value);
  },
};

const log = (message) => console.log(`${String(device.now).padStart(8)} ns  ${message}`);

// Firmware: the ACPI table that tells the guest where the HPET is.
const table = buildAcpiHpetTable({ hpet });
log(`firmware: ACPI "HPET" table, ${table.length} bytes, at 0x${mmio.base.toString(16)}`);

// --- The CPU loop --------------------------------------------------------------------------------

const SLICE_NS = 100_000; // the CPU runs at most 100 µs of guest time between device updates
guest.boot(bus, log);
let now = 0;
while (now < endNs) {
  // Run the CPU up to the next timer deadline, the end of its slice or the end, whichever is first.
  now = Math.min(now + SLICE_NS, device.nextDeadline() ?? Infinity, endNs);
  device.advance(now); // timers due by now fire, in order, through onIrq
  lines.deliver(); // a safe point: between instructions, before the CPU takes interrupts
  for (let line = pic.next(); line !== undefined; line = pic.next()) {
    guest.interrupt(line, bus, log);
    pic.endOfInterrupt(line);
    lines.deliver();
  }
}
log("done");

if (values.record) {
  await writeFile(values.record, device.trace());
  log(`recorded the session to ${values.record}; reproduce it with: npx hpet replay ${values.record}`);
}
