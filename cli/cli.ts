#!/usr/bin/env node
// The `hpet` command: replay guest traces, benchmark, inspect the module. Every failure is one
// line on stderr, `hpet: ...`; HPET_DEBUG=1 adds the stack.

import { readFileSync } from "node:fs";
import { benchCommand, benchSummary } from "../bench/runner.ts";
import { HpetError } from "../hosts/ts/errors.ts";
import { TraceError } from "../hosts/ts/trace.ts";
import { acpiCommand, acpiSummary } from "./acpi-command.ts";
import { CliError, fileProblem, UsageError } from "./errors.ts";
import { infoCommand, infoSummary } from "./info-command.ts";
import { replayCommand, replaySummary } from "./replay-command.ts";

const commands: Record<string, (args: string[]) => Promise<number>> = {
  replay: replayCommand,
  bench: benchCommand,
  acpi: acpiCommand,
  info: infoCommand,
};

const usage = `usage: hpet COMMAND [OPTIONS]

${replaySummary}
${benchSummary}
${acpiSummary}
${infoSummary}
hpet --version                 print the version of hpet-wasm

hpet COMMAND --help shows a command's options. The trace format: docs/trace-format.md.

exit status: 0 success; 2 a usage error, or a file named on the command line that is missing,
unreadable or malformed (a bad trace, a --module that is not hpet.wasm); 1 the environment
failed (the device module does not load, no Python for the wasmtime engine, a benchmark run
crashed). Errors are one line on stderr; HPET_DEBUG=1 also prints their stack.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (name === "--version") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    const what = name.startsWith("-") ? `option ${name}` : `command "${name}"`;
    throw new UsageError(`unknown ${what} (commands: ${Object.keys(commands).join(", ")}; options: --help, --version)`);
  }
  return command(args);
}

function version(): string {
  const manifest = new URL(import.meta.resolve("hpet-wasm/package.json"));
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

// One line for the user; the exit status says what kind of failure it was.
function report(error: unknown): number {
  let message: string;
  let status: number;
  if (error instanceof CliError) {
    [message, status] = [error.message, error.status];
  } else if (error instanceof TraceError || error instanceof HpetError) {
    [message, status] = [error.message, 2];
  } else {
    const path = error instanceof Error && "path" in error && typeof error.path === "string" ? error.path : undefined;
    const problem = path === undefined ? undefined : fileProblem(path, error);
    if (problem === undefined) {
      [message, status] = [`internal error: ${error instanceof Error ? error.message : String(error)} (HPET_DEBUG=1 shows where)`, 1];
    } else {
      [message, status] = [problem, 2];
    }
  }
  process.stderr.write(`hpet: ${message.replace(/\s*\n\s*/g, " ")}\n`);
  if (process.env["HPET_DEBUG"] === "1") {
    for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
      process.stderr.write(`${cause === error ? "" : "caused by: "}${cause.stack ?? cause.message}\n`);
    }
  }
  return status;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    // The reader of our output went away (`hpet replay big.trace | head`): stop quietly.
    const code = error instanceof Error && "code" in error ? error.code : undefined;
    process.exitCode = code === "EPIPE" ? 0 : report(error);
  },
);
