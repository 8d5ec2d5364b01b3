// Device time on the host side: nanoseconds as a number (exact up to 2^53 ns, about 104 days)
// or as a bigint (exact over the module's whole range, 0 .. 2^63 - 1 ns).

import { type HpetExports, MAX_TIME, Status } from "./abi.ts";

export type TimeKind = "number" | "bigint";
export type TimeOf<K extends TimeKind> = K extends "bigint" ? bigint : number;

export interface TimeCodec<T> {
  /** Calls the module's advance; returns its status. */
  advance(exports: HpetExports, timeNs: T): number;
  /** A time from the two 32-bit halves of an event record. */
  fromHalves(low: number, high: number): T;
  now(exports: HpetExports): T;
  nextDeadline(exports: HpetExports): T | null;
}

const numberTime: TimeCodec<number> = {
  advance: (exports, timeNs) => (typeof timeNs === "number" ? exports.advance_f64(timeNs) : Status.BAD_TIME),
  fromHalves: (low, high) => high * 0x1_0000_0000 + low,
  now: (exports) => exports.now_f64(),
  nextDeadline: (exports) => {
    const deadline = exports.next_deadline_f64();
    return deadline === Infinity ? null : deadline;
  },
};

const bigintTime: TimeCodec<bigint> = {
  advance: (exports, timeNs) =>
    typeof timeNs === "bigint" && timeNs >= 0n && timeNs <= MAX_TIME
      ? exports.advance(timeNs)
      : Status.BAD_TIME,
  fromHalves: (low, high) => (BigInt(high) << 32n) | BigInt(low),
  now: (exports) => exports.now(),
  nextDeadline: (exports) => {
    const deadline = exports.next_deadline();
    return deadline < 0n ? null : deadline;
  },
};

export function timeCodec<K extends TimeKind>(kind: K): TimeCodec<TimeOf<K>> {
  return (kind === "bigint" ? bigintTime : numberTime) as TimeCodec<TimeOf<K>>;
}
