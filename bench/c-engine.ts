// The c engine: the same module on Wasmtime through the C host of hosts/c, one process of
// build/c/hpet-bench per run (hosts/c/bench.c mirrors bench/workloads.ts). The program is
// built (hosts/c/build.ts: gcc against the wasmtime wheel's library) before the first run.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { CliError } from "../cli/errors.ts";
import { buildC, C_BUILD } from "../hosts/c/build.ts";
import type { RunResult } from "./child.ts";
import type { Engine } from "./runner.ts";

const BENCH = join(C_BUILD, "hpet-bench");

let built: Promise<string | null> | undefined;

export const cEngine: Engine = {
  name: "c",
  workloads: ["periodic-3", "clocksource", "oneshot", "timers-32"],
  unavailable() {
    built ??= buildC(["hpet-bench"]).then(() => null, (error: unknown) => `the C host did not build: ${(error as Error).message}`);
    return built;
  },
  run: (workload, scale) => new Promise((resolve, reject) => {
    execFile(BENCH, [workload, String(scale)], (error, stdout, stderr) => {
      if (error) reject(new CliError(`benchmark run of ${workload} on the C host failed: ${stderr.trim() || error.message}`, 1));
      else resolve(JSON.parse(stdout) as RunResult);
    });
  }),
};
