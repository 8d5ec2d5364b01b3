// `hpet bench`: runs the workloads on each engine, every run in a fresh process (one HPET per
// process, as in an emulator), and reports medians next to the floor: an empty exported call
// measured in the same process.

import { fork } from "node:child_process";
import { HELP, parseCommandLine } from "../cli/args.ts";
import { CliError, UsageError } from "../cli/errors.ts";
import { smallOption } from "../cli/numbers.ts";
import type { RunResult } from "./child.ts";
import { nodeWorkloads } from "./workloads.ts";
import { wasmtimeEngine } from "./wasmtime-engine.ts";
import { cEngine } from "./c-engine.ts";

export const benchSummary = `hpet bench [OPTIONS]           measure the device's throughput (bench/README.md explains the numbers)`;

function benchUsage(): string {
  const workloads = engines.map((e) => `  ${`${e.name}:`.padEnd(10)}${e.workloads.join(", ")}`).join("\n");
  return `usage: hpet bench [--workload NAME] [--engine NAME] [--quick] [--runs N] [--json]

Runs each workload on each engine, every run in a fresh process, and prints the medians next
to the floor (an empty exported call measured in the same process). An engine that cannot run
here is skipped with a note, unless it was asked for with --engine.

options:
  --workload NAME   run only this workload
  --engine NAME     run only this engine: ${engines.map((e) => e.name).join(", ")}
  --quick           a smoke run at ${QUICK_SCALE * 100}% size, one run unless --runs says otherwise
  --runs N          runs per workload and engine, 1..${MAX_RUNS} (default 5)
  --json            print the results as JSON
  -h, --help        print this help

workloads by engine:
${workloads}`;
}

export interface Engine {
  readonly name: "node" | "wasmtime" | "c";
  readonly workloads: readonly string[];
  /** Why this engine cannot run here, or null. */
  unavailable(): Promise<string | null>;
  run(workload: string, scale: number): Promise<RunResult>;
}

export interface BenchResult {
  readonly workload: string;
  readonly engine: string;
  readonly ops: number;
  readonly opsPerSec: number;
  readonly nsPerOp: number;
  readonly floorNsPerCall: number;
  readonly peakRssBytes: number;
}

