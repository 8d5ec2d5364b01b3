// Finding and compiling hpet.wasm: Node finds the packaged module by itself; where the package
// cannot be resolved (a browser, a bundle) creating an instance without `module` says to pass
// one, and passing one works there.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { HpetError } from "../hosts/ts/errors.ts";
import { compileModule, defaultModuleUrl, shippedModuleUrl } from "../hosts/ts/module.ts";

const INDEX = new URL("../hosts/ts/index.ts", import.meta.url).href;
const WASM = new URL("../build/hpet.wasm", import.meta.url);

const noModule = (error: unknown): boolean => {
  assert.ok(error instanceof HpetError);
  assert.equal(error.code, "no-module");
  assert.match(error.message, /^cannot locate hpet-wasm\/hpet\.wasm here .*: pass the module option, as a URL, the module's bytes or a compiled WebAssembly\.Module$/);
  return true;
};

test("in Node the packaged module is found and compiles", async () => {
  assert.equal(defaultModuleUrl().href, WASM.href);
  assert.equal(shippedModuleUrl((specifier) => new URL(`../${specifier}`, WASM).href).href, new URL("../hpet-wasm/hpet.wasm", WASM).href);
  await compileModule();
});

test("without a resolver, or with one that cannot find the package, it says to pass the module", () => {
  assert.throws(() => shippedModuleUrl(undefined), noModule);
  assert.throws(() => shippedModuleUrl(() => {
    throw new TypeError("Failed to resolve module specifier \"hpet-wasm/hpet.wasm\"");
  }), noModule);
  assert.throws(() => shippedModuleUrl(() => "not a url"), noModule);
});

test("Hpet.create() where the package does not resolve rejects with that error; with module it works", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hpet-module-"));
  // A resolve hook that fails for the package, as a browser without an import map entry does.
  const hook = join(dir, "hook.mjs");
  await writeFile(hook, `export async function resolve(specifier, context, next) {
  if (specifier.startsWith("hpet-wasm")) throw new TypeError("Failed to resolve module specifier " + specifier);
  return next(specifier, context);
}\n`);
  const probe = join(dir, "probe.mts");
  await writeFile(probe, `import { Hpet } from ${JSON.stringify(INDEX)};
import { readFile } from "node:fs/promises";
try {
  await Hpet.create();
  console.log("created without module");
} catch (error) {
  console.log(error.name, error.code, error.message);
}
const hpet = await Hpet.create({ module: await readFile(${JSON.stringify(WASM.pathname)}) });
console.log(hpet.read64(0).toString(16));
`);
  const register = `data:text/javascript,import { register } from "node:module"; register(${JSON.stringify(new URL(`file://${hook}`).href)});`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "--import", register, probe]);
  const [failure, capabilities] = stdout.trimEnd().split("\n");
  assert.match(failure!, /^HpetError no-module cannot locate hpet-wasm\/hpet\.wasm here .*: pass the module option/);
  assert.equal(capabilities, "9896808086a201");
});
