// The `hpet` command's contract: --help and --version; usage errors, bad files and a missing
// engine are one line `hpet: ...` on stderr, naming what was wrong and the valid choices, with
// the documented exit status (2: the command line or a file named on it; 1: the environment);
// the stack only with HPET_DEBUG=1; batch replay goes on past a bad trace.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const CLI = new URL("../cli/cli.ts", import.meta.url).pathname;
const TRACES = new URL("fixtures/traces/", import.meta.url).pathname;

interface Result { status: number; stdout: string; stderr: string }

function hpet(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", CLI, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ status: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), "hpet-cli-"));
}

/** The failure is exactly one line on stderr, `hpet: ...`, and nothing on stdout. */
function assertOneLine(result: Result, status: number, message: RegExp | string): void {
  assert.equal(result.status, status, result.stderr);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^hpet: [^\n]+\n$/, "one line");
  if (typeof message === "string") assert.equal(result.stderr, `hpet: ${message}\n`);
  else assert.match(result.stderr, message);
}

test("a malformed trace line names the file and line, exit status 2", async () => {
  const path = join(await scratch(), "broken.trace");
  await writeFile(path, "w 0x10 4 0x1\nt 100\nr 0xf0 5\n");
  const result = await hpet(["replay", path]);
  assert.equal(result.status, 2);
  // The output of the lines before the bad one has streamed out already.
  assert.equal(result.stdout, "P 0 1\n");
  assert.equal(result.stderr, `hpet: ${path}:3: size "5" is not 1, 2, 4 or 8\n`);
});

test("a missing trace file and a directory as a trace are one-line errors, status 2", async () => {
  assertOneLine(await hpet(["replay", "/nonexistent/x.trace"]), 2, "/nonexistent/x.trace: no such file or directory");
  const dir = await scratch();
  assertOneLine(await hpet(["replay", dir]), 2, `${dir}: is a directory, not a file`);
});

