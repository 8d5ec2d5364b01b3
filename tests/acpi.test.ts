// The ACPI HPET table, checked with the ACPI reference disassembler (iasl -d, from the Debian
// package acpica-tools, which this file installs with apt-get when iasl is missing): every field
// as iasl decodes it, and no checksum warning.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { promisify } from "node:util";
import { acpiCommand } from "../cli/acpi-command.ts";
import { ACPI_HPET_TABLE_LENGTH, buildAcpiHpetTable } from "../hosts/ts/acpi.ts";
import { Hpet, HpetError } from "../hosts/ts/index.ts";

const run = promisify(execFile);

before(async () => {
  try {
    await run("iasl", ["-v"]);
  } catch {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    try {
      await run("apt-get", ["update", "-qq"], { env });
      await run("apt-get", ["install", "-y", "-qq", "acpica-tools"], { env });
    } catch (error) {
      assert.fail(`iasl is missing and apt-get could not install acpica-tools: ${(error as Error).message}`);
    }
  }
});

interface Disassembly {
  /** "Field Name" -> value as iasl prints it. */
  fields: Map<string, string>;
  /** Everything iasl said, its messages and the .dsl. */
  text: string;
}

async function disassemble(table: Uint8Array): Promise<Disassembly> {
  const dir = await mkdtemp(join(tmpdir(), "hpet-acpi-"));
  let output;
  let dsl;
  try {
    await writeFile(join(dir, "hpet.dat"), table);
    output = await run("iasl", ["-d", "hpet.dat"], { cwd: dir });
    dsl = await readFile(join(dir, "hpet.dsl"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && (error as NodeJS.ErrnoException).path === "iasl") {
      assert.fail("iasl is not installed: apt-get install acpica-tools");
    }
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const fields = new Map<string, string>();
  for (const match of dsl.matchAll(/^\[[0-9A-F]{3}h \d{4} +\d+\]\s+(.+?) : (.*)$/gm)) {
    fields.set(match[1]!.trim(), match[2]!.trim());
  }
  return { fields, text: `${output.stdout}${output.stderr}${dsl}` };
}

function byteSum(bytes: Uint8Array): number {
  return bytes.reduce((sum, byte) => (sum + byte) & 0xff, 0);
}

test("the default table disassembles to the HPET of a 3-timer 100 MHz block at 0xFED00000", async () => {
  const hpet = await Hpet.create();
  const table = buildAcpiHpetTable({ hpet });
  assert.equal(table.length, ACPI_HPET_TABLE_LENGTH);
  assert.equal(byteSum(table), 0);
  const { fields, text } = await disassemble(table);
  assert.doesNotMatch(text, /incorrect checksum/i, "iasl complains about the checksum");
  assert.match(text, /Acpi Data Table \[HPET\] decoded/);
  assert.deepEqual(Object.fromEntries(fields), {
    "Signature": "\"HPET\"    [High Precision Event Timer table]",
    "Table Length": "00000038",
    "Revision": "01",
    "Checksum": table[9]!.toString(16).toUpperCase().padStart(2, "0"),
    "Oem ID": "\"HPWASM\"",
    "Oem Table ID": "\"HPETWASM\"",
    "Oem Revision": "00000001",
    "Asl Compiler ID": "\"HPWA\"",
    "Asl Compiler Revision": "00000001",
    // Bits 31:0 of the capabilities register: vendor 8086, legacy route and 64-bit counter
    // capable, 3 timers (field value 2), revision 1.
    "Hardware Block ID": "8086A201",
    "Timer Block Register": "[Generic Address Structure]",
    "Space ID": "00 [SystemMemory]",
    "Bit Width": "40",
    "Bit Offset": "00",
    "Encoded Access Width": "00 [Undefined/Legacy]",
    "Address": "00000000FED00000",
    "Sequence Number": "00",
    "Minimum Clock Ticks": "0080",
    "Flags (decoded below)": "00",
  });
  assert.equal(hpet.read64(0) & 0xffff_ffffn, 0x8086a201n);
});

test("iasl flags a table whose checksum is off by one, so the checks above can fail", async () => {
  const table = buildAcpiHpetTable({ hpet: await Hpet.create() });
  table[9] = (table[9]! + 1) & 0xff;
  assert.match((await disassemble(table)).text, /incorrect checksum/i);
});

test("hpet acpi --out writes the table of the configuration and the placement it is given", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "hpet-acpi-cli-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const out = join(dir, "hpet.aml");
  await acpiCommand(["--out", out, "--timers", "32", "--base", "0xfed01000", "--number", "2",
    "--min-tick", "0x37ee", "--page-protection", "4k"]);
  const table = new Uint8Array(await readFile(out));
  assert.equal(byteSum(table), 0);
  const { fields, text } = await disassemble(table);
  assert.doesNotMatch(text, /incorrect checksum/i);
  assert.equal(fields.get("Hardware Block ID"), "8086BF01"); // 32 timers: field value 31
  assert.equal(fields.get("Address"), "00000000FED01000");
  assert.equal(fields.get("Sequence Number"), "02");
  assert.equal(fields.get("Minimum Clock Ticks"), "37EE");
  assert.equal(fields.get("Flags (decoded below)"), "01");
  assert.match(text, /4K Page Protect : 1/);
  assert.match(text, /64K Page Protect : 0/);
});

test("OEM fields, a 64-bit base, 64K protection and OEM attribute bits land where iasl reads them", async () => {
  const hpet = await Hpet.create({ clockPeriodNs: 1 });
  const table = buildAcpiHpetTable({
    hpet, base: 0x1_2345_6000n, pageProtection: "64k", oemAttribute: 0xa,
    oemId: "EMU", oemTableId: "TOYPC", oemRevision: 0x20250101, creatorId: "TOY", creatorRevision: 7,
  });
  const { fields, text } = await disassemble(table);
  assert.doesNotMatch(text, /incorrect checksum/i);
  assert.equal(fields.get("Oem ID"), "\"EMU   \"");
  assert.equal(fields.get("Oem Table ID"), "\"TOYPC   \"");
  assert.equal(fields.get("Oem Revision"), "20250101");
  assert.equal(fields.get("Asl Compiler ID"), "\"TOY \"");
  assert.equal(fields.get("Asl Compiler Revision"), "00000007");
  assert.equal(fields.get("Address"), "0000000123456000");
  assert.equal(fields.get("Flags (decoded below)"), "A2");
  assert.match(text, /64K Page Protect : 1/);
  // The clock period lives in bits 63:32, outside the block ID.
  assert.equal(fields.get("Hardware Block ID"), "8086A201");
  assert.equal(hpet.read64(0) >> 32n, 1_000_000n);
});

test("out-of-range fields are refused with an error naming the field", async () => {
  const hpet = await Hpet.create();
  const refused = (options: Partial<Parameters<typeof buildAcpiHpetTable>[0]>, message: RegExp): void => {
    assert.throws(() => buildAcpiHpetTable({ hpet, ...options }),
      (error: unknown) => error instanceof HpetError && error.code === "bad-value" && message.test(error.message));
  };
  refused({ hpetNumber: 256 }, /HPET number 256/);
  refused({ minimumTick: 0x10000 }, /minimum clock tick 65536/);
  refused({ minimumTick: 1.5 }, /minimum clock tick 1.5/);
  refused({ oemAttribute: 16 }, /OEM attribute 16/);
  refused({ base: -1 }, /base address -1/);
  refused({ base: 1n << 64n }, /base address 18446744073709551616/);
  refused({ oemId: "TOOLONG" }, /OEM ID "TOOLONG"/);
  refused({ creatorId: "é" }, /creator ID "é"/);
  refused({ pageProtection: "toString" as "none" }, /page protection "toString"/);
});
