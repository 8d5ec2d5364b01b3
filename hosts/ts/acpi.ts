// The ACPI "HPET" description table (IA-PC HPET spec 1.0a, section 3.2.4) that firmware hands
// the OS so it finds the timer block: a standard 36-byte table header, then the block's ID,
// its base address, its number and its minimum periodic tick. 56 bytes in all.

import { HpetError } from "./errors.ts";

/** The conventional base of the HPET's 4 KiB register page on PCs, the one QEMU and SeaBIOS use. */
export const DEFAULT_HPET_BASE = 0xfed0_0000n;

/** The part of an instance the table describes: its capabilities and ID register. */
export interface HpetRegisters {
  read64(offset: number): bigint;
}

export type PageProtection = "none" | "4k" | "64k";

export interface AcpiHpetOptions {
  /** The instance described; bits 31:0 of its capabilities register become the event timer block ID. */
  hpet: HpetRegisters;
  /** Physical base address of the register block (default 0xFED00000). */
  base?: bigint | number | undefined;
  /** Sequence number of this timer block, 0..255 (default 0). */
  hpetNumber?: number | undefined;
  /** Smallest periodic-mode tick the OS may program without losing interrupts, in main counter ticks (default 128). */
  minimumTick?: number | undefined;
  /** The guarantee the firmware gives about the rest of the block's page (default "none"). */
  pageProtection?: PageProtection | undefined;
  /** OEM attribute bits 7:4 of the page protection byte, 0..15 (default 0). */
  oemAttribute?: number | undefined;
  /** Header fields: OEM ID (up to 6 characters), OEM table ID (up to 8), OEM revision. */
  oemId?: string | undefined;
  oemTableId?: string | undefined;
  oemRevision?: number | undefined;
  /** Header fields: creator ID (up to 4 characters), creator revision. */
  creatorId?: string | undefined;
  creatorRevision?: number | undefined;
}

// Table layout (offsets in bytes).
const SIGNATURE = 0; //            4 ASCII characters, "HPET"
const LENGTH = 4; //               u32, the whole table
const REVISION = 8; //             u8
const CHECKSUM = 9; //             u8, makes the byte sum 0 mod 256
const OEM_ID = 10; //              6 ASCII characters
const OEM_TABLE_ID = 16; //        8 ASCII characters
const OEM_REVISION = 24; //        u32
const CREATOR_ID = 28; //          4 ASCII characters
const CREATOR_REVISION = 32; //    u32
const EVENT_TIMER_BLOCK_ID = 36; // u32, bits 31:0 of the capabilities and ID register
const BASE_ADDRESS = 40; //        12-byte Generic Address Structure
const HPET_NUMBER = 52; //         u8
const MIN_CLOCK_TICK = 53; //      u16
const PAGE_PROTECTION = 55; //     u8: bits 3:0 protection, 7:4 OEM attribute

export const ACPI_HPET_TABLE_LENGTH = 56;
const ACPI_HPET_REVISION = 1;

// Generic Address Structure fields, relative to BASE_ADDRESS.
const GAS_SPACE_ID = 0; //         0 = system memory
const GAS_BIT_WIDTH = 1;
const GAS_BIT_OFFSET = 2;
const GAS_ACCESS_SIZE = 3; //      0 = undefined (legacy)
const GAS_ADDRESS = 4; //          u64
const SYSTEM_MEMORY = 0;
const REGISTER_BIT_WIDTH = 64;

const PROTECTION: Readonly<Record<PageProtection, number>> = { none: 0, "4k": 1, "64k": 2 };

/** The table's bytes, checksum included, ready to be placed in guest memory and linked from the RSDT/XSDT. */
export function buildAcpiHpetTable(options: AcpiHpetOptions): Uint8Array {
  const table = new Uint8Array(ACPI_HPET_TABLE_LENGTH);
  const view = new DataView(table.buffer);
  const base = address(options.base ?? DEFAULT_HPET_BASE);
  const protectionName = options.pageProtection ?? "none";
  const protection = Object.hasOwn(PROTECTION, protectionName) ? PROTECTION[protectionName] : undefined;
  if (protection === undefined) {
    throw new HpetError("bad-value", `page protection "${String(options.pageProtection)}" is not none, 4k or 64k`);
  }

  ascii(table, SIGNATURE, "HPET", 4, "signature");
  view.setUint32(LENGTH, ACPI_HPET_TABLE_LENGTH, true);
  table[REVISION] = ACPI_HPET_REVISION;
  ascii(table, OEM_ID, options.oemId ?? "HPWASM", 6, "OEM ID");
  ascii(table, OEM_TABLE_ID, options.oemTableId ?? "HPETWASM", 8, "OEM table ID");
  view.setUint32(OEM_REVISION, integer(options.oemRevision ?? 1, 0xffff_ffff, "OEM revision"), true);
  ascii(table, CREATOR_ID, options.creatorId ?? "HPWA", 4, "creator ID");
  view.setUint32(CREATOR_REVISION, integer(options.creatorRevision ?? 1, 0xffff_ffff, "creator revision"), true);

  view.setUint32(EVENT_TIMER_BLOCK_ID, Number(BigInt.asUintN(32, options.hpet.read64(0))), true);
  table[BASE_ADDRESS + GAS_SPACE_ID] = SYSTEM_MEMORY;
  table[BASE_ADDRESS + GAS_BIT_WIDTH] = REGISTER_BIT_WIDTH;
  table[BASE_ADDRESS + GAS_BIT_OFFSET] = 0;
  table[BASE_ADDRESS + GAS_ACCESS_SIZE] = 0;
  view.setBigUint64(BASE_ADDRESS + GAS_ADDRESS, base, true);
  table[HPET_NUMBER] = integer(options.hpetNumber ?? 0, 0xff, "HPET number");
  view.setUint16(MIN_CLOCK_TICK, integer(options.minimumTick ?? 128, 0xffff, "minimum clock tick"), true);
  table[PAGE_PROTECTION] = protection | (integer(options.oemAttribute ?? 0, 0xf, "OEM attribute") << 4);

  let sum = 0;
  for (const byte of table) sum += byte;
  table[CHECKSUM] = -sum & 0xff;
  return table;
}

function address(value: bigint | number): bigint {
  const valid = typeof value === "bigint" ? value >= 0n && value < 1n << 64n : Number.isSafeInteger(value) && value >= 0;
  if (!valid) throw new HpetError("bad-value", `base address ${String(value)} is not a 64-bit physical address`);
  return BigInt(value);
}

function integer(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new HpetError("bad-value", `${what} ${String(value)} is not an integer in 0..${max}`);
  }
  return value;
}

// ACPI ID fields are ASCII, padded with spaces to their width.
function ascii(table: Uint8Array, offset: number, text: string, width: number, what: string): void {
  if (typeof text !== "string" || text.length > width || !/^[\x20-\x7e]*$/.test(text)) {
    throw new HpetError("bad-value", `${what} "${String(text)}" is not up to ${width} printable ASCII characters`);
  }
  for (let i = 0; i < width; i++) table[offset + i] = i < text.length ? text.charCodeAt(i) : 0x20;
}
