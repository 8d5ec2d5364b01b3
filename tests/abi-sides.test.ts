// The ABI has one definition, the module's own (assembly/abi.ts, host-area layout included,
// and the export signatures of build/hpet.wasm), and four sides that must not
// drift from it: the C header generated from it (hosts/c/hpet_abi.h, committed), the
// TypeScript host's mirror (hosts/ts/abi.ts) and the Python host's (hosts/python/hpet_wasmtime.py).
// Constants are matched by name, so that new ones are checked without a list here.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { wasmtimePython } from "../bench/wasmtime-engine.ts";
import { abiConstants } from "../hosts/c/abi-constants.ts";
import { ABI_SOURCE, currentAbiHeader, HEADER, MODULE } from "../hosts/c/generate-abi-header.ts";
import { moduleExports, type ValueType } from "../hosts/c/wasm-signatures.ts";
import * as tsAbi from "../hosts/ts/abi.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const definition = abiConstants(await readFile(ABI_SOURCE, "utf8"));
const exported = moduleExports(await readFile(MODULE));

/** The definition's value for a host's constant, or undefined when it has none. */
function defined(name: string): bigint | undefined {
  return definition.get(name);
}

// A host's grouped constants and the prefix (or suffix) their names have in the definition.
const GROUPS: Record<string, (key: string) => readonly string[]> = {
  Status: (key) => [`ERR_${key}`],
  EventKind: (key) => [`EVENT_${key}`],
  GuestError: (key) => [`GUEST_ERROR_${key}`],
  HostArea: (key) => [`${key}_OFFSET`],
};

test("hosts/c/hpet_abi.h is what the generator makes from the module's definition (npm run abi:c)", async () => {
  const committed = await readFile(HEADER, "utf8");
  assert.equal(committed, currentAbiHeader(), "hosts/c/hpet_abi.h is out of date: run npm run abi:c");
  for (const name of ["ABI_VERSION", "ERR_BAD_OFFSET", "EVENT_SIZE", "QUEUE_HEADER_SIZE", "EARLIEST_DEADLINE_OFFSET"]) {
    assert.match(committed, new RegExp(`^#define HPET_${name} `, "m"));
  }
  for (const f of exported.functions) assert.ok(committed.includes(`    X(${f.name}, "`), `export ${f.name} missing from the header`);
});

test("hosts/ts/abi.ts has the definition's values for every constant it mirrors", () => {
  const compared: string[] = [];
  const mismatches: string[] = [];
  const compare = (hostName: string, value: unknown, candidates: readonly string[]): void => {
    const name = candidates.find((c) => definition.has(c));
    if (name === undefined) return;
    compared.push(name);
    if (BigInt(value as number | bigint) !== defined(name)) mismatches.push(`${hostName} = ${String(value)}, ${name} = ${defined(name)}`);
  };
  for (const [key, value] of Object.entries(tsAbi)) {
    if (typeof value === "number" || typeof value === "bigint") compare(key, value, [key]);
    const group = GROUPS[key];
    if (group !== undefined && typeof value === "object" && value !== null) {
      for (const [member, memberValue] of Object.entries(value)) compare(`${key}.${member}`, memberValue, group(member));
    }
  }
  assert.deepEqual(mismatches, []);
  // Every status code of the definition is one the host knows.
  const missing = [...definition.keys()].filter((name) => name.startsWith("ERR_") && !compared.includes(name));
  assert.deepEqual(missing, [], "status codes hosts/ts/abi.ts lacks");
  for (const name of ["ABI_VERSION", "ADVANCE_INCOMPLETE", "EVENT_SIZE", "QUEUE_HEADER_SIZE", "MAX_TIME", "EVENT_LINE",
    "EVENT_MSI", "GUEST_ERROR_ALIGNMENT", "EARLIEST_DEADLINE_OFFSET", "COUNTER_SEQUENCE_OFFSET"]) {
    assert.ok(compared.includes(name), `hosts/ts/abi.ts does not mirror ${name}`);
  }
});

// The TypeScript type of each wasm value type in the HpetExports interface.
const TS_TYPES: Record<ValueType, string> = { i32: "number", i64: "bigint", f32: "number", f64: "number" };

