// `hpet info [--module FILE]`: what the shipped (or given) hpet.wasm is: its size, imports,
// exports, ABI version and the capabilities register of the default configuration.

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ABI_VERSION } from "../hosts/ts/abi.ts";
import { Hpet } from "../hosts/ts/hpet.ts";
import { defaultModuleUrl } from "../hosts/ts/module.ts";
import { UsageError } from "./usage.ts";

export const infoUsage = `hpet info [--module FILE]      describe hpet.wasm (default: the one this package ships)`;

export async function infoCommand(args: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { module: { type: "string" } }, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const path = values.module ?? fileURLToPath(defaultModuleUrl());
  const bytes = await readFile(path);
  const module = await WebAssembly.compile(bytes);
  const imports = WebAssembly.Module.imports(module).map((entry) => `${entry.module}.${entry.name} (${entry.kind})`);
  const exports = WebAssembly.Module.exports(module);
  const kinds = [...new Set(exports.map((entry) => entry.kind))].map((kind) => {
    const names = exports.filter((entry) => entry.kind === kind).map((entry) => entry.name);
    return `${names.length} ${kind}: ${names.join(", ")}`;
  });
  const field = (name: string, value: string): string => `${name.padEnd(14)}${value}\n`;
  process.stdout.write(
    field("module", path)
    + field("size", `${bytes.length} bytes`)
    + field("imports", imports.length === 0 ? "none" : imports.join(", "))
    + field("exports", kinds.join("; ")),
  );
  // Creating an instance checks every export and the module's ABI version against this host's.
  const hpet = new Hpet(module);
  const { timers, clockPeriodNs } = hpet.config;
  process.stdout.write(
    field("ABI version", String(ABI_VERSION))
    + field("capabilities", `0x${hpet.read64(0).toString(16).padStart(16, "0")} `
      + `(register 0x000 of the default configuration: ${timers} timers, ${clockPeriodNs} ns clock period)`),
  );
}
