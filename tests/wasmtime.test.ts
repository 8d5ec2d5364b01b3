// The same hpet.wasm in a native host: the Python host on Wasmtime (hosts/python/) must
// replay every example trace and a few hundred generated ones byte for byte as the Node host
// does. The Python environment is made on first use: a venv in .venv with the `wasmtime` package.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { compileModule } from "../hosts/ts/module.ts";
import { replay } from "../hosts/ts/replay.ts";
import { parseTrace } from "../hosts/ts/trace.ts";
import { wasmtimePython } from "../bench/wasmtime-engine.ts";
import { generateTrace, TIMER_CLASSES } from "./support/trace-generator.ts";
import { firstDifference } from "./support/first-difference.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WASM = join(ROOT, "build", "hpet.wasm");
const HOST = join(ROOT, "hosts", "python");
const REPLAY = join(HOST, "replay.py");
let PYTHON = "";
const SHARED_TRACES = join(ROOT, "tests", "fixtures", "traces");
const GENERATED = 250;

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, maxBuffer: 64 << 20, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...env } },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ status, stdout, stderr: error !== null && status === -1 ? `${stderr}${error.message}` : stderr });
      });
  });
}

async function mustRun(command: string, args: string[]): Promise<Run> {
  const result = await run(command, args);
  assert.equal(result.status, 0, `${command} ${args.join(" ")} failed:\n${result.stderr}`);
  return result;
}


// The register an offset falls in, named as the generator's coverage check needs.
function registerAt(offset: number): string {
  const word = offset & ~7;
  if (word >= 0x100) return ["timer config", "comparator", "FSB route", "timer reserved"][(word & 0x1f) >> 3]!;
  return ({ 0x10: "general config", 0x20: "ISR", 0xf0: "main counter" } as Record<number, string>)[word] ?? "other";
}

let work = "";
let traceDir = "";
let outDir = "";
const traces = new Map<string, string>(); // name -> trace text
let module: WebAssembly.Module;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "hpet-wasmtime-"));
  traceDir = join(work, "traces");
  outDir = join(work, "out");
  await mkdir(traceDir);
  for (const file of (await readdir(SHARED_TRACES)).filter((f) => f.endsWith(".trace")).sort()) {
    traces.set(basename(file, ".trace"), await readFile(join(SHARED_TRACES, file), "utf8"));
  }
  for (let seed = 1; seed <= GENERATED; seed++) {
    const timers = TIMER_CLASSES[seed % TIMER_CLASSES.length]!;
    traces.set(`generated-${seed}`, generateTrace(seed, { timers, snapshotRate: seed % 3 === 0 ? 0.03 : 0 }));
  }
  for (const [name, text] of traces) await writeFile(join(traceDir, `${name}.trace`), text);
  module = await compileModule(WASM);
  PYTHON = await wasmtimePython(); // the repository's .venv, made and filled on first use
});

after(async () => {
  if (work !== "") await rm(work, { recursive: true, force: true });
});

test("the generated traces cover every timer class with msi on and off, and every kind of access", () => {
  const generated = [...traces].filter(([name]) => name.startsWith("generated-")).map(([, text]) => text);
  assert.equal(generated.length, GENERATED);
  for (const timers of TIMER_CLASSES) {
    for (const msi of [0, 1]) {
      assert.ok(generated.some((text) => text.includes(`\nconfig timers=${timers} msi=${msi} `)),
        `no generated trace with timers=${timers} msi=${msi}`);
    }
  }
  const lines = generated.flatMap((text) => text.split("\n"));
  const written = new Set<string>();
  for (const line of lines) {
    const [verb, offset, size] = line.split(" ");
    const at = Number(offset);
    if (verb !== "w" || (size !== "4" && size !== "8") || at % Number(size) !== 0) continue;
    written.add(`${registerAt(at)} ${size === "4" && at % 8 === 4 ? "high half" : size === "4" ? "low half" : "8 bytes"}`);
  }
  for (const register of ["general config", "ISR", "main counter", "timer config", "comparator", "FSB route"]) {
    for (const part of ["low half", "high half", "8 bytes"]) {
      assert.ok(written.has(`${register} ${part}`), `no write of the ${register}'s ${part}`);
    }
  }
  for (const [form, pattern] of Object.entries({
    "4-byte read": /^r 0x[0-9a-f]+ 4$/, "8-byte read": /^r 0x[0-9a-f]+ 8$/, reset: /^x$/,
    "legacy input": /^i [01] [01]$/, snapshot: /^s$/,
  })) {
    assert.ok(lines.some((line) => pattern.test(line)), `no ${form}`);
  }
});

test("Wasmtime and Node replay every example trace and every generated trace byte for byte", async () => {
  const files = [...traces.keys()].map((name) => join(traceDir, `${name}.trace`));
  await mustRun(PYTHON, [REPLAY, "--wasm", WASM, "--out", outDir, ...files]);
  const differences: string[] = [];
  for (const [name, text] of traces) {
    const node = replay(parseTrace(text, `${name}.trace`), module);
    const wasmtime = await readFile(join(outDir, `${name}.out`), "utf8");
    if (node !== wasmtime) differences.push(firstDifference(name, node, wasmtime, "Wasmtime"));
  }
  assert.deepEqual(differences, [], `${differences.length} of ${traces.size} traces differ`);
  assert.ok(traces.size >= GENERATED + 12, `compared ${traces.size} traces`);
});

test("replay.py TRACE prints one trace's output on stdout", async () => {
  const name = "linux-q35-default";
  const { stdout } = await mustRun(PYTHON, [REPLAY, "--wasm", WASM, join(SHARED_TRACES, `${name}.trace`)]);
  assert.equal(stdout, replay(parseTrace(traces.get(name)!, name), module));
  assert.match(stdout, /^P 0 1\n/);
});

test("a malformed trace line names the file and line, exit status 2", async () => {
  const path = join(work, "broken.trace");
  await writeFile(path, "w 0x10 4 0x1\nt 100\nr 0xf0 5\n");
  const result = await run(PYTHON, [REPLAY, "--wasm", WASM, path]);
  assert.deepEqual(result, { status: 2, stdout: "", stderr: `replay.py: ${path}:3: size "5" is not 1, 2, 4 or 8\n` });
  const decreasing = join(work, "decreasing.trace");
  await writeFile(decreasing, "t 100\n\n# later\nt 99\n");
  const second = await run(PYTHON, [REPLAY, "--wasm", WASM, decreasing]);
  assert.equal(second.status, 2);
  assert.equal(second.stderr, `replay.py: ${decreasing}:4: time 99 is before the previous time 100\n`);
});

test("several traces without --out is a usage error, exit status 2", async () => {
  const result = await run(PYTHON, [REPLAY, "--wasm", WASM, join(traceDir, "generated-1.trace"), join(traceDir, "generated-2.trace")]);
  assert.equal(result.status, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /replay of several traces needs --out DIR/);
});

test("the Python host's own tests pass (guest errors, refused calls, callbacks, snapshots)", async () => {
  const result = await run(PYTHON, ["-m", "unittest", "discover", "-s", HOST, "-p", "test_*.py"], { HPET_WASM: WASM });
  assert.equal(result.status, 0, result.stderr);
  const ran = Number(/^Ran (\d+) tests? /m.exec(result.stderr)?.[1]);
  assert.ok(ran >= 10, `ran ${ran} Python tests`);
  assert.match(result.stderr, /^OK$/m);
});
