// The published package, as a user gets it: `npm pack`, installed offline into an empty
// project, then its `hpet` command, its library entry point and types, and the README's toy
// emulator run from there. Needs the build (`npm test` builds first).

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const execFileAsync = promisify(execFile);

// Child npm processes must not inherit the settings of the `npm test` that runs this file, nor
// its PATH entries for node_modules/.bin (where a dependency's own old npm would shadow the
// machine's).
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
env["PATH"] = (process.env["PATH"] ?? "").split(delimiter).filter((dir) => !dir.endsWith(join("node_modules", ".bin"))).join(delimiter);

async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await execFileAsync(command, args, { cwd, env, maxBuffer: 16 << 20 })).stdout;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    assert.fail(`${command} ${args.join(" ")} failed in ${cwd}:\n${failed.stderr ?? ""}${failed.stdout ?? ""}${failed.message}`);
  }
}

test("the package declares no runtime dependencies, so it installs offline", async () => {
  const manifest = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as Record<string, unknown>;
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies", "bundleDependencies"]) {
    assert.equal(manifest[field], undefined, `package.json has ${field}`);
  }
  assert.deepEqual(manifest["bin"], { hpet: "dist/cli/cli.js" });
});

test("the packed tarball works from a clean directory: hpet info, hpet replay, import, types, the toy emulator", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "hpet-package-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const [packed] = JSON.parse(await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], ROOT)) as
    { filename: string; files: { path: string }[] }[];
  const files = packed!.files.map((file) => file.path);
  for (const shipped of ["package.json", "README.md", "build/hpet.wasm", "dist/hosts/ts/index.js", "dist/hosts/ts/index.d.ts",
    "dist/cli/cli.js", "bench/wasmtime_bench.py", "hosts/python/hpet_wasmtime.py"]) {
    assert.ok(files.includes(shipped), `the tarball lacks ${shipped}`);
  }
  assert.deepEqual(files.filter((path) => /^(src|tests|assembly|node_modules)\//.test(path)), [], "sources and tests stay out");

  const app = join(dir, "app");
  await mkdir(app);
  await writeFile(join(app, "package.json"), JSON.stringify({ name: "hpet-consumer", private: true, type: "module" }));
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", join(dir, packed!.filename)], app);

  const info = await run("npx", ["hpet", "info"], app);
  assert.match(info, new RegExp(`^module +${join(app, "node_modules", "hpet-wasm", "build", "hpet.wasm")}$`, "m"));
  assert.match(info, /^imports +none$/m);
  assert.match(info, /^ABI version +1$/m);
  assert.match(info, /^capabilities +0x009896808086a201 /m);

  // Timer 0 one-shot at 1000 ticks, edge-triggered on line 2.
  await writeFile(join(app, "oneshot.trace"),
    "w 0x100 4 0x404\nw 0x108 8 0x3e8\nw 0x10 4 0x1\nt 20000\nr 0xf0 8\nr 0x20 4\n");
  assert.equal(await run("npx", ["hpet", "replay", "oneshot.trace"], app),
    "P 0 1\nI 10000 2 1\nI 10000 2 0\nR 20000 0xf0 8 0x7d0\nR 20000 0x20 4 0x0\n");

  // The library entry point, with the packaged module found by default.
  await writeFile(join(app, "use.ts"), [
    "import { buildAcpiHpetTable, Hpet, HpetMmio, type HpetOptions } from \"hpet-wasm\";",
    "const options: HpetOptions = { timers: 4 };",
    "const hpet = await Hpet.create(options);",
    "const mmio = new HpetMmio(hpet);",
    "const id: number = mmio.read32(0xfed00000);",
    "const table: Uint8Array = buildAcpiHpetTable({ hpet });",
    "console.log(id.toString(16), table.length);",
    "",
  ].join("\n"));
  // Strict, checking the package's declarations too; no Node types, as in a browser project.
  await writeFile(join(app, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      strict: true, module: "nodenext", target: "es2022", lib: ["es2022", "dom"], types: [], skipLibCheck: false, outDir: "out",
    },
    files: ["use.ts"],
  }));
  await run(process.execPath, [TSC, "-p", "."], app);
  assert.equal(await run(process.execPath, ["out/use.js"], app), "8086a301 56\n");

  for (const file of ["toy-emulator.mjs", "guest.mjs"]) {
    await copyFile(join(ROOT, "examples", "toy-emulator", file), join(app, file));
  }
  const toy = await run(process.execPath, ["toy-emulator.mjs", "--ms", "4", "--record", "toy.trace"], app);
  assert.match(toy, /^ {7}0 ns {2}guest: HPET revision 1, 3 timers, 100000000 Hz$/m);
  assert.match(toy, /^ 3500000 ns {2}guest: alarm at counter 350000, status 0x2 acknowledged$/m);
  assert.equal(toy.match(/guest: tick at counter/g)?.length, 4);
  const replayed = await run("npx", ["hpet", "replay", "toy.trace"], app);
  assert.equal(replayed.match(/^I \d+ 2 1$/gm)?.join(","), "I 1000000 2 1,I 2000000 2 1,I 3000000 2 1,I 4000000 2 1");
  assert.match(replayed, /^I 3500000 5 1\n(R .*\n)+I 3500000 5 0$/m);
});
