// This module is browser compatible.
/**
 * The parts of the WebAssembly JavaScript API the WASI host uses, typed here because the
 * project compiles without the DOM library (which is where TypeScript declares `WebAssembly`).
 * Every JavaScript engine that runs vroot provides the global.
 */

/** A compiled module (WebAssembly.Module). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

/** An instance (WebAssembly.Instance). */
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

/** A linear memory (WebAssembly.Memory). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** One import or export of a module. */
export interface WasmModuleEntry {
  module?: string;
  name: string;
  kind: string;
}

/** An import object: module name → field name → function, memory, table or global. */
export type WasmImports = Record<string, Record<string, unknown>>;

/** The WebAssembly namespace. */
export interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports?: WasmImports): Promise<WasmInstance>;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: {
    imports(module: WasmModule): WasmModuleEntry[];
    exports(module: WasmModule): WasmModuleEntry[];
  };
}

/** The engine's WebAssembly namespace. */
export const Wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** True when `value` is a WebAssembly.Memory. */
export function isWasmMemory(value: unknown): value is WasmMemory {
  const MemoryClass = (globalThis as unknown as { WebAssembly: { Memory: abstract new (...a: never[]) => unknown } }).WebAssembly.Memory;
  return value instanceof MemoryClass;
}
