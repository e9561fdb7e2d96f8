// This module is browser compatible.
/**
 * What kind of program a file is, from its first bytes: ELF, Mach-O (thin or fat), PE (or a bare
 * MS-DOS executable), WebAssembly, a `#!` script, or unknown.
 */
import { readPadded, type ByteSource } from './byte_source.js';
import { parseElfHeader, type ElfHeader } from './elf.js';
import { parseFatMachOHeader, parseMachOHeader, type FatMachOHeader, type MachOHeader } from './mach_o.js';
import { parsePeHeader, type MzHeader, type PeHeader } from './pe.js';
import { BINPRM_BUF_SIZE, FEX_SHEBANG_READ_SIZE } from './shebang.js';
import { parseWasmHeader, type WasmHeader } from './wasm.js';

/** A file starting with `#!`; the line is parsed by the exec decision in the chosen dialect. */
export interface ScriptHeader {
  readonly format: 'script';
}

/** A file in none of the known formats (ENOEXEC for the kernel). */
export interface UnknownHeader {
  readonly format: 'unknown';
}

/** The header of a program file, told apart by `format`. */
export type BinaryHeader =
  | ElfHeader | MachOHeader | FatMachOHeader | PeHeader | MzHeader | WasmHeader | ScriptHeader | UnknownHeader;

/**
 * The first bytes of a file as the exec code reads them: 257 bytes (FEX's `#!` read size, one
 * more than the kernel's buffer), zero-padded, and how many the file really had.
 */
export interface FileHead {
  readonly bytes: Uint8Array;
  readonly count: number;
}

/** Reads a file's head. */
export function readFileHead(source: ByteSource): FileHead {
  return readPadded(source, 0, FEX_SHEBANG_READ_SIZE);
}

/**
 * Tells what program format a file has. Reads the head and, for ELF program headers, fat Mach-O
 * tables and PE headers, the few bytes those point at.
 *
 * @example
 * const h = readBinaryHeader(bufferSource(bytes));
 * if (h.format === 'elf') console.log(h.machineName, h.interpreter);
 */
export function readBinaryHeader(source: ByteSource, head: FileHead = readFileHead(source)): BinaryHeader {
  const b = head.bytes;
  if (b[0] === 0x23 && b[1] === 0x21) return { format: 'script' };
  const first = b.subarray(0, Math.min(head.count, BINPRM_BUF_SIZE));
  return parseElfHeader(source, first) ??
    parseMachOHeader(first) ??
    parseFatMachOHeader(source, first) ??
    parsePeHeader(source, first) ??
    parseWasmHeader(first) ??
    { format: 'unknown' };
}
