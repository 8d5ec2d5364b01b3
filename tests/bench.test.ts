// `hpet bench --quick` as a smoke test: every workload runs on both engines and reports in the
// documented shapes. No timing is asserted (timings are bench/README.md's business).

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";

const CLI = new URL("../cli/cli.ts", import.meta.url).pathname;

function hpet(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", CLI, ...args], (error, stdout, stderr) => {
      if (error) reject(new Error(`hpet ${args.join(" ")}: ${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

test("hpet bench --quick --json runs every workload on both engines", async () => {
  const { stdout } = await hpet("bench", "--quick", "--json");
  const { results } = JSON.parse(stdout) as { results: Record<string, unknown>[] };
  // Engines other than these two (the C host's) report in the same shapes, checked below.
  assert.deepEqual(results.filter((r) => r["engine"] === "node" || r["engine"] === "wasmtime")
    .map((r) => `${r["workload"]} ${r["engine"]}`), [
    "periodic-3 node", "clocksource node", "oneshot node", "timers-32 node", "linux-boot node",
    "periodic-3 wasmtime", "timers-32 wasmtime",
  ]);
  for (const r of results) {
    for (const key of ["ops", "opsPerSec", "nsPerOp", "floorNsPerCall", "peakRssBytes"]) {
      assert.ok(typeof r[key] === "number" && (r[key] as number) > 0, `${r["workload"]} ${r["engine"]}: ${key} = ${r[key]}`);
    }
    assert.equal(Math.round((r["opsPerSec"] as number) * (r["nsPerOp"] as number)), 1e9);
  }
  // The workloads are deterministic: the same device time gives the same count on both engines.
  const ops = (workload: string, engine: string) =>
    results.find((r) => r["workload"] === workload && r["engine"] === engine)!["ops"];
  assert.equal(ops("periodic-3", "wasmtime"), ops("periodic-3", "node"));
  assert.equal(ops("timers-32", "wasmtime"), ops("timers-32", "node"));
  assert.equal(ops("clocksource", "node"), 200_000);
  assert.equal(ops("oneshot", "node"), 20_000);
  assert.equal(ops("linux-boot", "node"), 100 * 1101, "100 passes of the boot's 1101 accesses");
});

test("hpet bench prints a table with one row per workload and engine", async () => {
  const { stdout } = await hpet("bench", "--quick", "--engine", "node", "--workload", "oneshot");
  const [header, row, extra] = stdout.trimEnd().split("\n");
  assert.match(header!, /^workload +engine +operations +ops\/s +ns\/op +floor ns\/call +ratio to floor +peak RSS$/);
  assert.match(row!, /^oneshot +node +20,000 /);
  assert.equal(extra, undefined);
});

test("an unknown workload or engine is a usage error", async () => {
  await assert.rejects(hpet("bench", "--engine", "v8"), /unknown engine "v8"/);
  await assert.rejects(hpet("bench", "--quick", "--workload", "nope"), /unknown workload "nope"/);
});

test("bench/oneshot-parts.ts --quick times each part of the one-shot cycle against the floor", async () => {
  const script = new URL("../bench/oneshot-parts.ts", import.meta.url).pathname;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", script, "--quick"], (error, out, stderr) => {
      if (error) reject(new Error(`oneshot-parts: ${stderr}`));
      else resolve(out);
    });
  });
  const [machine, header, ...rows] = stdout.trimEnd().split("\n");
  assert.match(machine!, /, \d+ CPUs, Node \d+\.\d+\.\d+; medians of 7 segments \(the floor: of 5\)$/);
  assert.match(header!, /^part +ns +floors$/);
  const parsed = rows.map((row) => {
    const match = /^(.+?) +(\d+\.\d\d) +(\d+\.\d)$/.exec(row);
    assert.ok(match, `row "${row}"`);
    return { name: match[1], ns: Number(match[2]), floors: Number(match[3]) };
  });
  assert.deepEqual(parsed.map((p) => p.name), [
    "empty call (the floor)", "a call with a time (set_time)", "a write that changes nothing",
    "a comparator write (arms timer 0)", "the cycle on the exports", "the cycle through Hpet (oneshot)",
  ]);
  // The floors column is the ratio of the unrounded figures, which the ns column rounds to 0.005.
  const floor = parsed[0]!.ns;
  for (const { name, ns, floors } of parsed) {
    assert.ok(ns > 0, `${name}: ${ns} ns`);
    const low = (ns - 0.005) / (floor + 0.005) - 0.05;
    const high = (ns + 0.005) / (floor - 0.005) + 0.05;
    assert.ok(floors >= low && floors <= high, `${name}: ${floors} floors for ${ns} ns, floor ${floor} ns`);
  }
});
