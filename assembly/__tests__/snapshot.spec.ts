// Save and restore (snapshot.ts): the frame, its CRC-32, and that every refused restore leaves
// the device exactly as it was. snapshot.ts keeps crc32() private, so its output is checked
// against a bit-by-bit CRC-32 written here, which is itself checked against the standard check
// value of "123456789".

import {
  ERR_SNAPSHOT_CHECKSUM, ERR_SNAPSHOT_CONFIG, ERR_SNAPSHOT_LENGTH, ERR_SNAPSHOT_MAGIC,
  ERR_SNAPSHOT_STATE, ERR_SNAPSHOT_TRUNCATED, ERR_SNAPSHOT_VERSION, EVENT_CAPACITY, EVENT_LINE,
  EVENT_SIZE, QUEUE_HEADER_SIZE,
} from "../abi";
import { earliestDeadline } from "../deadlines";
import { advanceTo, INPUT_RTC, powerOn, reset, setLegacyInput } from "../device";
import { eventCount, QUEUE } from "../outputs";
import {
  ENABLE_CNF, GEN_CONF, MAIN_CNT, TN_32MODE_CNF, TN_INT_ENB_CNF, TN_INT_TYPE_CNF, TN_TYPE_CNF,
  TN_VAL_SET_CNF,
} from "../registers";
import { restoreSnapshot, saveSnapshot, SNAPSHOT_BUFFER, SNAPSHOT_CAPACITY, SNAPSHOT_VERSION } from "../snapshot";
import {
  Block, BLOCK_SIZE, DEFAULT_INTCAP, STATE, STATE_SIZE, stateSize, Timer, TIMER_SIZE, timer,
  WRAP_PENDING,
} from "../state";
import { boot, cmp, conf, expectEvent, expectEventCount, fsb, route, w8 } from "./helpers";

const HEADER: u32 = 48;
const QUEUE_BYTES: usize = QUEUE_HEADER_SIZE + EVENT_CAPACITY * EVENT_SIZE;

// CRC-32 (IEEE 802.3, reflected polynomial 0xedb88320, initial and final value all ones).
function referenceCrc32(ptr: usize, len: u32): u32 {
  let c: u32 = 0xffff_ffff;
  for (let i: u32 = 0; i < len; i++) {
    c ^= load<u8>(ptr + i);
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb8_8320 & (0 - (c & 1)));
  }
  return ~c;
}

// Re-sign a snapshot of `length` bytes after editing it.
function resign(length: u32): void {
  store<u32>(SNAPSHOT_BUFFER + length - 4, referenceCrc32(SNAPSHOT_BUFFER, length - 4));
}

// A state worth saving: a level periodic timer that has fired and holds line 5, a far one-shot,
// a 32-bit one-shot waiting for the counter's wrap, an FSB route, the RTC input high; 2 events.
function scenario(): void {
  boot();
  w8(fsb(2), 0xfee0_0000_0000_4041);
  w8(MAIN_CNT, 0x10);
  w8(conf(0), TN_INT_TYPE_CNF | TN_INT_ENB_CNF | TN_TYPE_CNF | TN_VAL_SET_CNF | route(5));
  w8(cmp(0), 100);
  w8(conf(1), TN_INT_ENB_CNF | route(6));
  w8(cmp(1), 50_000);
  w8(conf(2), TN_INT_ENB_CNF | TN_32MODE_CNF | route(7));
  w8(cmp(2), 8); // cmp64 0x1_0000_0008, past the wrap at 0x1_0000_0000
  w8(GEN_CONF, ENABLE_CNF);
  advanceTo(1500); // timer 0 fires at (100 - 16) * 10 = 840
  setLegacyInput(INPUT_RTC, true);
}

// Copies of the state and the event queue, to check what a restore changed.
const STATE_COPY: usize = memory.data(<i32>STATE_SIZE, 16);
const QUEUE_COPY: usize = memory.data(<i32>QUEUE_BYTES, 16);

function copyDevice(): void {
  memory.copy(STATE_COPY, STATE, STATE_SIZE);
  memory.copy(QUEUE_COPY, QUEUE, QUEUE_BYTES);
}

function expectDeviceUnchanged(why: string): void {
  expect<i32>(memory.compare(STATE, STATE_COPY, STATE_SIZE)).toBe(0, why + ": state");
  expect<i32>(memory.compare(QUEUE, QUEUE_COPY, QUEUE_BYTES)).toBe(0, why + ": queue");
}

