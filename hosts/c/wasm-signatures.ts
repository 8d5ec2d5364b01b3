// The exported functions of a WebAssembly module and their signatures, read from its type,
// import, function and export sections (the binary format of WebAssembly 1.0). Enough for a
// module without function imports of other shapes than the core ones; anything else is an error.

export type ValueType = "i32" | "i64" | "f32" | "f64";

export interface ExportedFunction {
  readonly name: string;
  readonly params: readonly ValueType[];
  readonly results: readonly ValueType[];
}

export interface ModuleExports {
  readonly functions: readonly ExportedFunction[];
  readonly memories: readonly string[];
}

const VALUE_TYPES: Record<number, ValueType> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64" };
const SECTION = { TYPE: 1, IMPORT: 2, FUNCTION: 3, EXPORT: 7 } as const;
const EXTERNAL = { FUNCTION: 0, MEMORY: 2 } as const;

class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array, private readonly end = bytes.length) {}
  byte(): number {
    if (this.offset >= this.end) throw new Error("truncated WebAssembly module");
    return this.bytes[this.offset++]!;
  }
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new Error("bad LEB128 number in WebAssembly module");
  }
  name(): string {
    const length = this.u32();
    const start = this.offset;
    this.offset += length;
    if (this.offset > this.end) throw new Error("truncated WebAssembly module");
    return new TextDecoder().decode(this.bytes.subarray(start, this.offset));
  }
  values(): ValueType[] {
    return Array.from({ length: this.u32() }, () => {
      const code = this.byte();
      const type = VALUE_TYPES[code];
      if (type === undefined) throw new Error(`unsupported value type 0x${code.toString(16)}`);
      return type;
    });
  }
}

export function moduleExports(bytes: Uint8Array): ModuleExports {
  const header = new Reader(bytes);
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00].every((b) => header.byte() === b);
  if (!magic) throw new Error("not a WebAssembly 1.0 module");
  const types: { params: ValueType[]; results: ValueType[] }[] = [];
  const functionTypes: number[] = []; // type index of every function, imports first
  const exports: { name: string; kind: number; index: number }[] = [];
  let offset = header.offset;
  while (offset < bytes.length) {
    const head = new Reader(bytes);
    head.offset = offset;
    const id = head.byte();
    const size = head.u32();
    const body = new Reader(bytes, head.offset + size);
    body.offset = head.offset;
    offset = head.offset + size;
    if (id === SECTION.TYPE) {
      for (let n = body.u32(); n > 0; n--) {
        if (body.byte() !== 0x60) throw new Error("unsupported type form in WebAssembly module");
        types.push({ params: body.values(), results: body.values() });
      }
    } else if (id === SECTION.IMPORT) {
      for (let n = body.u32(); n > 0; n--) {
        const what = `${body.name()}.${body.name()}`;
        if (body.byte() !== EXTERNAL.FUNCTION) throw new Error(`unsupported import ${what}`);
        functionTypes.push(body.u32());
      }
    } else if (id === SECTION.FUNCTION) {
      for (let n = body.u32(); n > 0; n--) functionTypes.push(body.u32());
    } else if (id === SECTION.EXPORT) {
      for (let n = body.u32(); n > 0; n--) exports.push({ name: body.name(), kind: body.byte(), index: body.u32() });
    }
  }
  const functions = exports.filter((e) => e.kind === EXTERNAL.FUNCTION).map((e) => {
    const type = types[functionTypes[e.index] ?? -1];
    if (type === undefined) throw new Error(`export ${e.name} refers to a missing function or type`);
    return { name: e.name, ...type };
  });
  return { functions, memories: exports.filter((e) => e.kind === EXTERNAL.MEMORY).map((e) => e.name) };
}
