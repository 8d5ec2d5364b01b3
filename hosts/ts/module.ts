// Loading hpet.wasm: from bytes, a file path, a URL or an already compiled module. Compiled
// modules are cached by source, so many instances share one compilation.

export type ModuleSource = WebAssembly.Module | BufferSource | URL | string;

const cache = new Map<string, Promise<WebAssembly.Module>>();

/** The module shipped with this package (Node; a browser passes a URL or bytes instead). */
export function defaultModuleUrl(): URL {
  return new URL(import.meta.resolve("hpet-wasm/hpet.wasm"));
}

export function compileModule(source: ModuleSource = defaultModuleUrl()): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (typeof source !== "string" && !(source instanceof URL)) return WebAssembly.compile(source);
  const key = source.toString();
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = fetchBytes(source).then((bytes) => WebAssembly.compile(bytes));
    cache.set(key, compiled);
    compiled.catch(() => cache.delete(key));
  }
  return compiled;
}

async function fetchBytes(source: URL | string): Promise<BufferSource> {
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
