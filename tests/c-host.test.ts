// The C host on Wasmtime's C API (hosts/c/), built here with gcc against the wasmtime wheel's
// library (.venv, made on first use): its replay must match every example trace and a few
// hundred generated ones byte for byte, with `hpet replay`'s contract; its own test programs
// check refusals and counter reads (hosts/c/misuse_test.c) and its batched event delivery
// (hosts/c/delivery_test.c); its Wasmtime declarations are proven against the library.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildC, C_BUILD } from "../hosts/c/build.ts";
import { compileModule } from "../hosts/ts/module.ts";
import { replay } from "../hosts/ts/replay.ts";
import { parseTrace, TraceError } from "../hosts/ts/trace.ts";
import { ExpiryBudgetError, modelReplay } from "./oracle/model.ts";
import { adversarialTrace, FOCI } from "./support/adversarial-generator.ts";
import { generateTrace, TIMER_CLASSES } from "./support/trace-generator.ts";
import { firstDifference } from "./support/first-difference.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WASM = join(ROOT, "build", "hpet.wasm");
const REPLAY = join(C_BUILD, "hpet-replay");
const FIXTURES = join(ROOT, "tests", "fixtures", "traces");
const GENERATED = 250;
const ADVERSARIAL_SEEDS = 6;
/** Adversarial traces whose fast periodic timers expire more often than this are left out (as in
 * tests/oracle.test.ts): they take minutes on any host. */
const MAX_EXPIRIES = 50_000;

function quickEnough(text: string): boolean {
  try {
    modelReplay(parseTrace(text, "candidate"), MAX_EXPIRIES);
    return true;
  } catch (error) {
    if (error instanceof ExpiryBudgetError) return false;
    throw error;
  }
}

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

// Runs a program without LD_LIBRARY_PATH: the rpath must find the library. A run that takes
// more than two minutes is killed (and fails the test).
function run(command: string, args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env["LD_LIBRARY_PATH"];
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, maxBuffer: 64 << 20, env, timeout: 120_000, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ status, stdout, stderr: error !== null && status === -1 ? `${stderr}${error.message}` : stderr });
    });
  });
}

let work = "";
let library = "";
let module: Awaited<ReturnType<typeof compileModule>>;
const traces = new Map<string, string>(); // name -> text

before(async () => {
  library = await buildC();
  module = await compileModule(WASM);
  work = await mkdtemp(join(tmpdir(), "hpet-c-host-"));
  await mkdir(join(work, "traces"));
  for (let seed = 1; seed <= GENERATED; seed++) {
    const timers = TIMER_CLASSES[seed % TIMER_CLASSES.length]!;
    traces.set(`generated-${seed}`, generateTrace(seed, { timers, snapshotRate: seed % 2 === 0 ? 0.03 : 0 }));
  }
  for (const focus of FOCI) {
    let kept = 0;
    for (let seed = 1; seed <= ADVERSARIAL_SEEDS; seed++) {
      const text = adversarialTrace(seed, focus, seed % 2 === 0 ? 0.03 : 0);
      if (!quickEnough(text)) continue;
      traces.set(`adversarial-${focus}-${seed}`, text);
      kept++;
    }
    assert.ok(kept >= ADVERSARIAL_SEEDS / 2, `only ${kept} ${focus} traces kept`);
  }
  for (const [name, text] of traces) await writeFile(join(work, "traces", `${name}.trace`), text);
});

after(async () => {
  if (work !== "") await rm(work, { recursive: true, force: true });
});

test("the C replay prints each example trace's expected output byte for byte", async () => {
  const files = (await readdir(FIXTURES)).filter((f) => f.endsWith(".trace")).sort();
  assert.ok(files.length >= 12, `${files.length} example traces`);
  for (const file of files) {
    const { status, stdout, stderr } = await run(REPLAY, ["--wasm", WASM, join(FIXTURES, file)]);
    assert.equal(status, 0, stderr);
    const expected = await readFile(join(FIXTURES, file.replace(/\.trace$/, ".out")), "utf8");
    assert.equal(stdout, expected, firstDifference(file, expected, stdout, "C"));
  }
});

test("the C replay and the TypeScript replay agree byte for byte on generated traces of every class, with snapshots", async () => {
  const texts = [...traces.values()];
  assert.ok(texts.length >= 200);
  for (const timers of TIMER_CLASSES) {
    assert.ok(texts.some((t) => t.includes(`\nconfig timers=${timers} `)), `no trace with ${timers} timers`);
  }
  assert.ok(texts.filter((t) => /\ns\n/.test(t)).length >= 100, "too few traces with snapshot operations");
  const out = join(work, "out");
  const result = await run(REPLAY, ["--wasm", WASM, "--out", out, ...[...traces.keys()].map((n) => join(work, "traces", `${n}.trace`))]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, `hpet-replay: wrote ${traces.size} of ${traces.size} outputs to ${out}, skipped 0\n`);
  const differences: string[] = [];
  for (const [name, text] of traces) {
    const node = replay(parseTrace(text, `${name}.trace`), module);
    const c = await readFile(join(out, `${name}.out`), "utf8");
    if (node !== c) differences.push(firstDifference(name, node, c, "C"));
  }
  assert.deepEqual(differences, [], `${differences.length} of ${traces.size} traces differ`);
});

