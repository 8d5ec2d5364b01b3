// `hpet acpi --out FILE`: write the ACPI HPET table describing an instance of the given
// configuration, for firmware images and emulators that build their ACPI tables from files.

import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { buildAcpiHpetTable, type PageProtection } from "../hosts/ts/acpi.ts";
import { Hpet } from "../hosts/ts/hpet.ts";
import { compileModule } from "../hosts/ts/module.ts";
import { UsageError } from "./usage.ts";

export const acpiUsage = `hpet acpi --out FILE [--timers N] [--clock-period NS] [--base ADDR] [--number N]
          [--min-tick TICKS] [--page-protection none|4k|64k]
                               write the ACPI HPET table (56 bytes) for that configuration`;

const OPTIONS = {
  out: { type: "string" },
  timers: { type: "string" },
  "clock-period": { type: "string" },
  base: { type: "string" },
  number: { type: "string" },
  "min-tick": { type: "string" },
  "page-protection": { type: "string" },
} as const;

export async function acpiCommand(args: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.out === undefined) throw new UsageError("acpi needs --out FILE");
  const hpet = new Hpet(await compileModule(), {
    timers: small(values.timers, "--timers") ?? 3,
    clockPeriodNs: small(values["clock-period"], "--clock-period") ?? 10,
  });
  const table = buildAcpiHpetTable({
    hpet,
    base: integer(values.base, "--base"),
    hpetNumber: small(values.number, "--number"),
    minimumTick: small(values["min-tick"], "--min-tick"),
    pageProtection: values["page-protection"] as PageProtection | undefined,
  });
  await writeFile(values.out, table);
}

// Decimal, or hex with a 0x prefix; the library checks the range.
function integer(text: string | undefined, option: string): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^(0|[1-9][0-9]*|0x[0-9a-f]+)$/i.test(text)) throw new UsageError(`${option} "${text}" is not a number`);
  return BigInt(text);
}

function small(text: string | undefined, option: string): number | undefined {
  const value = integer(text, option);
  return value === undefined ? undefined : Number(value);
}