const childPath = new URL(`./child${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url);

const nodeEngine: Engine = {
  name: "node",
  workloads: nodeWorkloads.map((w) => w.name),
  unavailable: () => Promise.resolve(null),
  run: (workload, scale) => new Promise((resolve, reject) => {
    const child = fork(childPath, [workload, String(scale)], { execArgv: process.execArgv, stdio: "inherit" });
    child.once("message", (message) => resolve(message as RunResult));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new CliError(`benchmark run of ${workload} exited with status ${code}`, 1));
    });
  }),
};

const engines: readonly Engine[] = [nodeEngine, wasmtimeEngine, cEngine];

// Full size: the workloads as bench/README.md describes them; quick: a smoke run under 5 s.
const FULL_SCALE = 1;
const QUICK_SCALE = 0.02;
const MAX_RUNS = 1000;

const OPTIONS = {
  ...HELP,
  workload: { type: "string" },
  engine: { type: "string" },
  quick: { type: "boolean", default: false },
  runs: { type: "string" },
  json: { type: "boolean", default: false },
} as const;

export async function benchCommand(args: string[]): Promise<number> {
  const { values } = parseCommandLine("bench", args, OPTIONS, false);
  if (values.help === true) {
    process.stdout.write(`${benchUsage()}\n`);
    return 0;
  }
  const selectedEngines = engines.filter((e) => values.engine === undefined || e.name === values.engine);
  if (selectedEngines.length === 0) {
    throw new UsageError(`unknown engine "${values.engine}" (engines: ${engines.map((e) => e.name).join(", ")})`);
  }
  const workload = values.workload;
  if (workload !== undefined && !selectedEngines.some((e) => e.workloads.includes(workload))) {
    const [only] = selectedEngines;
    throw new UsageError(selectedEngines.length === 1 && only !== undefined
      ? `the ${only.name} engine has no workload "${workload}" (its workloads: ${only.workloads.join(", ")})`
      : `unknown workload "${workload}" (${engines.map((e) => `${e.name}: ${e.workloads.join(", ")}`).join("; ")})`);
  }
  const runs = smallOption(values.runs, "--runs", 1, MAX_RUNS) ?? (values.quick ? 1 : 5);
  const scale = values.quick ? QUICK_SCALE : FULL_SCALE;

  const plan: { engine: Engine; workload: string }[] = [];
  for (const engine of selectedEngines) {
    if (workload !== undefined && !engine.workloads.includes(workload)) continue;
    const why = await engine.unavailable();
    if (why !== null) {
      if (values.engine !== undefined) throw new CliError(`the ${engine.name} engine cannot run: ${why}`, 1);
      process.stderr.write(`hpet bench: skipping the ${engine.name} engine: ${why}\n`);
      continue;
    }
    for (const name of engine.workloads) {
      if (workload === undefined || workload === name) plan.push({ engine, workload: name });
    }
  }
  if (plan.length === 0) throw new CliError("no engine that runs the selected workloads can run here", 1);

  const progress = new Progress(plan.length * runs);
  const results: BenchResult[] = [];
  for (const { engine, workload } of plan) {
    const samples: RunResult[] = [];
    for (let i = 0; i < runs; i++) {
      progress.update(`${workload} (${engine.name}) run ${i + 1}/${runs}`);
      samples.push(await engine.run(workload, scale));
      progress.step();
    }
    results.push(summarize(workload, engine.name, samples));
  }
  progress.done();
  process.stdout.write(values.json ? `${JSON.stringify({ results }, null, 2)}\n` : table(results));
  return 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function summarize(workload: string, engine: string, samples: RunResult[]): BenchResult {
  const nsPerOp = median(samples.map((s) => s.ns / s.ops));
  return {
    workload,
    engine,
    ops: samples[0]!.ops,
    opsPerSec: 1e9 / nsPerOp,
    nsPerOp,
    floorNsPerCall: median(samples.map((s) => s.floorNsPerCall)),
    peakRssBytes: Math.max(...samples.map((s) => s.peakRssBytes)),
  };
}

function table(results: readonly BenchResult[]): string {
  const header = ["workload", "engine", "operations", "ops/s", "ns/op", "floor ns/call", "ratio to floor", "peak RSS"];
  const rows = results.map((r) => [
    r.workload, r.engine, r.ops.toLocaleString("en-US"), `${(r.opsPerSec / 1e6).toFixed(1)} M`,
    r.nsPerOp.toFixed(1), r.floorNsPerCall.toFixed(2), ratio(r.nsPerOp / r.floorNsPerCall),
    `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

function ratio(value: number): string {
  return value < 0.1 ? value.toFixed(3) : value.toFixed(1);
}

// A progress bar on stderr, shown once the bench has run for more than a second: redrawn in
// place on a terminal, one line per finished run elsewhere (a CI log, a pipe).
class Progress {
  private readonly start = Date.now();
  private doneSteps = 0;
  private label = "";
  private shown = false;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly total: number) {
    this.timer = setInterval(() => this.redraw(), 200);
    this.timer.unref();
  }
  update(label: string): void {
    this.label = label;
    this.redraw();
  }
  step(): void {
    this.doneSteps++;
    if (process.stderr.isTTY) this.redraw();
    else if (Date.now() - this.start >= 1000) this.print("\n");
  }
  done(): void {
    clearInterval(this.timer);
    if (this.shown && process.stderr.isTTY) process.stderr.write("\n");
  }
  private redraw(): void {
    if (process.stderr.isTTY && Date.now() - this.start >= 1000) this.print("\r");
  }
  private print(how: "\r" | "\n"): void {
    this.shown = true;
    const width = 30;
    const filled = Math.round((this.doneSteps / this.total) * width);
    const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${this.doneSteps}/${this.total} ${this.label}`;
    process.stderr.write(how === "\r" ? `\r${bar.padEnd(80)}` : `${bar}\n`);
  }
}