test("a --module that is not WebAssembly, or not hpet.wasm, is a one-line error, status 2", async () => {
  const dir = await scratch();
  const text = join(dir, "notes.txt");
  await writeFile(text, "hello\n");
  assertOneLine(await hpet(["info", "--module", text]), 2, new RegExp(`^hpet: ${text} is not a WebAssembly module \\(`));
  // The smallest valid module: magic and version, no exports.
  const empty = join(dir, "empty.wasm");
  await writeFile(empty, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  assertOneLine(await hpet(["info", "--module", empty]), 2, new RegExp(`^hpet: ${empty}: not a usable hpet.wasm: module lacks the export abi_version`));
  assertOneLine(await hpet(["info", "--module", join(dir, "none.wasm")]), 2, `${join(dir, "none.wasm")}: no such file or directory`);
});

const usageErrors: [string[], RegExp | string][] = [
  [["frobnicate"], `unknown command "frobnicate" (commands: replay, bench, acpi, info; options: --help, --version)`],
  [["--frobnicate"], /^hpet: unknown option --frobnicate \(commands: replay, bench, acpi, info;/],
  [["replay"], "replay needs a trace file (hpet replay --help)"],
  [["replay", "a.trace", "b.trace"], "replay of several traces needs --out DIR (one trace prints to stdout)"],
  [["replay", "--frob", "a.trace"], "replay: unknown option --frob (options: --help, --out)"],
  [["replay", "a.trace", "--out"], "replay: --out needs a value"],
  [["replay", "--out", "--help", "a.trace"], "replay: --out needs a value"],
  [["bench", "--quick=yes"], "bench: --quick takes no value"],
  [["bench", "extra"], /^hpet: bench: unexpected argument "extra" \(options: --help, --workload, --engine, --quick, --runs, --json\)\n$/],
  [["bench", "--engine", "jvm"], /^hpet: unknown engine "jvm" \(engines: node, wasmtime\b/],
  [["bench", "--workload", "nope"], /^hpet: unknown workload "nope" \(node: periodic-3, clocksource, oneshot, timers-32\b[^;]*; wasmtime: periodic-3, timers-32\b/],
  [["bench", "--engine", "wasmtime", "--workload", "oneshot"], `the wasmtime engine has no workload "oneshot" (its workloads: periodic-3, timers-32)`],
  [["bench", "--runs", "0"], "--runs 0 is not in 1..1000"],
  [["bench", "--runs", "many"], `--runs "many" is not a number (decimal, or hex with 0x)`],
  [["acpi"], "acpi needs --out FILE (hpet acpi --help)"],
  [["acpi", "--out", "x.aml", "--timers", "40"], "--timers 40 is not in 3..32"],
  [["acpi", "--out", "x.aml", "--timers", "2"], "--timers 2 is not in 3..32"],
  [["acpi", "--out", "x.aml", "--base", "fed00000"], `--base "fed00000" is not a number (decimal, or hex with 0x)`],
  [["acpi", "--out", "x.aml", "--min-tick", "70000"], "--min-tick 70000 is not in 0..65535"],
  [["acpi", "--out", "x.aml", "--page-protection", "8k"], `--page-protection "8k" is not one of none, 4k, 64k`],
  [["info", "--module"], "info: --module needs a value"],
];

for (const [args, message] of usageErrors) {
  test(`usage error, status 2: hpet ${args.join(" ")}`, async () => {
    assertOneLine(await hpet(args), 2, message);
  });
}

test("an out-of-range timer count reads alike in a trace and on the command line", async () => {
  const dir = await scratch();
  for (const timers of [2, 40]) {
    const path = join(dir, `timers${timers}.trace`);
    await writeFile(path, `config timers=${timers}\nt 0\n`);
    assertOneLine(await hpet(["replay", path]), 2, `${path}:1: timers ${timers} is not in 3..32`);
    assertOneLine(await hpet(["acpi", "--out", join(dir, "x.aml"), "--timers", String(timers)]), 2, `--timers ${timers} is not in 3..32`);
  }
});

test("--engine wasmtime without a usable Python is one line, status 1", async () => {
  const result = await hpet(["bench", "--engine", "wasmtime", "--quick"], { HPET_PYTHON: "/nonexistent/python3" });
  assertOneLine(result, 1, /^hpet: the wasmtime engine cannot run: no Python with the wasmtime package: .*\/nonexistent\/python3.*ENOENT/);
});

test("HPET_DEBUG=1 adds the stack to the one-line message", async () => {
  const plain = await hpet(["replay", "/nonexistent/x.trace"]);
  assert.doesNotMatch(plain.stderr, /^\s+at /m);
  const debug = await hpet(["replay", "/nonexistent/x.trace"], { HPET_DEBUG: "1" });
  assert.equal(debug.status, 2);
  const [first, ...rest] = debug.stderr.trimEnd().split("\n");
  assert.equal(first, "hpet: /nonexistent/x.trace: no such file or directory");
  assert.ok(rest.some((line) => /^\s+at .*replay-command\.ts/.test(line)), debug.stderr);
});

test("--help lists every command; no command prints it on stderr with status 2", async () => {
  const help = await hpet(["--help"]);
  assert.equal(help.status, 0);
  for (const command of ["replay TRACE", "replay --out DIR", "bench", "acpi --out FILE", "info", "--version"]) {
    assert.match(help.stdout, new RegExp(`^hpet ${command.replace(/[-]/g, "\\-")} `, "m"));
  }
  assert.match(help.stdout, /exit status: 0 success; 2 .*; 1 the environment/s);
  const none = await hpet([]);
  assert.equal(none.status, 2);
  assert.equal(none.stdout, "");
  assert.equal(none.stderr, help.stdout);
});

for (const [command, option] of [["replay", "--out DIR"], ["bench", "--workload NAME"], ["acpi", "--timers N"], ["info", "--module FILE"]] as const) {
  test(`hpet ${command} --help prints its usage on stdout, status 0`, async () => {
    for (const flag of ["--help", "-h"]) {
      const result = await hpet([command, flag]);
      assert.equal(result.status, 0);
      assert.equal(result.stderr, "");
      assert.match(result.stdout, new RegExp(`^usage: hpet ${command}`));
      assert.ok(result.stdout.includes(option), result.stdout);
    }
  });
}

test("hpet --version prints the package version", async () => {
  const { version } = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  const result = await hpet(["--version"]);
  assert.equal(result.status, 0);
  assert.equal(result.stdout, `${version}\n`);
});

test("batch replay reports each bad trace, writes every good one and ends with a summary, status 2", async () => {
  const dir = await scratch();
  const out = join(dir, "out");
  const bad = join(dir, "bad.trace");
  await writeFile(bad, "t 10\nt 5\n");
  const missing = join(dir, "missing.trace");
  const good = ["sanity_counter_1000ns", "level_ioapic_ack"].map((name) => join(TRACES, `${name}.trace`));
  const result = await hpet(["replay", "--out", out, good[0]!, bad, missing, good[1]!]);
  assert.equal(result.status, 2);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, [
    `hpet: ${bad}:2: time 5 is before the previous time 10`,
    `hpet: ${missing}: no such file or directory`,
    `hpet: wrote 2 of 4 outputs to ${out}, skipped 2`,
    "",
  ].join("\n"));
  // Only the good traces' outputs, complete, and no partial files.
  assert.deepEqual((await readdir(out)).sort(), ["level_ioapic_ack.out", "sanity_counter_1000ns.out"]);
  for (const name of ["sanity_counter_1000ns", "level_ioapic_ack"]) {
    assert.equal(await readFile(join(out, `${name}.out`), "utf8"), await readFile(join(TRACES, `${name}.out`), "utf8"), name);
  }
});

test("batch replay of good traces exits 0 with its summary", async () => {
  const out = join(await scratch(), "out");
  const result = await hpet(["replay", "--out", out, join(TRACES, "sanity_fsb_msi.trace")]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, `hpet: wrote 1 of 1 outputs to ${out}, skipped 0\n`);
  assert.equal(await readFile(join(out, "sanity_fsb_msi.out"), "utf8"), await readFile(join(TRACES, "sanity_fsb_msi.out"), "utf8"));
});

test("an --out that is a file is a one-line error, status 2", async () => {
  const file = join(await scratch(), "taken");
  await writeFile(file, "");
  assertOneLine(await hpet(["replay", "--out", file, join(TRACES, "sanity_fsb_msi.trace")]), 2, `${file}: exists and is not a directory`);
});

test("two traces of one name would write one output: a usage error before anything runs", async () => {
  const dir = await scratch();
  const result = await hpet(["replay", "--out", join(dir, "out"), join(TRACES, "sanity_fsb_msi.trace"), "other/sanity_fsb_msi.trace"]);
  assertOneLine(result, 2, `${join(TRACES, "sanity_fsb_msi.trace")} and other/sanity_fsb_msi.trace would both write ${join(dir, "out", "sanity_fsb_msi.out")}`);
  await assert.rejects(readdir(join(dir, "out")), { code: "ENOENT" });
});

test("the built command is executable, as npx hpet runs it directly", async () => {
  const { access, constants } = await import("node:fs/promises");
  await access(new URL("../dist/cli/cli.js", import.meta.url), constants.X_OK);
});
