// Every example trace of the behaviour reference replays byte for byte, through the library
// and through the `hpet replay` command.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { compileModule } from "../hosts/ts/module.ts";
import { replay } from "../hosts/ts/replay.ts";
import { parseTrace } from "../hosts/ts/trace.ts";
import { generateTrace } from "./support/trace-generator.ts";

const TRACES = new URL("./fixtures/traces/", import.meta.url);
const CLI = new URL("../cli/cli.ts", import.meta.url).pathname;
const run = promisify(execFile);

const traceFiles = (await readdir(TRACES)).filter((name) => name.endsWith(".trace")).sort();

test("the example traces are all there", () => {
  assert.ok(traceFiles.length >= 12, `found ${traceFiles.length} traces`);
});

for (const name of traceFiles) {
  test(`replay of ${name} matches its .out`, async () => {
    const module = await compileModule();
    const trace = parseTrace(await readFile(new URL(name, TRACES), "utf8"), name);
    const expected = await readFile(new URL(name.replace(/\.trace$/, ".out"), TRACES), "utf8");
    assert.equal(replay(trace, module), expected);
  });
}

test("hpet replay --out writes DIR/<name>.out for every trace, byte for byte", async () => {
  const out = await mkdtemp(join(tmpdir(), "hpet-replay-"));
  const paths = traceFiles.map((name) => new URL(name, TRACES).pathname);
  await run(process.execPath, ["--import", "tsx", CLI, "replay", "--out", out, ...paths]);
  for (const path of paths) {
    const name = basename(path, ".trace");
    assert.equal(await readFile(join(out, `${name}.out`), "utf8"),
      await readFile(path.replace(/\.trace$/, ".out"), "utf8"), name);
  }
});

test("hpet replay TRACE prints the output on stdout", async () => {
  const path = new URL("sanity_counter_1000ns.trace", TRACES).pathname;
  const { stdout } = await run(process.execPath, ["--import", "tsx", CLI, "replay", path]);
  assert.equal(stdout, "P 0 1\nR 1000 0xf0 4 0x64\nR 1000 0xf0 8 0x64\nR 1000 0xf4 4 0x0\n");
});

// The number-time host defers advances and folds time into 32-bit accesses; bigint time does
// neither. Both must produce the same output on every trace.
test("number-time and bigint-time hosts replay every example trace identically", async () => {
  const module = await compileModule();
  for (const name of traceFiles) {
    const trace = parseTrace(await readFile(new URL(name, TRACES), "utf8"), name);
    assert.equal(replay(trace, module, "number"), replay(trace, module, "bigint"), name);
  }
});

test("number-time and bigint-time hosts replay 300 generated traces identically", async () => {
  const module = await compileModule();
  for (let seed = 1; seed <= 300; seed++) {
    const trace = parseTrace(generateTrace(seed, { snapshotRate: seed % 3 === 0 ? 0.05 : 0 }), `seed ${seed}`);
    assert.equal(replay(trace, module, "number"), replay(trace, module, "bigint"), `seed ${seed}`);
  }
});
