// The guest trace format of the behaviour reference: one operation a line, optionally after a
// config line. Parsing only; replay.ts runs a parsed trace.

import type { HpetConfig } from "./hpet.ts";

export type TraceOp =
  | { readonly kind: "advance"; readonly timeNs: bigint; readonly line: number }
  | { readonly kind: "read"; readonly offset: number; readonly size: number; readonly line: number }
  | { readonly kind: "write"; readonly offset: number; readonly size: number; readonly value: bigint; readonly line: number }
  | { readonly kind: "reset"; readonly line: number }
  | { readonly kind: "input"; readonly input: 0 | 1; readonly level: 0 | 1; readonly line: number }
  | { readonly kind: "snapshot"; readonly line: number };

export interface Trace {
  readonly config: Required<Pick<HpetConfig, "timers" | "msi" | "intcap">>;
  readonly ops: readonly TraceOp[];
}

export class TraceError extends Error {
  override readonly name = "TraceError";
  constructor(readonly file: string, readonly line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
  }
}

const MAX_TIME = (1n << 63n) - 1n;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const HEX = /^0x[0-9a-f]+$/i;

export function parseTrace(text: string, file: string): Trace {
  const config = { timers: 3, msi: false, intcap: 0x00ff0004 };
  const ops: TraceOp[] = [];
  let lastTime = 0n;
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const fields = (lines[index] ?? "").trim().split(/\s+/);
    const [verb, ...args] = fields;
    if (verb === undefined || verb === "" || verb.startsWith("#")) continue;
    const fail = (problem: string): never => {
      throw new TraceError(file, line, problem);
    };
    const arity = (count: number, form: string): void => {
      if (args.length !== count) fail(`expected "${form}"`);
    };
    switch (verb) {
      case "config":
        if (ops.length > 0) fail("config must come before every operation");
        parseConfig(args, config, fail);
        break;
      case "t": {
        arity(1, "t NS");
        const timeNs = decimal(args[0]!, MAX_TIME, "time", fail);
        if (timeNs < lastTime) fail(`time ${timeNs} is before the previous time ${lastTime}`);
        lastTime = timeNs;
        ops.push({ kind: "advance", timeNs, line });
        break;
      }
      case "r":
        arity(2, "r 0xOFF SIZE");
        ops.push({ kind: "read", offset: offset(args[0]!, fail), size: size(args[1]!, fail), line });
        break;
      case "w": {
        arity(3, "w 0xOFF SIZE 0xVAL");
        // A value wider than the access keeps only the bytes the access carries.
        const accessSize = size(args[1]!, fail);
        const value = BigInt.asUintN(accessSize * 8, hex(args[2]!, (1n << 64n) - 1n, "value", fail));
        ops.push({ kind: "write", offset: offset(args[0]!, fail), size: accessSize, value, line });
        break;
      }
      case "x":
        arity(0, "x");
        ops.push({ kind: "reset", line });
        break;
      case "i":
        arity(2, "i INPUT LEVEL");
        ops.push({ kind: "input", input: bit(args[0]!, "input", fail), level: bit(args[1]!, "level", fail), line });
        break;
      case "s":
        arity(0, "s");
        ops.push({ kind: "snapshot", line });
        break;
      default:
        fail(`unknown operation "${verb}"`);
    }
  }
  return { config, ops };
}

function parseConfig(
  args: readonly string[],
  config: { timers: number; msi: boolean; intcap: number },
  fail: (problem: string) => never,
): void {
  const seen = new Set<string>();
  for (const arg of args) {
    const [key, value, extra] = arg.split("=");
    if (value === undefined || extra !== undefined) fail(`config expects key=value, not "${arg}"`);
    if (seen.has(key!)) fail(`config repeats ${key}`);
    seen.add(key!);
    if (key === "timers") {
      config.timers = Number(decimal(value, 32n, "timers", fail));
      if (config.timers < 3) fail("timers must be 3..32");
    } else if (key === "msi") {
      config.msi = bit(value, "msi", fail) === 1;
    } else if (key === "intcap") {
      config.intcap = Number(hex(value, 0xffff_ffffn, "intcap", fail));
    } else {
      fail(`unknown config key "${key}"`);
    }
  }
}

function decimal(text: string, max: bigint, what: string, fail: (problem: string) => never): bigint {
  if (!DECIMAL.test(text)) fail(`${what} "${text}" is not a decimal number`);
  const value = BigInt(text);
  if (value > max) fail(`${what} ${text} is above ${max}`);
  return value;
}

function hex(text: string, max: bigint, what: string, fail: (problem: string) => never): bigint {
  if (!HEX.test(text)) fail(`${what} "${text}" is not a 0x-prefixed hex number`);
  const value = BigInt(text);
  if (value > max) fail(`${what} ${text} is above 0x${max.toString(16)}`);
  return value;
}

function offset(text: string, fail: (problem: string) => never): number {
  return Number(hex(text, 0xffff_ffffn, "offset", fail));
}

function size(text: string, fail: (problem: string) => never): number {
  if (text !== "1" && text !== "2" && text !== "4" && text !== "8") fail(`size "${text}" is not 1, 2, 4 or 8`);
  return Number(text);
}

function bit(text: string, what: string, fail: (problem: string) => never): 0 | 1 {
  if (text !== "0" && text !== "1") fail(`${what} "${text}" is not 0 or 1`);
  return text === "1" ? 1 : 0;
}
