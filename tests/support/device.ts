// Test helper: an Hpet instance whose every output is recorded as a line of the trace output
// format ("I 1000 2 1", "P 0 1", "M 500 0xfee00000 0x4041"), plus the register offsets the
// behaviour reference names, so that tests can assert exact event lists with their times.

import { Hpet, type HpetConfig } from "../../hosts/ts/index.ts";
import type { TimeKind } from "../../hosts/ts/time.ts";

// General registers.
export const GCAP_ID = 0x000;
export const GEN_CONF = 0x010;
export const GINTR_STA = 0x020;
export const MAIN_CNT = 0x0f0;

// GEN_CONF bits.
export const ENABLE_CNF = 0x1;
export const LEG_RT_CNF = 0x2;

// Tn_CONF bits.
export const TN_INT_TYPE_CNF = 1 << 1; // level-triggered
export const TN_INT_ENB_CNF = 1 << 2;
export const TN_TYPE_CNF = 1 << 3; // periodic
export const TN_VAL_SET_CNF = 1 << 6;
export const TN_32MODE_CNF = 1 << 8;
export const TN_FSB_EN_CNF = 1 << 14;
/** Tn_INT_ROUTE_CNF field value for route `line`. */
export const route = (line: number): number => line << 9;

// Timer N registers.
export const tnConf = (n: number): number => 0x100 + 0x20 * n;
export const tnComparator = (n: number): number => 0x108 + 0x20 * n;
export const tnFsbRoute = (n: number): number => 0x110 + 0x20 * n;

export interface Recorded<K extends TimeKind> {
  hpet: Hpet<K>;
  /** Every output since the last call (or since creation), in order, then forgets them. */
  take(): string[];
}

async function open<K extends TimeKind>(config: HpetConfig, time: K): Promise<Recorded<K>> {
  let events: string[] = [];
  const hpet = await Hpet.create<K>({
    ...config,
    time,
    onIrq: (line, level, t) => events.push(`I ${t} ${line} ${level}`),
    onPitEnable: (level, t) => events.push(`P ${t} ${level}`),
    onMsi: (address, data, t) => events.push(`M ${t} 0x${address.toString(16)} 0x${data.toString(16)}`),
  });
  return {
    hpet,
    take: () => {
      const taken = events;
      events = [];
      return taken;
    },
  };
}

/** A recorded instance with times as numbers of ns. The power-on "P 0 1" is already taken. */
export async function device(config: HpetConfig = {}): Promise<Recorded<"number">> {
  const recorded = await open(config, "number");
  recorded.take();
  return recorded;
}

/** A recorded instance with bigint times. The power-on "P 0 1" is already taken. */
export async function bigDevice(config: HpetConfig = {}): Promise<Recorded<"bigint">> {
  const recorded = await open(config, "bigint");
  recorded.take();
  return recorded;
}

/** A recorded instance with its power-on events still to take. */
export function freshDevice(config: HpetConfig = {}): Promise<Recorded<"number">> {
  return open(config, "number");
}

/** Every 64-bit register of the window, read with 8-byte reads. */
export function dump(hpet: Hpet<TimeKind>): bigint[] {
  const values: bigint[] = [];
  for (let offset = 0; offset < hpet.windowSize; offset += 8) values.push(hpet.read64(offset));
  return values;
}

/** The two events of an edge interrupt on `line` at `t`. */
export const pulse = (t: number | bigint, line: number): string[] => [`I ${t} ${line} 1`, `I ${t} ${line} 0`];
