// One benchmark run in a process of its own: the floor, then the workload, warmed up on its
// instance with two tenths of the run, then timed. Started by runner.ts with the workload's name
// and scale, it answers with one message; started by hand (node dist/bench/child.js WORKLOAD
// SCALE), it prints the same as JSON.

import { compileModule } from "../src/module.ts";
import { floorNsPerCall, nodeWorkloads } from "./workloads.ts";

export interface RunResult {
  readonly ops: number;
  readonly ns: number;
  readonly floorNsPerCall: number;
  readonly peakRssBytes: number;
}

const [name, scaleText] = process.argv.slice(2);
const workload = nodeWorkloads.find((w) => w.name === name);
if (workload === undefined) throw new Error(`no workload ${name}`);
const scale = Number(scaleText);
const module = await compileModule();
const floor = floorNsPerCall(module, Math.max(1_000_000, Math.round(10_000_000 * scale)));
const run = workload.start(module);
run(scale / 10);
run(scale / 10); // a second warm-up: the timed call then runs fully optimized code, not OSR code
const start = process.hrtime.bigint();
const ops = run(scale);
const ns = Number(process.hrtime.bigint() - start);
const result: RunResult = { ops, ns, floorNsPerCall: floor, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
// To the runner; started by hand (to profile a workload, say), to stdout.
if (process.send) process.send(result);
else process.stdout.write(`${JSON.stringify(result)}\n`);
