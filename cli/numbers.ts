// Numeric option values: decimal, or hex with a 0x prefix, within a range. The messages read
// like the trace parser's: `--timers 40 is not in 3..32`.

import { UsageError } from "./errors.ts";

const INTEGER = /^(0|[1-9][0-9]*|0x[0-9a-f]+)$/i;

export function integerOption(text: string | undefined, option: string, min: bigint, max: bigint): bigint | undefined {
  if (text === undefined) return undefined;
  if (!INTEGER.test(text)) throw new UsageError(`${option} "${text}" is not a number (decimal, or hex with 0x)`);
  const value = BigInt(text);
  if (value < min || value > max) throw new UsageError(`${option} ${text} is not in ${min}..${max}`);
  return value;
}

export function smallOption(text: string | undefined, option: string, min: number, max: number): number | undefined {
  const value = integerOption(text, option, BigInt(min), BigInt(max));
  return value === undefined ? undefined : Number(value);
}
