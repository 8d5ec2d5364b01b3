// Boots Debian's i386 Linux kernel on v86 with hpet-wasm as the machine's HPET. The initramfs's
// /init (init.c) prints what the guest sees of the HPET on the serial console, then powers off;
// this script passes the console to stdout and stops the emulator at the report's end marker.
//
//   bash examples/v86-linux/setup.sh     # fetches v86's BIOS, the kernel; builds the initramfs
//   node examples/v86-linux/boot.mjs [--append "clocksource=hpet nolapic_timer"]
//                                    [--record session.trace] [--outputs session.out]
//
// --record writes the session in the trace format (`npx hpet replay session.trace` replays it);
// --outputs writes what the device output during the session, as the replay prints it.

import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { V86 } from "v86";
import { attachHpet } from "hpet-wasm/v86";

const END_MARKER = "== end of guest report ==";
const BASE_COMMAND_LINE = "console=ttyS0 quiet";

const { values } = parseArgs({
  options: {
    append: { type: "string", default: "" },
    record: { type: "string" },
    outputs: { type: "string" },
    "timeout-s": { type: "string", default: "600" },
  },
});

const root = fileURLToPath(new URL("../../", import.meta.url));
const cache = `${root}.cache/v86-linux/`;
const image = (name) => {
  try {
    return { buffer: new Uint8Array(readFileSync(cache + name)).buffer };
  } catch {
    console.error(`boot: ${cache}${name} is missing: run bash examples/v86-linux/setup.sh first`);
    process.exit(2);
  }
};

// A file written in large pieces: a boot's trace has a few hundred thousand lines.
class FileLines {
  constructor(path) {
    this.fd = openSync(path, "w");
    this.pending = [];
    this.size = 0;
    this.lines = 0;
  }
  write = (line) => {
    this.pending.push(line);
    this.lines++;
    this.size += line.length;
    if (this.size > 1 << 20) this.flush();
  };
  flush() {
    writeSync(this.fd, this.pending.join(""));
    this.pending = [];
    this.size = 0;
  }
  close() {
    this.flush();
    closeSync(this.fd);
  }
}

const commandLine = `${BASE_COMMAND_LINE} ${values.append}`.trim();
const emulator = new V86({
  wasm_path: `${root}node_modules/v86/build/v86.wasm`,
  bios: image("bios.bin"),
  vga_bios: image("vgabios-stdvga.bin"),
  bzimage: image("vmlinuz"),
  initrd: image("initramfs.cpio"),
  cmdline: commandLine,
  memory_size: 128 << 20,
  acpi: true, // SeaBIOS then builds the ACPI tables, the HPET's among them, from the registers
  autostart: false,
  disable_keyboard: true,
  disable_mouse: true,
  disable_speaker: true,
});

const trace = values.record ? new FileLines(values.record) : undefined;
const outputs = values.outputs ? new FileLines(values.outputs) : undefined;
const hpet = await attachHpet(emulator, { record: trace?.write, outputs: outputs?.write });
console.log(`host: v86 with hpet-wasm at 0xfed00000; kernel command line: ${commandLine}`);

const started = performance.now();
let line = "";
const finished = new Promise((resolve, reject) => {
  const timeout = setTimeout(() => reject(new Error(`no end marker after ${values["timeout-s"]} s`)), Number(values["timeout-s"]) * 1000);
  emulator.add_listener("serial0-output-byte", (byte) => {
    const char = String.fromCharCode(byte);
    if (char === "\r") return; // the guest's tty ends lines with CR LF
    if (char !== "\n") {
      line += char;
      return;
    }
    process.stdout.write(`${line}\n`);
    if (line === END_MARKER) {
      clearTimeout(timeout);
      resolve();
    }
    line = "";
  });
});
emulator.run();

try {
  await finished;
} catch (error) {
  console.error(`boot: ${error.message}`);
  process.exitCode = 1;
}
const seconds = (performance.now() - started) / 1000;
await emulator.destroy();
const errors = hpet.guestErrors();
console.log(`host: boot and report took ${seconds.toFixed(1)} s; device time ${(hpet.now / 1e9).toFixed(3)} s`);
console.log(`host: HPET guest errors: ${errors.size + errors.alignment} (size ${errors.size}, alignment ${errors.alignment})`);
console.log(`host: PIT-enable output ${hpet.pitEnable ? "high (legacy replacement off)" : "low (legacy replacement on)"}`);
hpet.detach();
if (trace) {
  trace.close();
  console.log(`host: recorded ${trace.lines} trace lines to ${values.record}`);
}
if (outputs) {
  outputs.close();
  console.log(`host: wrote ${outputs.lines} output lines to ${values.outputs}`);
}
