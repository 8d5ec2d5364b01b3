// Loading hpet.wasm: from bytes, a file path, a URL or an already compiled module. Compiled
// modules are cached by source, so many instances share one compilation.

import { HpetError } from "./errors.ts";
import { wasm, type WasmBytes, type WasmModule } from "./wasm.ts";

export type ModuleSource = WasmModule | WasmBytes | URL | string;

const SHIPPED_MODULE = "hpet-wasm/hpet.wasm";

const cache = new Map<string, Promise<WasmModule>>();

/**
 * The module shipped with this package, found through `import.meta.resolve` (Node). Where that
 * cannot find it (a browser, a bundle), throws an HpetError saying to pass the module instead.
 */
export function defaultModuleUrl(): URL {
  return shippedModuleUrl(typeof import.meta.resolve === "function" ? import.meta.resolve : undefined);
}

/** defaultModuleUrl with the resolver given: `undefined` where the platform has none. */
export function shippedModuleUrl(resolve: ((specifier: string) => string) | undefined): URL {
  let url: URL | undefined;
  try {
    url = resolve === undefined ? undefined : new URL(resolve(SHIPPED_MODULE));
  } catch {
    url = undefined;
  }
  if (url === undefined) {
    throw new HpetError("no-module", `cannot locate ${SHIPPED_MODULE} here (only Node finds it by itself): `
      + "pass the module option, as a URL, the module's bytes or a compiled WebAssembly.Module");
  }
  return url;
}

export async function compileModule(source?: ModuleSource): Promise<WasmModule> {
  const from = source ?? defaultModuleUrl();
  if (from instanceof wasm.Module) return from;
  if (typeof from !== "string" && !(from instanceof URL)) return wasm.compile(from as WasmBytes);
  const key = from.toString();
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = fetchBytes(from).then((bytes) => wasm.compile(bytes));
    cache.set(key, compiled);
    compiled.catch(() => cache.delete(key));
  }
  return compiled;
}

async function fetchBytes(source: URL | string): Promise<WasmBytes> {
  const isPath = typeof source === "string" && !/^[a-z][a-z0-9+.-]+:/i.test(source);
  const url = isPath ? undefined : new URL(source);
  if (url === undefined || url.protocol === "file:") {
    const { readFile } = await import("node:fs/promises");
    return readFile(url ?? source);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch ${url.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}