test("hosts/ts/abi.ts lists exactly the module's functions, with their signatures", async () => {
  const source = await readFile(join(ROOT, "hosts", "ts", "abi.ts"), "utf8");
  const list = /const FUNCTIONS[^=]*=\s*\[([^\]]*)\]/.exec(source)?.[1];
  assert.ok(list !== undefined, "no FUNCTIONS list in hosts/ts/abi.ts");
  const listed = [...list.matchAll(/"(\w+)"/g)].map((m) => m[1]!).sort();
  assert.deepEqual(listed, exported.functions.map((f) => f.name).sort());
  const body = /export interface HpetExports \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? "";
  for (const f of exported.functions) {
    const declaration = new RegExp(`^\\s*${f.name}\\(([^)]*)\\): (\\w+);`, "m").exec(body);
    assert.ok(declaration !== null, `HpetExports lacks ${f.name}`);
    const params = declaration[1]!.trim() === "" ? [] : declaration[1]!.split(",").map((p) => p.split(":")[1]!.trim());
    assert.deepEqual(params, f.params.map((t) => TS_TYPES[t]), `${f.name}'s parameters`);
    assert.equal(declaration[2], f.results.length === 0 ? "void" : TS_TYPES[f.results[0]!], `${f.name}'s result`);
  }
  assert.deepEqual(exported.memories, ["memory"]);
});

interface PythonConstants {
  readonly constants: Record<string, string>;
  readonly enums: Record<string, Record<string, string>>;
  readonly errorCodes: Record<string, string>;
  readonly exports: readonly string[];
  readonly eventSize: string;
}

// Every upper-case integer of the Python host's module, its IntEnums, its error names and the
// exports it calls, as JSON (integers as strings: MAX_TIME does not fit a double).
const DUMP = `
import enum, json, sys
sys.path.insert(0, sys.argv[1])
import hpet_wasmtime as m
ints = lambda d: {k: str(v) for k, v in d.items() if isinstance(v, int) and not isinstance(v, bool)}
print(json.dumps({
    "constants": ints({k: v for k, v in vars(m).items() if k.isupper()}),
    "enums": {k: ints(v.__members__) for k, v in vars(m).items() if isinstance(v, type) and issubclass(v, enum.IntEnum) and v is not enum.IntEnum},
    "errorCodes": {str(k): v for k, v in m.ERROR_CODES.items()},
    "exports": list(m.EXPORTS),
    "eventSize": str(m.EVENT.size),
}))
`;

test("hosts/python/hpet_wasmtime.py has the definition's values for every constant it mirrors", async () => {
  const python = await wasmtimePython();
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(python, ["-c", DUMP, join(ROOT, "hosts", "python")], (error, out, err) => (error ? reject(new Error(err)) : resolve(out)));
  });
  const py = JSON.parse(stdout) as PythonConstants;
  const compared: string[] = [];
  const mismatches: string[] = [];
  const compare = (hostName: string, value: string, name: string): void => {
    if (!definition.has(name)) return;
    compared.push(name);
    if (BigInt(value) !== defined(name)) mismatches.push(`${hostName} = ${value}, ${name} = ${defined(name)}`);
  };
  for (const [name, value] of Object.entries(py.constants)) compare(name, value, name);
  for (const [member, value] of Object.entries(py.enums["EventKind"] ?? {})) compare(`EventKind.${member}`, value, `EVENT_${member}`);
  for (const [code, name] of Object.entries(py.errorCodes)) compare(`ERROR_CODES ${name}`, code, `ERR_${name.toUpperCase().replaceAll("-", "_")}`);
  compare("EVENT.size", py.eventSize, "EVENT_SIZE");
  assert.deepEqual(mismatches, []);
  const missing = [...definition.keys()].filter((name) => name.startsWith("ERR_") && !compared.includes(name));
  assert.deepEqual(missing, [], "status codes ERROR_CODES lacks");
  for (const name of ["ABI_VERSION", "ADVANCE_INCOMPLETE", "EVENT_SIZE", "QUEUE_HEADER_SIZE", "MAX_TIME", "EVENT_PULSE"]) {
    assert.ok(compared.includes(name), `hosts/python/hpet_wasmtime.py does not mirror ${name}`);
  }
  const functions = new Set(exported.functions.map((f) => f.name));
  assert.deepEqual(py.exports.filter((name) => !functions.has(name)), [], "the Python host calls exports the module lacks");
});
