// `hpet acpi --out FILE`: write the ACPI HPET table describing an instance of the given
// configuration, for firmware images and emulators that build their ACPI tables from files.

import { writeFile } from "node:fs/promises";
import { buildAcpiHpetTable, type PageProtection } from "../hosts/ts/acpi.ts";
import { Hpet } from "../hosts/ts/hpet.ts";
import { compileModule } from "../hosts/ts/module.ts";
import { HELP, parseCommandLine } from "./args.ts";
import { CliError, fileProblem, UsageError } from "./errors.ts";
import { integerOption, smallOption } from "./numbers.ts";

export const acpiSummary = `hpet acpi --out FILE           write the ACPI HPET table (--timers, --base, --min-tick, ...)`;

export const acpiUsage = `usage: hpet acpi --out FILE [--timers N] [--clock-period NS] [--base ADDR] [--number N]
                 [--min-tick TICKS] [--page-protection none|4k|64k]

Writes the 56-byte ACPI "HPET" table that tells a guest where a device of this configuration
is (\`iasl -d FILE\` shows its fields). Numbers are decimal, or hex with 0x.

options:
  --out FILE                        the file to write (required)
  --timers N                        comparators, 3..32 (default 3)
  --clock-period NS                 main counter period in ns, 1..100 (default 10)
  --base ADDR                       physical address of the registers (default 0xfed00000)
  --number N                        HPET sequence number, 0..255 (default 0)
  --min-tick TICKS                  minimum periodic tick, 0..65535 (default 128)
  --page-protection none|4k|64k     page protection of the register block (default none)
  -h, --help                        print this help`;

const OPTIONS = {
  ...HELP,
  out: { type: "string" },
  timers: { type: "string" },
  "clock-period": { type: "string" },
  base: { type: "string" },
  number: { type: "string" },
  "min-tick": { type: "string" },
  "page-protection": { type: "string" },
} as const;

const PAGE_PROTECTIONS: readonly PageProtection[] = ["none", "4k", "64k"];

export async function acpiCommand(args: string[]): Promise<number> {
  const { values } = parseCommandLine("acpi", args, OPTIONS, false);
  if (values.help === true) {
    process.stdout.write(`${acpiUsage}\n`);
    return 0;
  }
  if (values.out === undefined) throw new UsageError("acpi needs --out FILE (hpet acpi --help)");
  const protection = values["page-protection"];
  if (protection !== undefined && !(PAGE_PROTECTIONS as readonly string[]).includes(protection)) {
    throw new UsageError(`--page-protection "${protection}" is not one of ${PAGE_PROTECTIONS.join(", ")}`);
  }
  const timers = smallOption(values.timers, "--timers", 3, 32) ?? 3;
  const clockPeriodNs = smallOption(values["clock-period"], "--clock-period", 1, 100) ?? 10;
  const base = integerOption(values.base, "--base", 0n, (1n << 64n) - 1n);
  const hpetNumber = smallOption(values.number, "--number", 0, 0xff);
  const minimumTick = smallOption(values["min-tick"], "--min-tick", 0, 0xffff);
  let module;
  try {
    module = await compileModule();
  } catch (error) {
    throw new CliError(`cannot load the device module: ${(error as Error).message}`, 1, error);
  }
  const table = buildAcpiHpetTable({
    hpet: new Hpet(module, { timers, clockPeriodNs }),
    base,
    hpetNumber,
    minimumTick,
    pageProtection: protection as PageProtection | undefined,
  });
  try {
    await writeFile(values.out, table);
  } catch (error) {
    throw new CliError(fileProblem(values.out, error) ?? (error as Error).message, 2, error);
  }
  return 0;
}
