// The guest trace format (docs/trace-format.md): one operation a line, optionally after a
// config line. Parsing only; replay.ts runs a parsed trace. A trace parses as a whole string
// (parseTrace) or a line at a time (TraceParser, traceOps), so a long one streams.

import type { HpetConfig } from "./hpet.ts";

export type TraceOp =
  | { readonly kind: "advance"; readonly timeNs: bigint; readonly line: number }
  | { readonly kind: "read"; readonly offset: number; readonly size: number; readonly line: number }
  | { readonly kind: "write"; readonly offset: number; readonly size: number; readonly value: bigint; readonly line: number }
  | { readonly kind: "reset"; readonly line: number }
  | { readonly kind: "input"; readonly input: 0 | 1; readonly level: 0 | 1; readonly line: number }
  | { readonly kind: "snapshot"; readonly line: number };

export type TraceConfig = Required<Pick<HpetConfig, "timers" | "msi" | "intcap">>;

export interface Trace {
  readonly config: TraceConfig;
  readonly ops: readonly TraceOp[];
}

export class TraceError extends Error {
  override readonly name = "TraceError";
  constructor(readonly file: string, readonly line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
  }
}

/** The longest line a trace may have, in characters (its end of line not counted). */
export const MAX_LINE_LENGTH = 4096;

const MIN_TIMERS = 3n;
const MAX_TIMERS = 32n;
const MAX_TIME = (1n << 63n) - 1n;
const MAX_OFFSET = 0xffff_ffffn;
const MAX_VALUE = (1n << 64n) - 1n;
const MAX_INTCAP = 0xffff_ffffn;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const HEX = /^0x[0-9a-f]+$/i;

type Fail = (problem: string) => never;

/** Parses a trace a line at a time; `config` is final once the first operation has parsed. */
export class TraceParser {
  readonly config = { timers: 3, msi: false, intcap: 0x00ff0004 };
  /** The number of lines parsed so far (the number of the last one). */
  line = 0;
  private lastTime = 0n;
  private sawOperation = false;

  constructor(readonly file: string) {}

  /** The next line's operation, or null for a blank line, a comment or the config line. */
  parse(text: string): TraceOp | null {
    const line = ++this.line;
    const fail: Fail = (problem) => {
      throw new TraceError(this.file, line, problem);
    };
    if (text.length > MAX_LINE_LENGTH) fail(`line is longer than ${MAX_LINE_LENGTH} characters`);
    const [verb, ...args] = text.trim().split(/\s+/);
    if (verb === undefined || verb === "" || verb.startsWith("#")) return null;
    const arity = (count: number, form: string): void => {
      if (args.length !== count) fail(`expected "${form}"`);
    };
    let op: TraceOp;
    switch (verb) {
      case "config":
        if (this.sawOperation) fail("config must come before every operation");
        parseConfig(args, this.config, fail);
        return null;
      case "t": {
        arity(1, "t NS");
        const timeNs = decimal(args[0]!, 0n, MAX_TIME, "time", fail);
        if (timeNs < this.lastTime) fail(`time ${timeNs} is before the previous time ${this.lastTime}`);
        this.lastTime = timeNs;
        op = { kind: "advance", timeNs, line };
        break;
      }
      case "r":
        arity(2, "r 0xOFF SIZE");
        op = { kind: "read", offset: offset(args[0]!, fail), size: size(args[1]!, fail), line };
        break;
      case "w": {
        arity(3, "w 0xOFF SIZE 0xVAL");
        // A value wider than the access keeps only the bytes the access carries.
        const accessSize = size(args[1]!, fail);
        const value = BigInt.asUintN(accessSize * 8, hex(args[2]!, MAX_VALUE, "value", fail));
        op = { kind: "write", offset: offset(args[0]!, fail), size: accessSize, value, line };
        break;
      }
      case "x":
        arity(0, "x");
        op = { kind: "reset", line };
        break;
      case "i":
        arity(2, "i INPUT LEVEL");
        op = { kind: "input", input: bit(args[0]!, "input", fail), level: bit(args[1]!, "level", fail), line };
        break;
      case "s":
        arity(0, "s");
        op = { kind: "snapshot", line };
        break;
      default:
        return fail(`unknown operation "${verb}"`);
    }
    this.sawOperation = true;
    return op;
  }
}

export function parseTrace(text: string, file: string): Trace {
  const parser = new TraceParser(file);
  const ops: TraceOp[] = [];
  for (const line of text.split("\n")) {
    const op = parser.parse(line);
    if (op !== null) ops.push(op);
  }
  return { config: parser.config, ops };
}

/**
 * The operations of a trace that arrives in pieces (a file read in chunks, say), parsed as
 * each line completes; memory stays bounded by the longest line allowed.
 */
export async function* traceOps(chunks: AsyncIterable<string>, parser: TraceParser): AsyncGenerator<TraceOp> {
  let partial = "";
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf("\n"); end !== -1; end = chunk.indexOf("\n", start)) {
      const op = parser.parse(partial + chunk.slice(start, end));
      partial = "";
      start = end + 1;
      if (op !== null) yield op;
    }
    partial += chunk.slice(start);
    // A line that is already too long fails now, before it can fill memory.
    if (partial.length > MAX_LINE_LENGTH) parser.parse(partial);
  }
  const op = parser.parse(partial);
  if (op !== null) yield op;
}

function parseConfig(args: readonly string[], config: { timers: number; msi: boolean; intcap: number }, fail: Fail): void {
  const seen = new Set<string>();
  for (const arg of args) {
    const [key, value, extra] = arg.split("=");
    if (value === undefined || extra !== undefined) fail(`config expects key=value, not "${arg}"`);
    if (seen.has(key!)) fail(`config repeats ${key}`);
    seen.add(key!);
    if (key === "timers") {
      config.timers = Number(decimal(value, MIN_TIMERS, MAX_TIMERS, "timers", fail));
    } else if (key === "msi") {
      config.msi = bit(value, "msi", fail) === 1;
    } else if (key === "intcap") {
      config.intcap = Number(hex(value, MAX_INTCAP, "intcap", fail));
    } else {
      fail(`unknown config key "${key}" (timers, msi or intcap)`);
    }
  }
}

function decimal(text: string, min: bigint, max: bigint, what: string, fail: Fail): bigint {
  if (!DECIMAL.test(text)) fail(`${what} "${text}" is not a decimal number`);
  const value = BigInt(text);
  if (value < min || value > max) fail(`${what} ${text} is not in ${min}..${max}`);
  return value;
}

function hex(text: string, max: bigint, what: string, fail: Fail): bigint {
  if (!HEX.test(text)) fail(`${what} "${text}" is not a 0x-prefixed hex number`);
  const value = BigInt(text);
  if (value > max) fail(`${what} ${text} is not in 0x0..0x${max.toString(16)}`);
  return value;
}

function offset(text: string, fail: Fail): number {
  return Number(hex(text, MAX_OFFSET, "offset", fail));
}

function size(text: string, fail: Fail): number {
  if (text !== "1" && text !== "2" && text !== "4" && text !== "8") fail(`size "${text}" is not 1, 2, 4 or 8`);
  return Number(text);
}

function bit(text: string, what: string, fail: Fail): 0 | 1 {
  if (text !== "0" && text !== "1") fail(`${what} "${text}" is not 0 or 1`);
  return text === "1" ? 1 : 0;
}
