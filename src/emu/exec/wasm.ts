// This module is browser compatible.
/**
 * WebAssembly binaries: the "\0asm" preamble and its version word, which tells a core module
 * (version 1, layer 0) from a component (layer 1) in the component model's binary format.
 */
import { u16 } from './_integers.js';

/** A WebAssembly module or component preamble. */
export interface WasmHeader {
  readonly format: 'wasm';
  /** The 16-bit version (1 for core modules). */
  readonly version: number;
  /** 0 for a core module, 1 for a component. */
  readonly layer: number;
}

/** Parses the preamble from the first 8 bytes, or null when the magic is absent. */
export function parseWasmHeader(first: Uint8Array): WasmHeader | null {
  if (first.length < 8 || first[0] !== 0 || first[1] !== 0x61 || first[2] !== 0x73 || first[3] !== 0x6d) return null;
  return { format: 'wasm', version: u16(first, 4, true), layer: u16(first, 6, true) };
}
