// The part of the WebAssembly JavaScript API this host uses, typed here. TypeScript declares
// WebAssembly only in its DOM and web worker libraries; with this subset the package builds,
// and its declarations compile in a project, with ES2022 and Node's types alone. The types are
// structural, so the DOM library's WebAssembly.Module and friends fit them.

/** A compiled module (a `WebAssembly.Module`): opaque, as that is. */
export interface WasmModule {}

/** A module instance's linear memory (a `WebAssembly.Memory`). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/** An instantiated module (a `WebAssembly.Instance`). */
export interface WasmInstance {
  readonly exports: object;
}

/** An import or export of a module, as `WebAssembly.Module.imports`/`exports` list them. */
export interface WasmEntry {
  readonly name: string;
  readonly kind: string;
}

/** The bytes of a module. */
export type WasmBytes = ArrayBuffer | ArrayBufferView;

interface WasmApi {
  readonly Module: {
    new (bytes: WasmBytes): WasmModule;
    imports(module: WasmModule): (WasmEntry & { readonly module: string })[];
    exports(module: WasmModule): WasmEntry[];
  };
  readonly Instance: new (module: WasmModule, imports: object) => WasmInstance;
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
  compile(bytes: WasmBytes): Promise<WasmModule>;
}

/** The global `WebAssembly` object, with the types above. */
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
