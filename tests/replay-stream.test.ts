// Streaming replay: a trace read in pieces gives the same output as a whole one, line by line
// as it is produced; a line too long fails before it fills memory; the CLI's output starts at
// once and its memory stays flat for a trace of two billion output lines, even when the reader
// stalls; progress shows on a terminal only, and only for a long replay.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { LineWriter } from "../cli/line-writer.ts";
import { Progress } from "../cli/progress.ts";
import { compileModule } from "../hosts/ts/module.ts";
import { Replayer, replay, replayStream } from "../hosts/ts/replay.ts";
import { parseTrace, TraceError, TraceParser } from "../hosts/ts/trace.ts";

const CLI = new URL("../cli/cli.ts", import.meta.url).pathname;
const TRACES = new URL("fixtures/traces/", import.meta.url);
const module = await compileModule(new URL("../build/hpet.wasm", import.meta.url));

async function* pieces(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function streamed(chunks: AsyncIterable<string>, file = "t"): Promise<string> {
  const lines: string[] = [];
  await replayStream(chunks, module, (line) => lines.push(line), { file });
  return lines.map((line) => `${line}\n`).join("");
}

test("a trace in pieces of any size replays as the whole trace does", async () => {
  const names = (await readdir(TRACES)).filter((name) => name.endsWith(".trace"));
  assert.ok(names.length >= 10);
  for (const name of names) {
    const text = await readFile(new URL(name, TRACES), "utf8");
    const expected = await readFile(new URL(name.replace(/\.trace$/, ".out"), TRACES), "utf8");
    assert.equal(replay(parseTrace(text, name), module), expected, name);
    for (const size of [1, 7, 4096]) assert.equal(await streamed(pieces(text, size), name), expected, `${name} in pieces of ${size}`);
  }
});

test("each line's output reaches the sink before the next line is read", async () => {
  const lines: string[] = [];
  const seen: number[] = [];
  async function* trace(): AsyncGenerator<string> {
    for (const line of ["w 0x100 4 0x4c\n", "w 0x108 8 0x64\n", "w 0x10 4 0x1\n", "t 3000\n", "r 0x20 4\n"]) {
      seen.push(lines.length);
      yield line;
    }
    seen.push(lines.length);
  }
  await replayStream(trace(), module, (line) => lines.push(line));
  // Period 100 ticks = 1000 ns: interrupts at 1000, 2000 and 3000 ns, each a rise and a fall.
  assert.deepEqual(lines, ["P 0 1", "I 1000 0 1", "I 1000 0 0", "I 2000 0 1", "I 2000 0 0", "I 3000 0 1", "I 3000 0 0", "R 3000 0x20 4 0x0"]);
  // Before line 2 is read the instance exists (P 0 1); the t line's six lines are out before line 5 is read.
  assert.deepEqual(seen, [0, 1, 1, 1, 7, 8]);
});

test("a malformed line rejects with its file and line, after the output of the lines before it", async () => {
  const lines: string[] = [];
  await assert.rejects(replayStream(pieces("w 0x10 4 0x1\nt 20\nr 0xf0 8\nw 0x10 3 0x0\n", 5), module, (line) => lines.push(line), { file: "x.trace" }),
    (error: unknown) => error instanceof TraceError && error.message === `x.trace:4: size "3" is not 1, 2, 4 or 8`);
  assert.deepEqual(lines, ["P 0 1", "R 20 0xf0 8 0x2"]);
});

test("an endless line fails as soon as it is too long, without reading on", async () => {
  let chunks = 0;
  async function* endless(): AsyncGenerator<string> {
    for (;;) {
      chunks++;
      yield "#".repeat(1000);
    }
  }
  const parser = new TraceParser("endless.trace");
  await assert.rejects(replayStream(endless(), module, () => {}, { parser }),
    (error: unknown) => error instanceof TraceError && error.message === "endless.trace:1: line is longer than 4096 characters");
  assert.equal(chunks, 5);
  assert.equal(parser.line, 1);
});

test("a trace without operations prints the power-on output only", async () => {
  assert.equal(await streamed(pieces("# nothing\nconfig timers=4\n", 3)), "P 0 1\n");
  assert.equal(await streamed(pieces("", 1)), "P 0 1\n");
});

test("a Replayer with a sink passes its lines on and keeps none", () => {
  const lines: string[] = [];
  const trace = parseTrace("r 0x0 4\n", "r");
  const replayer = new Replayer(module, trace, "bigint", (line) => lines.push(line)).run(trace.ops);
  assert.deepEqual(lines, ["P 0 1", "R 0 0x0 4 0x8086a201"]);
  assert.throws(() => replayer.output(), /keeps none/);
});

test("the example in docs/trace-format.md replays as the page shows", () => {
  const page = readFileSync(new URL("../docs/trace-format.md", import.meta.url), "utf8");
  const [trace, output] = [...page.matchAll(/```\n([\s\S]*?)```/g)].map((match) => match[1]!);
  assert.ok(trace !== undefined && output !== undefined);
  assert.equal(replay(parseTrace(trace, "example"), module), output);
});

test("LineWriter writes every line, in order, flushing in 64 KiB batches", async () => {
  const path = join(await mkdtemp(join(tmpdir(), "hpet-writer-")), "out");
  const fd = openSync(path, "w");
  let flushes = 0;
  const writer = new LineWriter(fd, () => flushes++);
  for (let i = 0; i < 20_000; i++) writer.write(`I ${i} 2 1`);
  assert.ok(flushes >= 3, `${flushes} flushes`);
  writer.flush();
  closeSync(fd);
  const text = await readFile(path, "utf8");
  assert.equal(writer.lines, 20_000);
  assert.equal(text, Array.from({ length: 20_000 }, (_, i) => `I ${i} 2 1\n`).join(""));
});

test("progress: only on a terminal, after 2 s, redrawn in place at most every 250 ms, cleared at the end", () => {
  let now = 0;
  const written: string[] = [];
  let calls = 0;
  const describe = (): string => `line ${++calls}`;
  const terminal = new Progress({ isTTY: true, write: (text) => written.push(text) }, describe, () => now);
  now = 1999;
  terminal.tick();
  assert.deepEqual(written, []);
  now = 2000;
  terminal.tick();
  now = 2100;
  terminal.tick();
  now = 2250;
  terminal.tick();
  terminal.done();
  assert.deepEqual(written, ["\rline 1", "\rline 2", "\r      \r"]);

  const piped: string[] = [];
  const pipe = new Progress({ isTTY: false, write: (text) => piped.push(text) }, describe, () => now);
  now = 10_000;
  pipe.tick();
  pipe.done();
  assert.deepEqual(piped, []);
});

function peakRssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]);
}

