// The release module as a contract (docs/abi.md): no imports, small, one page of memory, the
// documented exports, and the numbers the TypeScript host mirrors.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import {
  ABI_VERSION, ADVANCE_INCOMPLETE, EVENT_SIZE, EventKind, hpetExports, QUEUE_HEADER_SIZE, Status,
} from "../hosts/ts/abi.ts";
import { defaultModuleUrl } from "../hosts/ts/module.ts";

const bytes = await readFile(defaultModuleUrl());
const module = new WebAssembly.Module(bytes);
const fresh = () => hpetExports(new WebAssembly.Instance(module, {}));

test("the release module imports nothing", () => {
  assert.deepEqual(WebAssembly.Module.imports(module), []);
});

test("the release module is at most 16 KiB", () => {
  assert.ok(bytes.length <= 16 * 1024, `${bytes.length} bytes`);
});

test("an instance has exactly one 64 KiB page of memory and cannot grow it", () => {
  const exports = fresh();
  assert.equal(exports.memory.buffer.byteLength, 65536);
  assert.throws(() => exports.memory.grow(1), RangeError);
});

test("the module exports exactly the documented functions and its memory", () => {
  const names = WebAssembly.Module.exports(module).map((e) => `${e.kind} ${e.name}`).sort();
  const functions = [
    "abi_version", "init", "reset", "window_size", "read", "read32", "read_status", "write", "write32", "set_time",
    "read32_i64", "write32_i64", "set_time_i64",
    "guest_errors", "set_input", "advance", "advance_f64", "now", "now_f64",
    "next_deadline", "next_deadline_f64", "events_ptr", "events_count", "events_consume",
    "snapshot_buffer", "snapshot_capacity", "snapshot", "restore",
  ];
  assert.deepEqual(names, [...functions.map((f) => `function ${f}`), "memory memory"].sort());
});

test("the ABI version is the host's", () => {
  assert.equal(fresh().abi_version(), ABI_VERSION);
});

test("the queue header gives the capacity and the record size the host assumes", () => {
  const exports = fresh();
  const header = new Uint32Array(exports.memory.buffer, exports.events_ptr(), QUEUE_HEADER_SIZE / 4);
  assert.equal(QUEUE_HEADER_SIZE, 64);
  assert.equal(header[0], 1, "power-on queued the PIT-enable rise");
  assert.equal(header[1], 1024);
  assert.equal(header[2], EVENT_SIZE);
  assert.equal(header[3], 0, "reserved");
  assert.deepEqual([header[6], header[7]], [0xffff_ffff, 0xffff_ffff], "no deadline armed");
  assert.deepEqual([...header.subarray(8, 16)], [2, 0, 0, 0, 0, 0, 10, 0],
    "counter sequence (republished once, by the power-on reset), halted, base 0, enable time 0, period 10 ns");
  const record = new DataView(exports.memory.buffer, exports.events_ptr() + QUEUE_HEADER_SIZE, EVENT_SIZE);
  assert.equal(record.getBigUint64(0, true), 0n);
  assert.equal(record.getUint32(8, true), EventKind.PIT);
  assert.equal(record.getUint32(12, true), 1);
});

test("each status code means what the host says it means", () => {
  const exports = fresh();
  assert.equal(exports.init(2, 0, 0, 10), Status.BAD_CONFIG);
  assert.equal(exports.init(3, 2, 0, 10), Status.BAD_CONFIG);
  assert.equal(exports.init(3, 0, 0, 101), Status.BAD_CONFIG);
  assert.equal(exports.write32(0x400, 1, -1), Status.BAD_OFFSET);
  assert.equal(exports.write(0x10, 3, 1n), Status.BAD_SIZE);
  assert.equal(exports.read(0x10, 16), 0n);
  assert.equal(exports.read_status(), Status.BAD_SIZE);
  assert.equal(exports.read32(-4, -1), 0);
  assert.equal(exports.read_status(), Status.BAD_OFFSET);
  assert.equal(exports.advance_f64(0.5), Status.BAD_TIME);
  assert.equal(exports.advance(-1n), Status.BAD_TIME);
  assert.equal(exports.advance(100n), 1, "one event still queued");
  assert.equal(exports.advance(99n), Status.TIME_BACKWARDS);
  assert.equal(exports.set_input(2, 1), Status.BAD_INPUT);
  assert.equal(exports.restore(3), Status.SNAPSHOT_TRUNCATED);
});

test("a call that may queue events is refused while the queue lacks room, and changes nothing", () => {
  const exports = fresh();
  // A periodic edge timer with a 1-tick period pulses once a microsecond (the storm guard).
  exports.write32(0x100, 0x4c, -1);
  exports.write(0x108, 8, 1n); // VAL_SET: comparator (and period) 1
  exports.write(0x108, 8, 1n); // period 1
  exports.write32(0x10, 1, -1);
  const result = exports.advance(10_000_000n);
  assert.ok(result & ADVANCE_INCOMPLETE, "advance stopped early");
  assert.equal(result & ~ADVANCE_INCOMPLETE, 984, "it leaves room for one more call's events");
  const stoppedAt = exports.now();
  assert.ok(stoppedAt < 10_000_000n);
  assert.equal(exports.set_input(0, 1), 985, "a call that queues at most 40 events still fits");
  assert.equal(exports.write32(0x10, 0, -1), Status.QUEUE_FULL, "39 free slots are too few");
  assert.equal(exports.reset(), Status.QUEUE_FULL);
  assert.equal(exports.set_input(0, 0), Status.QUEUE_FULL);
  assert.equal(exports.read32(0x10, -1), 1, "the refused write changed nothing");
  assert.equal(exports.events_count(), 985);
  exports.events_consume(985);
  assert.equal(exports.advance(10_000_000n) & ADVANCE_INCOMPLETE, ADVANCE_INCOMPLETE, "work remains");
  assert.equal(exports.now(), stoppedAt + 984n * 1000n, "and it goes on where it stopped");
});

test("set_time moves the device without running expiries, and refuses what read32 refuses", () => {
  const exports = fresh();
  exports.events_consume(1);
  exports.write(0x108, 8, 100n); // timer 0: comparator 100 ticks (1000 ns), edge, interrupts on
  exports.write32(0x100, 0x4, -1);
  exports.write32(0x10, 1, -1);
  assert.equal(exports.set_time(999), 0);
  assert.equal(exports.now(), 999n);
  assert.equal(exports.set_time(1000), Status.EXPIRY_DUE, "a deadline at that time");
  assert.equal(exports.set_time(998), Status.TIME_BACKWARDS);
  assert.equal(exports.set_time(999.5), Status.BAD_TIME);
  assert.equal(exports.set_time(-1), 0, "a negative whole number: the device's own time");
  assert.equal(exports.now(), 999n);
  assert.equal(exports.events_count(), 0, "no expiry ran");
  assert.equal(exports.advance(1000n), 1, "the advance runs it");
});
