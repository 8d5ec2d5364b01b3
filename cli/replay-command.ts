// `hpet replay [--out DIR] TRACE...`: replay traces, streaming: the trace is read and parsed a
// line at a time and the output written as it is produced, so memory stays flat however long
// either is. One trace prints its output on stdout; with --out each trace writes
// DIR/<name>.out, and a bad one is reported and skipped while the others go on.

import { closeSync, createReadStream, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { isatty } from "node:tty";
import { compileModule } from "../hosts/ts/module.ts";
import { replayStream } from "../hosts/ts/replay.ts";
import { TraceError, TraceParser } from "../hosts/ts/trace.ts";
import type { WasmModule } from "../hosts/ts/wasm.ts";
import { HELP, parseCommandLine } from "./args.ts";
import { CliError, fileProblem, UsageError } from "./errors.ts";
import { LineWriter } from "./line-writer.ts";
import { Progress } from "./progress.ts";

export const replaySummary = `hpet replay TRACE              print the trace's output on stdout
hpet replay --out DIR TRACE... write DIR/<trace name without .trace>.out for each trace`;

export const replayUsage = `usage: hpet replay TRACE
       hpet replay --out DIR TRACE...

Replays each trace (docs/trace-format.md) on a new device and prints, or with --out writes
to DIR/<name>.out, the outputs it produces: R (reads), I (interrupt lines), P (PIT enable),
M (MSI writes). Output streams as the replay runs. On a terminal, a replay that takes more
than 2 s shows its progress on stderr.

options:
  --out DIR    write DIR/<trace name without .trace>.out for each trace (DIR is created);
               a trace that fails is reported as FILE:LINE: problem and skipped, the others
               are written, and a summary line follows
  -h, --help   print this help

exit status: 0 all replayed; 2 a usage error or a bad or unreadable trace (with --out: any);
1 the device module cannot be loaded`;

const OPTIONS = { ...HELP, out: { type: "string" } } as const;

export async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine("replay", args, OPTIONS, true);
  if (values.help === true) {
    process.stdout.write(`${replayUsage}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("replay needs a trace file (hpet replay --help)");
  if (values.out === undefined && positionals.length > 1) {
    throw new UsageError("replay of several traces needs --out DIR (one trace prints to stdout)");
  }
  const module = await loadModule();
  if (values.out === undefined) {
    await replayFile(module, positionals[0]!, 1, false);
    return 0;
  }
  return replayBatch(module, values.out, positionals);
}

async function loadModule(): Promise<WasmModule> {
  try {
    return await compileModule();
  } catch (error) {
    throw new CliError(`cannot load the device module: ${(error as Error).message}`, 1, error);
  }
}

async function replayBatch(module: WasmModule, dir: string, files: string[]): Promise<number> {
  const outputs = new Map<string, string>();
  for (const file of files) {
    const output = join(dir, `${basename(file).replace(/\.trace$/, "")}.out`);
    const other = outputs.get(output);
    if (other !== undefined) throw new UsageError(`${other} and ${file} would both write ${output}`);
    outputs.set(output, file);
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const exists = (error as NodeJS.ErrnoException).code === "EEXIST";
    throw new CliError(exists ? `${dir}: exists and is not a directory` : fileProblem(dir, error) ?? (error as Error).message, 2, error);
  }
  let written = 0;
  for (const [output, file] of outputs) {
    // Written beside the output and renamed at the end, so a failed trace leaves no partial output.
    const partial = `${output}.partial`;
    try {
      const fd = openSync(partial, "w");
      try {
        await replayFile(module, file, fd, true);
      } finally {
        closeSync(fd);
      }
      renameSync(partial, output);
      written++;
    } catch (error) {
      rmSync(partial, { force: true });
      if (!(error instanceof CliError)) throw error;
      writeSync(2, `hpet: ${error.message}\n`);
    }
  }
  const skipped = files.length - written;
  writeSync(2, `hpet: wrote ${written} of ${files.length} outputs to ${dir}, skipped ${skipped}\n`);
  return skipped === 0 ? 0 : 2;
}

/** Replays `file` to `fd`; a bad or unreadable trace is a CliError. */
async function replayFile(module: WasmModule, file: string, fd: number, toFile: boolean): Promise<void> {
  const parser = new TraceParser(file);
  let size = 0;
  let read = 0;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new CliError(fileProblem(file, error) ?? (error as Error).message, 2, error);
  }
  // Progress on a terminal, unless the output goes to that terminal too.
  const showProgress = isatty(2) && (toFile || !isatty(1));
  const progress = new Progress({ isTTY: showProgress, write: (text) => writeSync(2, text) }, () =>
    `hpet: ${file}: trace line ${parser.line.toLocaleString("en-US")}, ${percent(read, size)} read, `
    + `${writer.lines.toLocaleString("en-US")} output lines`);
  const writer = new LineWriter(fd, () => progress.tick());
  async function* chunks(): AsyncGenerator<string> {
    for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 16 })) {
      read += (chunk as string).length;
      progress.tick();
      yield chunk as string;
    }
  }
  try {
    await replayStream(chunks(), module, writer.write, { parser });
  } catch (error) {
    if (error instanceof TraceError) throw new CliError(error.message, 2, error);
    const problem = fileProblem(file, error);
    if (problem !== undefined && (error as NodeJS.ErrnoException).syscall !== "write") throw new CliError(problem, 2, error);
    throw error;
  } finally {
    try {
      writer.flush();
    } finally {
      progress.done();
    }
  }
}

function percent(part: number, whole: number): string {
  return whole === 0 ? "100%" : `${Math.floor((100 * part) / whole)}%`;
}
