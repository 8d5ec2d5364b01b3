// The wasmtime engine: the same module hosted by Wasmtime through the Python host in
// hosts/python, one Python process per run (bench/wasmtime_bench.py).

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { RunResult } from "./child.ts";
import type { Engine } from "./runner.ts";

const root = new URL(import.meta.resolve("hpet-wasm/package.json"));
const script = fileURLToPath(new URL("bench/wasmtime_bench.py", root));
const venv = fileURLToPath(new URL(".venv", root));
const venvPython = `${venv}/bin/python`;

/** The wasmtime-py release the Python host is written for. */
export const WASMTIME_REQUIREMENT = "wasmtime==49.*";

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * A Python that can import wasmtime: $HPET_PYTHON if set, else the package's own .venv, which
 * is created (python3 -m venv, then pip install of the wasmtime package) when it lacks it.
 */
export async function wasmtimePython(): Promise<string> {
  const configured = process.env["HPET_PYTHON"];
  if (configured !== undefined) return configured;
  if (existsSync(venvPython)) {
    try {
      await run(venvPython, ["-c", "import wasmtime"]);
      return venvPython;
    } catch {
      // Not installed yet: install it below.
    }
  }
  process.stderr.write(`hpet bench: creating the Python environment for the Wasmtime engine in ${venv} `
    + `(python3 -m venv, then pip install ${WASMTIME_REQUIREMENT}); this happens once\n`);
  await run("python3", ["-m", "venv", venv]);
  await run(venvPython, ["-m", "pip", "install", "--quiet", "--retries", "0", WASMTIME_REQUIREMENT]);
  return venvPython;
}

export const wasmtimeEngine: Engine = {
  name: "wasmtime",
  workloads: ["periodic-3", "timers-32"],
  async unavailable() {
    try {
      await run(await wasmtimePython(), ["-c", "import wasmtime"]);
      return null;
    } catch (error) {
      return `no Python with the wasmtime package: ${(error as Error).message}`;
    }
  },
  async run(workload, scale) {
    const output = await run(await wasmtimePython(), [script, "--workload", workload, "--scale", String(scale)]);
    return JSON.parse(output) as RunResult;
  },
};
