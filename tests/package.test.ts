// The published package, as a user gets it: `npm pack`, installed offline into an empty
// project, then its `hpet` command, its library entry point and types (strict, in a Node
// project without the DOM library and in a browser project without Node's types), the README's
// toy emulator and links, its licence, and the note `hpet bench` gives when it creates the
// Wasmtime engine's Python environment. Needs the build (`npm test` builds first).

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const NODE_TYPES = join(ROOT, "node_modules", "@types");
const execFileAsync = promisify(execFile);

// Child npm processes must not inherit the settings of the `npm test` that runs this file, nor
// its PATH entries for node_modules/.bin (where a dependency's own old npm would shadow the
// machine's).
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|HPET_)/i.test(name)));
env["PATH"] = (process.env["PATH"] ?? "").split(delimiter).filter((dir) => !dir.endsWith(join("node_modules", ".bin"))).join(delimiter);

async function run(command: string, args: string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<string> {
  try {
    return (await execFileAsync(command, args, { cwd, env: { ...env, ...extraEnv }, maxBuffer: 16 << 20 })).stdout;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    assert.fail(`${command} ${args.join(" ")} failed in ${cwd}:\n${failed.stderr ?? ""}${failed.stdout ?? ""}${failed.message}`);
  }
}

async function runFailing(command: string, args: string[], cwd: string, extraEnv: Record<string, string>):
  Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { cwd, env: { ...env, ...extraEnv } });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { status: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test("the package needs nothing fetched at install (peers optional), and is MIT with its licence shipped", async () => {
  const manifest = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as Record<string, unknown>;
  for (const field of ["dependencies", "optionalDependencies", "bundleDependencies"]) {
    assert.equal(manifest[field], undefined, `package.json has ${field}`);
  }
  const peers = Object.keys((manifest["peerDependencies"] ?? {}) as Record<string, string>);
  const meta = (manifest["peerDependenciesMeta"] ?? {}) as Record<string, { optional?: boolean }>;
  for (const peer of peers) assert.equal(meta[peer]?.optional, true, `peer dependency ${peer} is not optional`);
  assert.deepEqual(manifest["bin"], { hpet: "dist/cli/cli.js" });
  assert.equal(manifest["license"], "MIT");
  const licence = await readFile(join(ROOT, "LICENSE"), "utf8");
  assert.match(licence, /^MIT License\n\nCopyright \(c\) \d{4} hpet-wasm contributors\n/);
});

test("the packed tarball works from a clean directory: hpet, import, types, the toy emulator, README links", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "hpet-package-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const [packed] = JSON.parse(await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], ROOT)) as
    { filename: string; files: { path: string }[] }[];
  const files = packed!.files.map((file) => file.path);
  for (const shipped of ["package.json", "README.md", "LICENSE", "build/hpet.wasm", "dist/hosts/ts/index.js",
    "dist/hosts/ts/index.d.ts", "dist/cli/cli.js", "docs/trace-format.md", "docs/behaviour.md", "bench/README.md",
    "bench/wasmtime_bench.py", "hosts/python/hpet_wasmtime.py", "examples/toy-emulator/toy-emulator.mjs"]) {
    assert.ok(files.includes(shipped), `the tarball lacks ${shipped}`);
  }
  // Sources and tests stay out; the one fixture shipped is the Linux boot that `hpet bench` replays.
  assert.deepEqual(files.filter((path) => /^(src|tests|assembly|node_modules)\//.test(path)).sort(),
    ["tests/fixtures/traces/linux-q35-default.out", "tests/fixtures/traces/linux-q35-default.trace"]);

  // Every relative link of the README leads to a file or folder the package ships.
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((link) => !/^[a-z]+:/.test(link));
  assert.ok(links.includes("docs/trace-format.md") && links.includes("LICENSE"), links.join(" "));
  for (const link of links) {
    const target = link.replace(/#.*$/, "");
    assert.ok(files.includes(target) || (target.endsWith("/") && files.some((path) => path.startsWith(target))),
      `README links to ${link}, which the package does not ship`);
  }

  const app = join(dir, "app");
  await mkdir(app);
  await writeFile(join(app, "package.json"), JSON.stringify({ name: "hpet-consumer", private: true, type: "module" }));
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", join(dir, packed!.filename)], app);
  const installed = join(app, "node_modules", "hpet-wasm");

  const info = await run("npx", ["hpet", "info"], app);
  assert.match(info, new RegExp(`^module +${join(installed, "build", "hpet.wasm")}$`, "m"));
  assert.match(info, /^imports +none$/m);
  assert.match(info, /^ABI version +\d+$/m);
  assert.match(info, /^capabilities +0x009896808086a201 /m);
  const { version } = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
  assert.equal(await run("npx", ["hpet", "--version"], app), `${version}\n`);

  // The bench's linux-boot workload finds its trace in the installed package.
  const linuxBoot = JSON.parse(await run("npx", ["hpet", "bench", "--engine", "node", "--workload", "linux-boot", "--quick", "--json"], app)) as
    { results: { workload: string; ops: number }[] };
  assert.equal(linuxBoot.results[0]?.workload, "linux-boot");
  assert.ok(linuxBoot.results[0]!.ops > 0);

  // Timer 0 one-shot at 1000 ticks, edge-triggered on line 2.
  await writeFile(join(app, "oneshot.trace"),
    "w 0x100 4 0x404\nw 0x108 8 0x3e8\nw 0x10 4 0x1\nt 20000\nr 0xf0 8\nr 0x20 4\n");
  assert.equal(await run("npx", ["hpet", "replay", "oneshot.trace"], app),
    "P 0 1\nI 10000 2 1\nI 10000 2 0\nR 20000 0xf0 8 0x7d0\nR 20000 0x20 4 0x0\n");

  // The library entry point, with the packaged module found by default.
  await writeFile(join(app, "use.ts"), [
    "import { buildAcpiHpetTable, compileModule, Hpet, HpetMmio, replay, parseTrace, type HpetOptions, type WasmModule } from \"hpet-wasm\";",
    "const options: HpetOptions = { timers: 4 };",
    "const hpet = await Hpet.create(options);",
    "const mmio = new HpetMmio(hpet);",
    "const id: number = mmio.read32(0xfed00000);",
    "const table: Uint8Array = buildAcpiHpetTable({ hpet });",
    "const module: WasmModule = await compileModule();",
    "const output: string = replay(parseTrace(\"r 0x0 4\\n\", \"inline\"), module);",
    "console.log(id.toString(16), table.length, output.split(\"\\n\")[1]);",
    "",
  ].join("\n"));
  const expected = "8086a301 56 R 0 0x0 4 0x8086a201\n";
  // A Node project: strict, ES2022 and Node's types, no DOM library; the package's declarations are checked too.
  await run(process.execPath, [TSC, "--strict", "--lib", "ES2022", "--types", "node", "--typeRoots", NODE_TYPES,
    "--module", "nodenext", "--target", "es2022", "--skipLibCheck", "false", "--outDir", "out-node", "use.ts"], app);
  assert.equal(await run(process.execPath, ["out-node/use.js"], app), expected);
  // A browser project: the DOM library and no Node types.
  await writeFile(join(app, "tsconfig.browser.json"), JSON.stringify({
    compilerOptions: {
      strict: true, module: "nodenext", target: "es2022", lib: ["es2022", "dom"], types: [], skipLibCheck: false, outDir: "out-browser",
    },
    files: ["use.ts"],
  }));
  await run(process.execPath, [TSC, "-p", "tsconfig.browser.json"], app);
  assert.equal(await run(process.execPath, ["out-browser/use.js"], app), expected);

  // The toy emulator as shipped, run from the installed package.
  const toy = await run(process.execPath, [join(installed, "examples", "toy-emulator", "toy-emulator.mjs"), "--ms", "4", "--record", "toy.trace"], app);
  assert.match(toy, /^ {7}0 ns {2}guest: HPET revision 1, 3 timers, 100000000 Hz$/m);
  assert.match(toy, /^ 3500000 ns {2}guest: alarm at counter 350000, status 0x2 acknowledged$/m);
  assert.equal(toy.match(/guest: tick at counter/g)?.length, 4);
  const replayed = await run("npx", ["hpet", "replay", "toy.trace"], app);
  assert.equal(replayed.match(/^I \d+ 2 1$/gm)?.join(","), "I 1000000 2 1,I 2000000 2 1,I 3000000 2 1,I 4000000 2 1");
  assert.match(replayed, /^I 3500000 5 1\n(R .*\n)+I 3500000 5 0$/m);

  // hpet bench --engine wasmtime in a fresh install creates the Python environment, and says so;
  // a python3 that cannot make one ends it with one line, status 1.
  const bin = join(dir, "fake-bin");
  await mkdir(bin);
  await writeFile(join(bin, "python3"), "#!/bin/sh\necho 'No module named venv' >&2\nexit 1\n");
  await chmod(join(bin, "python3"), 0o755);
  const bench = await runFailing("npx", ["hpet", "bench", "--engine", "wasmtime", "--quick"], app,
    { PATH: `${bin}${delimiter}${env["PATH"]}` });
  assert.equal(bench.status, 1, bench.stderr);
  assert.equal(bench.stdout, "");
  const lines = bench.stderr.trimEnd().split("\n");
  assert.match(lines[0]!, new RegExp(`^hpet bench: creating the Python environment for the Wasmtime engine in ${join(installed, ".venv")} `));
  assert.match(lines.at(-1)!, /^hpet: the wasmtime engine cannot run: no Python with the wasmtime package: python3 -m venv .*No module named venv$/);
  await assert.rejects(stat(join(installed, ".venv")), { code: "ENOENT" });
});
