// The trace parser: every line form of the format, and a clear error naming file and line for
// each malformed one.

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTrace, TraceError } from "../hosts/ts/trace.ts";

test("parses every operation and the config line", () => {
  const trace = parseTrace([
    "# comment", "", "config timers=25 msi=1 intcap=0xf0",
    "t 10", "r 0xF0 4", "w 0x108 8 0xffffffffffffffff", "x", "i 1 0", "s", "  t 10  ",
  ].join("\n"), "a.trace");
  assert.deepEqual(trace.config, { timers: 25, msi: true, intcap: 0xf0 });
  assert.deepEqual(trace.ops, [
    { kind: "advance", timeNs: 10n, line: 4 },
    { kind: "read", offset: 0xf0, size: 4, line: 5 },
    { kind: "write", offset: 0x108, size: 8, value: 0xffff_ffff_ffff_ffffn, line: 6 },
    { kind: "reset", line: 7 },
    { kind: "input", input: 1, level: 0, line: 8 },
    { kind: "snapshot", line: 9 },
    { kind: "advance", timeNs: 10n, line: 10 },
  ]);
});

test("config lines may follow comments and each other; a later one overrides the keys it names", () => {
  const trace = parseTrace("# a\n\nconfig timers=8 msi=1\nconfig timers=4\nt 0\n", "d");
  assert.deepEqual(trace.config, { timers: 4, msi: true, intcap: 0x00ff0004 });
  assert.deepEqual(trace.ops, [{ kind: "advance", timeNs: 0n, line: 5 }]);
});

test("CRLF line ends and tabs are whitespace", () => {
  assert.deepEqual(parseTrace("r\t0x0\t4\r\nx\r\n", "e").ops, [{ kind: "read", offset: 0, size: 4, line: 1 }, { kind: "reset", line: 2 }]);
});

test("defaults to 3 timers, msi off, intcap 0x00ff0004", () => {
  assert.deepEqual(parseTrace("t 0\n", "b").config, { timers: 3, msi: false, intcap: 0x00ff0004 });
});

test("a 4-byte write keeps the 4 bytes it carries", () => {
  const [op] = parseTrace("w 0x10 4 0x1234567800000003\n", "c").ops;
  assert.deepEqual(op, { kind: "write", offset: 0x10, size: 4, value: 3n, line: 1 });
});

const malformed: [string, number, RegExp][] = [
  ["t 5\nt 4\n", 2, /time 4 is before the previous time 5/],
  ["t -1\n", 1, /not a decimal number/],
  ["t 9223372036854775808\n", 1, /time 9223372036854775808 is not in 0\.\.9223372036854775807/],
  ["r 0x100000000 4\n", 1, /offset 0x100000000 is not in 0x0\.\.0xffffffff/],
  ["w 0x10 8 0x10000000000000000\n", 1, /value 0x10000000000000000 is not in 0x0\.\.0xffffffffffffffff/],
  ["config intcap=0x100000000\n", 1, /intcap 0x100000000 is not in 0x0\.\.0xffffffff/],
  ["config timers=3 timers=4\n", 1, /config repeats timers/],
  ["config timers\n", 1, /config expects key=value, not "timers"/],
  ["t 10 # ten\n", 1, /expected "t NS"/],
  ["s 1\n", 1, /expected "s"/],
  [`r 0x0 4 ${" ".repeat(4096)}\n`, 1, /line is longer than 4096 characters/],
  ["r 0x10\n", 1, /expected "r 0xOFF SIZE"/],
  ["r 16 4\n", 1, /not a 0x-prefixed hex number/],
  ["r 0x10 3\n", 1, /size "3" is not 1, 2, 4 or 8/],
  ["w 0x10 4 0x1 extra\n", 1, /expected "w 0xOFF SIZE 0xVAL"/],
  ["i 2 1\n", 1, /input "2" is not 0 or 1/],
  ["t 1\nconfig timers=3\n", 2, /config must come before every operation/],
  ["config timers=33\n", 1, /timers 33 is not in 3\.\.32/],
  ["config timers=2\n", 1, /timers 2 is not in 3\.\.32/],
  ["config colour=blue\n", 1, /unknown config key "colour" \(timers, msi or intcap\)/],
  ["jump 5\n", 1, /unknown operation "jump"/],
];

for (const [text, line, message] of malformed) {
  test(`rejects ${JSON.stringify(text)} at line ${line}`, () => {
    assert.throws(() => parseTrace(text, "bad.trace"), (error: unknown) => {
      assert.ok(error instanceof TraceError);
      assert.equal(error.line, line);
      assert.match(error.message, new RegExp(`^bad\\.trace:${line}: `));
      assert.match(error.message, message);
      return true;
    });
  });
}
