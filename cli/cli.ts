#!/usr/bin/env node
// The `hpet` command: replay guest traces, benchmark, inspect the module.

import { benchCommand, benchUsage } from "../bench/runner.ts";
import { acpiCommand, acpiUsage } from "./acpi-command.ts";
import { HpetError } from "../hosts/ts/errors.ts";
import { infoCommand, infoUsage } from "./info-command.ts";
import { replayCommand, replayUsage } from "./replay-command.ts";
import { TraceError } from "../hosts/ts/trace.ts";
import { UsageError } from "./usage.ts";

const commands: Record<string, (args: string[]) => Promise<void>> = {
  replay: replayCommand,
  bench: benchCommand,
  acpi: acpiCommand,
  info: infoCommand,
};

const usage = `usage:
${replayUsage}
${benchUsage}
${acpiUsage}
${infoUsage}`;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const command = commands[name];
  if (command === undefined) throw new UsageError(`unknown command "${name}"`);
  await command(args);
  return 0;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`hpet: ${error.message}\n${usage}\n`);
    } else if (error instanceof TraceError || error instanceof HpetError || isFileError(error)) {
      process.stderr.write(`hpet: ${(error as Error).message}\n`);
    } else {
      throw error;
    }
    process.exitCode = 2;
  },
);

function isFileError(error: unknown): boolean {
  return error instanceof Error && "code" in error && typeof error.code === "string" && "path" in error;
}