// Each case: a trace text; the C replay must print what the TypeScript replay prints, or fail
// with the TypeScript parser's message, exit status 2.
const PARSER_CASES: readonly string[] = [
  "w 0x10 4 0x1\nt 100\nr 0xf0 5\n", "t abc\n", "t 01\n", "t 99999999999999999999\n", "t 9223372036854775808\n",
  "t 9223372036854775807\n", "t 100\n\n# later\nt 99\n", "w 0x10 4\n", "w 0x10 4 0x1 9\n", "w 0x10 3 0x1\n",
  "w 0xzz 4 0x1\n", "w 0x10 4 12\n", "w 0x100000000 4 0x1\n", "w 0x10 8 0x10000000000000000\n",
  "w 0x10 4 0x00000000000000000000001\nt 20\nr 0X00f0 4\n", "w 0x10 4 0xffffffff01\nr 0x10 4\n", "i 2 0\n", "i 0 x\n",
  "q\n", "x 1\n", "s s\n", "config timers=2\n", "config timers=33\n", "config msi=2\n", "config intcap=0x1ffffffff\n",
  "config foo=1\n", "config timers\n", "config a=b=c\n", "config timers=3 timers=4\n", "t 1\nconfig timers=3\n",
  "config timers=03\n", "config timers=8 msi=1 intcap=0xffffffff\nw 0x10 4 0x3\nt 1000\nr 0x100 8\n",
  "config timers=3 msi=0 intcap=0x4 extra=1 more=2 x=1 y=2 z=3\n", "config\nr 0x0 4\n",
  "t\u00a0100\r\nr 0xf0\u3000 4\r\n", `# ${"x".repeat(4094)}\n`, `# ${"x".repeat(4095)}\n`, `#${"\u00e9".repeat(4096)}\n`,
  `#${"\u{1f600}".repeat(2048)}\n`, `# ${"\u{1f600}".repeat(2047)}\n`, "\ufeffw 0x10 4 0x1\nt 5000\nr 0xf0 8\n", "  # comment\n\t\n#x y z\nr 0x400 4\nr 0x3fc 2\n",
  "w 0x10 4 0x1\nt 1000\nx\ni 0 1\ni 1 1\nr 0x20 4\ns\nr 0xf0 4", "",
];

test("the C replay parses traces exactly as the TypeScript parser does: the same outputs, the same messages", async () => {
  for (const [index, text] of PARSER_CASES.entries()) {
    const path = join(work, `case-${index}.trace`);
    await writeFile(path, text);
    let expected: Run;
    try {
      expected = { status: 0, stdout: replay(parseTrace(text, path), module), stderr: "" };
    } catch (error) {
      if (!(error instanceof TraceError)) throw error;
      expected = { status: 2, stdout: "", stderr: `hpet-replay: ${error.message}\n` };
    }
    const got = await run(REPLAY, ["--wasm", WASM, path]);
    // A bad line stops the replay there: what came before it has been printed.
    if (expected.status !== 0) got.stdout = "";
    assert.deepEqual(got, expected, `case ${index}: ${JSON.stringify(text)}`);
  }
});

test("one trace streams to stdout: output up to a bad line, then the error, exit status 2", async () => {
  const path = join(work, "broken.trace");
  await writeFile(path, "w 0x10 4 0x1\nt 100\nr 0xf0 4\nr 0xf0 5\n");
  assert.deepEqual(await run(REPLAY, ["--wasm", WASM, path]),
    { status: 2, stdout: "P 0 1\nR 100 0xf0 4 0xa\n", stderr: `hpet-replay: ${path}:4: size "5" is not 1, 2, 4 or 8\n` });
  const missing = join(work, "missing.trace");
  assert.deepEqual(await run(REPLAY, ["--wasm", WASM, missing]),
    { status: 2, stdout: "", stderr: `hpet-replay: ${missing}: no such file or directory\n` });
  assert.deepEqual(await run(REPLAY, ["--wasm", WASM, work]),
    { status: 2, stdout: "", stderr: `hpet-replay: ${work}: is a directory, not a file\n` });
});