// The device holds what copyDevice() saw: its state and its queued events.
function expectDeviceRestored(): void {
  expect<i32>(memory.compare(STATE, STATE_COPY, stateSize())).toBe(0, "state");
  const events = load<u32>(QUEUE_COPY);
  expect<u32>(eventCount()).toBe(events, "event count");
  const records = <usize>QUEUE_HEADER_SIZE;
  expect<i32>(memory.compare(QUEUE + records, QUEUE_COPY + records, events * EVENT_SIZE)).toBe(0, "events");
}

function expectConfigRefused(length: u32, timers: u32, msi: bool, intcap: u32, period: u32, what: string): void {
  powerOn(timers, msi, intcap, period);
  copyDevice();
  expect<i32>(restoreSnapshot(length)).toBe(ERR_SNAPSHOT_CONFIG, what);
  expectDeviceUnchanged(what);
}

// Save the scenario, then move the device elsewhere and copy that state.
function savedThenChanged(): u32 {
  scenario();
  const length = saveSnapshot();
  advanceTo(90_000);
  w8(conf(1), TN_INT_TYPE_CNF);
  copyDevice();
  return length;
}

describe("CRC-32", () => {
  test("the reference CRC-32 of \"123456789\" is 0xCBF43926", () => {
    const check = memory.data<u8>([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]);
    expect<u32>(referenceCrc32(check, 9)).toBe(0xcbf4_3926);
  });

  test("a snapshot ends with the CRC-32 of every byte before it", () => {
    scenario();
    const length = saveSnapshot();
    expect<u32>(load<u32>(SNAPSHOT_BUFFER + length - 4)).toBe(referenceCrc32(SNAPSHOT_BUFFER, length - 4));
  });
});

describe("save", () => {
  test("the header describes the instance, then state, events and CRC follow", () => {
    scenario();
    expectEventCount(2);
    const length = saveSnapshot();
    const buf = SNAPSHOT_BUFFER;
    expect<u32>(length).toBe(HEADER + <u32>(BLOCK_SIZE + 3 * TIMER_SIZE) + 2 * EVENT_SIZE + 4);
    expect<u64>(load<u64>(buf)).toBe(0x5041_4e53_5445_5048, "magic \"HPETSNAP\"");
    expect<u32>(load<u32>(buf, 8)).toBe(SNAPSHOT_VERSION, "version");
    expect<u32>(load<u32>(buf, 12)).toBe(length, "length");
    expect<u32>(load<u32>(buf, 16)).toBe(3, "timers");
    expect<u32>(load<u32>(buf, 20)).toBe(0, "msi");
    expect<u32>(load<u32>(buf, 24)).toBe(DEFAULT_INTCAP, "intcap");
    expect<u32>(load<u32>(buf, 28)).toBe(10, "period");
    expect<u32>(load<u32>(buf, 32)).toBe(<u32>BLOCK_SIZE, "block size");
    expect<u32>(load<u32>(buf, 36)).toBe(<u32>TIMER_SIZE, "timer size");
    expect<u32>(load<u32>(buf, 40)).toBe(2, "events");
    expect<u32>(load<u32>(buf, 44)).toBe(EVENT_SIZE, "event size");
    expect<i32>(memory.compare(buf + HEADER, STATE, stateSize())).toBe(0, "state bytes");
    const records = buf + HEADER + stateSize();
    expect<u64>(load<u64>(records)).toBe(840);
    expect<u32>(load<u32>(records, 8)).toBe(EVENT_LINE);
    expect<u32>(load<u32>(records, 12)).toBe(5);
    expect<u64>(load<u64>(records + EVENT_SIZE)).toBe(1500);
    expect<u32>(load<u32>(records + EVENT_SIZE, 12)).toBe(8);
  });
});

