// The `hpet` command's contract: usage errors and malformed traces exit with status 2 and a
// message naming the problem; nothing is written to stdout for them.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const CLI = new URL("../cli/cli.ts", import.meta.url).pathname;

function hpet(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", CLI, ...args], (error, stdout, stderr) => {
      resolve({ status: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

test("a malformed trace line names the file and line, exit status 2", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hpet-cli-"));
  const path = join(dir, "broken.trace");
  await writeFile(path, "w 0x10 4 0x1\nt 100\nr 0xf0 5\n");
  const result = await hpet("replay", path);
  assert.equal(result.status, 2);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr, `hpet: ${path}:3: size "5" is not 1, 2, 4 or 8\n`);
});

test("a missing trace file is an error with status 2", async () => {
  const result = await hpet("replay", "/nonexistent/x.trace");
  assert.equal(result.status, 2);
  assert.match(result.stderr, /ENOENT.*\/nonexistent\/x\.trace/);
});

test("several traces without --out is a usage error", async () => {
  const result = await hpet("replay", "a.trace", "b.trace");
  assert.equal(result.status, 2);
  assert.match(result.stderr, /replay of several traces needs --out DIR/);
});

test("an unknown command is a usage error", async () => {
  const result = await hpet("frobnicate");
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown command "frobnicate"/);
});

test("--help lists the commands", async () => {
  const result = await hpet("--help");
  assert.equal(result.status, 0);
  assert.match(result.stdout, /hpet replay TRACE/);
});

test("the built command is executable, as npx hpet runs it directly", async () => {
  const { access, constants } = await import("node:fs/promises");
  await access(new URL("../dist/cli/cli.js", import.meta.url), constants.X_OK);
});