test("--out reports and skips a bad trace, writes the good ones, and ends with a summary, exit status 2", async () => {
  const dir = join(work, "mixed", "deeper");
  const good = join(work, "traces", "generated-1.trace");
  const bad = join(work, "bad.trace");
  await writeFile(bad, "t 100\nt 99\n");
  const result = await run(REPLAY, ["--wasm", WASM, "--out", dir, bad, good, join(work, "nothing.trace")]);
  assert.equal(result.status, 2);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, `hpet-replay: ${bad}:2: time 99 is before the previous time 100\n`
    + `hpet-replay: ${join(work, "nothing.trace")}: no such file or directory\n`
    + `hpet-replay: wrote 1 of 3 outputs to ${dir}, skipped 2\n`);
  assert.deepEqual((await readdir(dir)).sort(), ["generated-1.out"], "no output, not even a partial one, for a failed trace");
  assert.equal(await readFile(join(dir, "generated-1.out"), "utf8"),
    replay(parseTrace(traces.get("generated-1")!, "generated-1.trace"), module));
});

test("usage errors: no trace, several traces without --out, two traces with one output name; exit status 2", async () => {
  const one = join(work, "traces", "generated-1.trace");
  const two = join(work, "traces", "generated-2.trace");
  const usage = (problem: string): Run => ({ status: 2, stdout: "", stderr: `hpet-replay: ${problem} (hpet-replay --help)\n` });
  assert.deepEqual(await run(REPLAY, []), usage("replay needs a trace file"));
  assert.deepEqual(await run(REPLAY, [one, two]), usage("replay of several traces needs --out DIR (one trace prints to stdout)"));
  const copy = join(work, "generated-1.trace");
  await writeFile(copy, traces.get("generated-1")!);
  const dir = join(work, "twice");
  assert.deepEqual(await run(REPLAY, ["--out", dir, one, copy]), usage(`${one} and ${copy} would both write ${join(dir, "generated-1.out")}`));
  assert.deepEqual(await run(REPLAY, ["--bogus", one]), usage("unknown option --bogus"));
  const help = await run(REPLAY, ["--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: hpet-replay \[--wasm PATH\] TRACE\n/);
});

test("a module that cannot be loaded is exit status 1", async () => {
  const junk = join(work, "junk.wasm");
  await writeFile(junk, "not wasm");
  const result = await run(REPLAY, ["--wasm", junk, join(work, "traces", "generated-1.trace")]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^hpet-replay: cannot load the device module: .*junk\.wasm: not a WebAssembly module: /);
});

test("the C host refuses misuse with the documented codes and changes nothing; its counter reads equal the module's", async () => {
  const result = await run(join(C_BUILD, "hpet-misuse"), [WASM]);
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  const passed = Number(/^hpet-misuse: (\d+) checks passed$/m.exec(result.stdout)?.[1]);
  assert.ok(passed >= 100_000, `${passed} checks`);
});

test("the C host delivers every event once and in order across its batched consumption; snapshots leave delivered ones out", async () => {
  const result = await run(join(C_BUILD, "hpet-delivery"), [WASM]);
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  assert.match(result.stdout, /^hpet-delivery: \d+ checks passed\n$/);
});

test("hosts/c/wasmtime_decls.h matches the library: layouts proven by calls, every declared function exported", async () => {
  const result = await run(join(C_BUILD, "decls-check"), []);
  assert.equal(result.status, 0, result.stdout);
  assert.match(result.stdout, /^decls-check: \d+ checks passed\n$/);
  const header = await readFile(join(ROOT, "hosts", "c", "wasmtime_decls.h"), "utf8");
  const declared = [...header.matchAll(/^[A-Za-z_][A-Za-z_0-9 ]*[ *](wasm(?:time)?_[a-z_0-9]+)\(/gm)].map((m) => m[1]!);
  assert.ok(declared.length >= 20, `${declared.length} declared functions`);
  const checker = await readFile(join(ROOT, "hosts", "c", "decls_check.c"), "utf8");
  assert.deepEqual(declared.filter((name) => !checker.includes(`${name}(`)), [], "declared but not called by decls_check.c");
  const { stdout } = await run("nm", ["-D", "--defined-only", library]);
  const exported = new Set(stdout.split("\n").filter((l) => / T /.test(l)).map((l) => l.split(" ").at(-1)));
  assert.deepEqual(declared.filter((name) => !exported.has(name)), [], "declared but not in the library");
});

test("the programs are built with the rpath of the wheel's library and nothing else to find it", async () => {
  for (const program of ["hpet-replay", "hpet-bench", "hpet-misuse", "hpet-delivery", "decls-check"]) {
    const path = join(C_BUILD, program);
    assert.ok((await stat(path)).mode & 0o100, `${program} is executable`);
    const { stdout } = await run("readelf", ["-d", path]);
    assert.match(stdout, /\(NEEDED\)\s+Shared library: \[_libwasmtime\.so\]/);
    assert.ok(stdout.includes(`Library runpath: [${join(library, "..")}]`), `${program} has the runpath`);
  }
  assert.equal(basename(library), "_libwasmtime.so");
});