test("hpet replay streams 2e9 output lines in flat memory, through a reader that stalls", async (t) => {
  // Timer 0 periodic with a period of 1 tick; the storm guard spaces its interrupts 1000 ns
  // apart, so 1000 s of guest time is 1e9 interrupts, 2e9 lines. The test stops it early.
  const dir = await mkdtemp(join(tmpdir(), "hpet-stream-"));
  const trace = join(dir, "storm.trace");
  await writeFile(trace, "w 0x100 4 0x4c\nw 0x108 8 0x1\nw 0x10 4 0x1\nt 1000000000000\n");
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "replay", trace], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => child.kill("SIGKILL"));
  let bytes = 0;
  let head = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    if (head.length < 64) head += chunk.toString("latin1", 0, 64);
    bytes += chunk.length;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const start = Date.now();
  while (bytes === 0 && Date.now() - start < 20_000) await sleep(50);
  assert.ok(bytes > 0, `no output after 20 s: ${stderr}`);
  assert.ok(head.startsWith("P 0 1\nI 10 0 1\nI 10 0 0\nI 1010 0 1\nI 1010 0 0\nI 2010 0 1\n"), head);
  // Let it run, stall the reader for a second (the writer must wait, not buffer), then go on.
  await sleep(1500);
  child.stdout.pause();
  await sleep(1000);
  const stalled = bytes;
  child.stdout.resume();
  await sleep(1500);
  assert.equal(child.exitCode, null, `hpet replay ended early: ${stderr}`);
  const peak = peakRssKiB(child.pid!);
  assert.ok(bytes > stalled, "output goes on after the stall");
  assert.ok(bytes > 20 << 20, `only ${bytes} bytes of output in 4 s`);
  assert.ok(peak < 150 * 1024, `peak RSS ${peak} KiB`);
  assert.equal(stderr, "");
});
