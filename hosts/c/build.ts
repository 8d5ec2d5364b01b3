// `npm run build:c`: builds the C host's programs into build/c/ with the system gcc, against
// the Wasmtime C API library of the `wasmtime` Python wheel in .venv (made on first use), with
// an rpath to it so that they run without LD_LIBRARY_PATH.
//
//   build/c/hpet-replay   hosts/c/replay.c: `hpet replay` on the C host
//   build/c/hpet-bench    hosts/c/bench.c: the workloads of `hpet bench --engine c`
//   build/c/hpet-misuse   hosts/c/misuse_test.c: the host's refusals and counter reads, tested
//   build/c/hpet-delivery hosts/c/delivery_test.c: the host's batched event delivery, tested
//   build/c/decls-check   hosts/c/decls_check.c: wasmtime_decls.h against the library
// (The two tests share their checks and summary line: hosts/c/test_checks.h.)

import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { wasmtimePython } from "../../bench/wasmtime-engine.ts";

// The package root, also when this runs compiled from dist/.
const ROOT = fileURLToPath(new URL(".", import.meta.resolve("hpet-wasm/package.json")));
const SOURCE = join(ROOT, "hosts", "c");
export const C_BUILD = join(ROOT, "build", "c");

export const CFLAGS = ["-std=c11", "-O2", "-flto", "-Wall", "-Wextra", "-Werror", "-D_POSIX_C_SOURCE=200809L", "-pthread"];

const PROGRAMS: Record<string, readonly string[]> = {
  "hpet-replay": ["replay.c", "trace.c", "hpet_host.c"],
  "hpet-bench": ["bench.c", "hpet_host.c"],
  "hpet-misuse": ["misuse_test.c", "hpet_host.c"],
  "hpet-delivery": ["delivery_test.c", "hpet_host.c"],
  "decls-check": ["decls_check.c"],
};

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")}:\n${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** The path of _libwasmtime.so in the wheel (it has no SONAME and no headers). */
export async function wasmtimeLibrary(): Promise<string> {
  const python = await wasmtimePython();
  return (await run(python, ["-c", "from wasmtime import _ffi; print(_ffi.filename)"])).trim();
}

/** Builds the programs (default: all of them); returns the library they link. */
export async function buildC(programs: readonly string[] = Object.keys(PROGRAMS)): Promise<string> {
  await run("gcc", ["--version"]).catch(() => {
    throw new Error("gcc is needed to build the C host (Debian: apt-get install gcc)");
  });
  const library = await wasmtimeLibrary();
  const libraryDir = dirname(library);
  await mkdir(C_BUILD, { recursive: true });
  const selected = Object.entries(PROGRAMS).filter(([program]) => programs.includes(program));
  await Promise.all(selected.map(([program, sources]) => run("gcc", [
    ...CFLAGS, "-o", join(C_BUILD, program), ...sources.map((s) => join(SOURCE, s)),
    `-L${libraryDir}`, "-l:_libwasmtime.so", `-Wl,-rpath,${libraryDir}`, "-lm",
  ])));
  return library;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildC().then(
    (library) => process.stdout.write(`built ${Object.keys(PROGRAMS).map((p) => `build/c/${p}`).join(", ")} against ${library}\n`),
    (error: unknown) => {
      process.stderr.write(`build:c: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