describe("restore", () => {
  test("a saved snapshot restores the state, the events and the deadlines", () => {
    scenario();
    copyDevice();
    const length = saveSnapshot();
    advanceTo(90_000);
    reset();
    expect<i32>(restoreSnapshot(length)).toBe(0);
    expectDeviceRestored();
    expect<u64>(earliestDeadline()).toBe(1840, "timer 0 again, rebuilt");
    expect<u32>(timer(2).flags & WRAP_PENDING).toBe(WRAP_PENDING);
    advanceTo(1840);
    expectEventCount(2); // line 5 is already high
    expect<u64>(earliestDeadline()).toBe(2840);
  });

  test("a snapshot restores into a freshly powered instance of the same configuration", () => {
    scenario();
    copyDevice();
    const length = saveSnapshot();
    powerOn(3, false, DEFAULT_INTCAP, 10);
    expect<i32>(restoreSnapshot(length)).toBe(0);
    expectDeviceRestored();
    advanceTo(5000);
    expectEventCount(2);
    expect<u64>(earliestDeadline()).toBe(5840);
  });

  test("flipping any single byte is rejected and leaves the device unchanged", () => {
    const length = savedThenChanged();
    const buf = SNAPSHOT_BUFFER;
    for (let i: u32 = 0; i < length; i++) {
      let expected = ERR_SNAPSHOT_CHECKSUM;
      if (i < 8) expected = ERR_SNAPSHOT_MAGIC;
      else if (i < 12) expected = ERR_SNAPSHOT_VERSION;
      else if (i < 16) {
        const declared = length ^ (<u32>0xff << ((i - 12) << 3));
        expected = declared > length ? ERR_SNAPSHOT_TRUNCATED : ERR_SNAPSHOT_LENGTH;
      }
      store<u8>(buf + i, load<u8>(buf + i) ^ 0xff);
      const result = restoreSnapshot(length);
      store<u8>(buf + i, load<u8>(buf + i) ^ 0xff);
      if (result != expected) {
        expect<i32>(result).toBe(expected, "byte " + i.toString());
        return;
      }
    }
    expectDeviceUnchanged("after every flip");
    expect<i32>(restoreSnapshot(length)).toBe(0, "the intact snapshot");
  });

  test("a length other than the declared one is rejected", () => {
    const length = savedThenChanged();
    expect<i32>(restoreSnapshot(length + 1)).toBe(ERR_SNAPSHOT_LENGTH);
    expect<i32>(restoreSnapshot(length - 1)).toBe(ERR_SNAPSHOT_TRUNCATED);
    expect<i32>(restoreSnapshot(SNAPSHOT_CAPACITY + 1)).toBe(ERR_SNAPSHOT_LENGTH);
    expect<i32>(restoreSnapshot(HEADER + 3)).toBe(ERR_SNAPSHOT_TRUNCATED);
    expect<i32>(restoreSnapshot(0)).toBe(ERR_SNAPSHOT_TRUNCATED);
    expectDeviceUnchanged("after bad lengths");
  });

  test("a snapshot of another configuration is rejected", () => {
    scenario();
    const length = saveSnapshot();
    expectConfigRefused(length, 4, false, DEFAULT_INTCAP, 10, "timers");
    expectConfigRefused(length, 3, true, DEFAULT_INTCAP, 10, "msi");
    expectConfigRefused(length, 3, false, 0x00ff_0008, 10, "intcap");
    expectConfigRefused(length, 3, false, DEFAULT_INTCAP, 7, "period");
  });

  test("a well-signed snapshot of an impossible state is rejected", () => {
    const length = savedThenChanged();
    const buf = SNAPSHOT_BUFFER;
    const b = buf + HEADER;
    const t0 = b + BLOCK_SIZE;
    const events = b + stateSize();
    // [field address, bad value, width in bytes]
    const cases: u64[][] = [
      [b + offsetof<Block>("pitEnable"), 2, 4],
      [b + offsetof<Block>("rtcLevel"), 2, 4],
      [b + offsetof<Block>("reserved"), 1, 4],
      [b + offsetof<Block>("genConf"), 4, 8],
      [b + offsetof<Block>("isr"), 8, 8], // timer 3 of 3
      [b + offsetof<Block>("tEnable"), 1501, 8], // after now
      [b + offsetof<Block>("now"), 0x8000_0000_0000_0000, 8],
      [t0 + offsetof<Timer>("conf"), 0x8000_0000_0000_0030, 8], // a read-only bit
      [t0 + offsetof<Timer>("flags"), 4, 4],
      [t0 + offsetof<Timer>("deadline"), 1499, 8], // before now
      [t0 + 2 * TIMER_SIZE + offsetof<Timer>("cmp"), 0x1_0000_0008, 8], // 32-bit mode
      [events + 8, 5, 4], // event kind
      [events, 1501, 8], // event after now
    ];
    for (let i = 0; i < cases.length; i++) {
      const at = <usize>cases[i][0];
      const wide = cases[i][2] == 8;
      const old = wide ? load<u64>(at) : <u64>load<u32>(at);
      if (wide) store<u64>(at, cases[i][1]);
      else store<u32>(at, <u32>cases[i][1]);
      resign(length);
      expect<i32>(restoreSnapshot(length)).toBe(ERR_SNAPSHOT_STATE, "case " + i.toString());
      if (wide) store<u64>(at, old);
      else store<u32>(at, <u32>old);
    }
    resign(length);
    expectDeviceUnchanged("after impossible states");
    expect<i32>(restoreSnapshot(length)).toBe(0, "the intact snapshot");
  });
});
