// `hpet info [--module FILE]`: what the shipped (or given) hpet.wasm is: its size, imports,
// exports, ABI version and the capabilities register of the default configuration.

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { ABI_VERSION } from "../hosts/ts/abi.ts";
import { HpetError } from "../hosts/ts/errors.ts";
import { Hpet } from "../hosts/ts/hpet.ts";
import { defaultModuleUrl } from "../hosts/ts/module.ts";
import { wasm, type WasmModule } from "../hosts/ts/wasm.ts";
import { HELP, parseCommandLine } from "./args.ts";
import { CliError, fileProblem } from "./errors.ts";

export const infoSummary = `hpet info [--module FILE]      module size, imports, exports, ABI version, capabilities register`;

export const infoUsage = `usage: hpet info [--module FILE]

Describes hpet.wasm: its size, imports, exports, ABI version and the capabilities register of
the default configuration.

options:
  --module FILE   the module to describe (default: the one this package ships)
  -h, --help      print this help`;

const OPTIONS = { ...HELP, module: { type: "string" } } as const;

export async function infoCommand(args: string[]): Promise<number> {
  const { values } = parseCommandLine("info", args, OPTIONS, false);
  if (values.help === true) {
    process.stdout.write(`${infoUsage}\n`);
    return 0;
  }
  // A module named on the command line is the user's input (status 2); the shipped one missing
  // is a broken installation (status 1).
  const given = values.module !== undefined;
  const path = values.module ?? fileURLToPath(defaultModuleUrl());
  let bytes: Uint8Array;
  let module: WasmModule;
  let hpet: Hpet;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CliError(fileProblem(path, error) ?? (error as Error).message, given ? 2 : 1, error);
  }
  try {
    module = await wasm.compile(bytes);
  } catch (error) {
    throw new CliError(`${path} is not a WebAssembly module (${(error as Error).message})`, given ? 2 : 1, error);
  }
  try {
    // Creating an instance checks every export and the module's ABI version against this host's.
    hpet = new Hpet(module);
  } catch (error) {
    if (!(error instanceof HpetError)) throw error;
    throw new CliError(`${path}: ${error.message}`, given ? 2 : 1, error);
  }
  const imports = wasm.Module.imports(module).map((entry) => `${entry.module}.${entry.name} (${entry.kind})`);
  const exports = wasm.Module.exports(module);
  const kinds = [...new Set(exports.map((entry) => entry.kind))].map((kind) => {
    const names = exports.filter((entry) => entry.kind === kind).map((entry) => entry.name);
    return `${names.length} ${kind}: ${names.join(", ")}`;
  });
  const { timers, clockPeriodNs } = hpet.config;
  const field = (name: string, value: string): string => `${name.padEnd(14)}${value}\n`;
  process.stdout.write(
    field("module", path)
    + field("size", `${bytes.length} bytes`)
    + field("imports", imports.length === 0 ? "none" : imports.join(", "))
    + field("exports", kinds.join("; "))
    + field("ABI version", String(ABI_VERSION))
    + field("capabilities", `0x${hpet.read64(0).toString(16).padStart(16, "0")} `
      + `(register 0x000 of the default configuration: ${timers} timers, ${clockPeriodNs} ns clock period)`),
  );
  return 0;
}
