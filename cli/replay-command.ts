// `hpet replay [--out DIR] TRACE...`: replay traces; print the output of one, or write
// DIR/<name>.out for each.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { compileModule } from "../hosts/ts/module.ts";
import { replay } from "../hosts/ts/replay.ts";
import { parseTrace } from "../hosts/ts/trace.ts";
import { UsageError } from "./usage.ts";

export const replayUsage = `hpet replay TRACE              print the trace's output on stdout
hpet replay --out DIR TRACE... write DIR/<trace name without .trace>.out for each trace`;

export async function replayCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { out: { type: "string" } }, allowPositionals: true });
  if (positionals.length === 0) throw new UsageError("replay needs a trace file");
  if (values.out === undefined && positionals.length > 1) throw new UsageError("replay of several traces needs --out DIR");
  const module = await compileModule();
  if (values.out !== undefined) await mkdir(values.out, { recursive: true });
  for (const file of positionals) {
    const output = replay(parseTrace(await readFile(file, "utf8"), file), module);
    if (values.out === undefined) process.stdout.write(output);
    else await writeFile(join(values.out, `${basename(file).replace(/\.trace$/, "")}.out`), output);
  }
}
