// One benchmark run in a process of its own: the floor, then the workload, warmed up on its
// instance with calls growing to a tenth of the run, then timed. Started by runner.ts with the workload's name
// and scale, it answers with one message; started by hand (node dist/bench/child.js WORKLOAD
// SCALE), it prints the same as JSON.

import { compileModule } from "../hosts/ts/module.ts";
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
// Warm-up: calls that start tiny and double up to a tenth of the run. V8 records type feedback
// only from a function's first few calls on; calls too short to be compiled mid-loop let it
// record all of it, so that the code the timed call runs is compiled on entry, from complete
// feedback, every time (a long first call gave two speeds from run to run).
for (let part = scale / 100_000; part <= scale / 10; part *= 2) run(part);
const start = process.hrtime.bigint();
const ops = run(scale);
const ns = Number(process.hrtime.bigint() - start);
const result: RunResult = { ops, ns, floorNsPerCall: floor, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
// To the runner; started by hand (to profile a workload, say), to stdout.
if (process.send) process.send(result);
else process.stdout.write(`${JSON.stringify(result)}\n`);
