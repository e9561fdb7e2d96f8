// This module is browser compatible.
/**
 * PE/COFF executables (Microsoft's "PE Format" specification): the MS-DOS stub's e_lfanew, the
 * "PE\0\0" signature, the COFF file header and the optional header's magic and subsystem. A file
 * with only the DOS header is reported as an MS-DOS executable.
 */
import { readExact, type ByteSource } from './byte_source.js';
import { u16, u32 } from './_integers.js';

/** COFF Machine values. */
export const IMAGE_FILE_MACHINE_I386 = 0x14c;
export const IMAGE_FILE_MACHINE_ARM = 0x1c0;
export const IMAGE_FILE_MACHINE_ARMNT = 0x1c4;
export const IMAGE_FILE_MACHINE_IA64 = 0x200;
export const IMAGE_FILE_MACHINE_RISCV64 = 0x5064;
export const IMAGE_FILE_MACHINE_AMD64 = 0x8664;
export const IMAGE_FILE_MACHINE_ARM64 = 0xaa64;
export const IMAGE_FILE_MACHINE_ARM64EC = 0xa641;

const MACHINE_NAMES: Record<number, string> = {
  [IMAGE_FILE_MACHINE_I386]: 'i386', [IMAGE_FILE_MACHINE_ARM]: 'arm', [IMAGE_FILE_MACHINE_ARMNT]: 'armnt',
  [IMAGE_FILE_MACHINE_IA64]: 'ia64', [IMAGE_FILE_MACHINE_RISCV64]: 'riscv64', [IMAGE_FILE_MACHINE_AMD64]: 'amd64',
  [IMAGE_FILE_MACHINE_ARM64]: 'arm64', [IMAGE_FILE_MACHINE_ARM64EC]: 'arm64ec',
};

/** A PE image header. */
export interface PeHeader {
  readonly format: 'pe';
  /** COFF Machine. */
  readonly machine: number;
  readonly machineName: string;
  /** PE32+ (64-bit) rather than PE32. */
  readonly is64: boolean;
  /** COFF Characteristics (IMAGE_FILE_DLL = 0x2000 marks a DLL). */
  readonly characteristics: number;
  /** Optional header Subsystem (2 = Windows GUI, 3 = console), or -1 when absent. */
  readonly subsystem: number;
}

/** An MS-DOS executable: "MZ" without a PE header. */
export interface MzHeader {
  readonly format: 'mz';
}

const PE32_MAGIC = 0x10b;
const PE32PLUS_MAGIC = 0x20b;

/** Parses a PE header (or the MS-DOS header alone) from a file starting with "MZ", or null. */
export function parsePeHeader(source: ByteSource, first: Uint8Array): PeHeader | MzHeader | null {
  if (first.length < 64 || first[0] !== 0x4d || first[1] !== 0x5a) return null;
  const lfanew = u32(first, 0x3c, true);
  // The signature and the COFF file header; the optional header follows, up to its Subsystem.
  const nt = readExact(source, lfanew, 4 + 20);
  if (nt === null || nt[0] !== 0x50 || nt[1] !== 0x45 || nt[2] !== 0 || nt[3] !== 0) return { format: 'mz' };
  const machine = u16(nt, 4, true);
  const optionalSize = u16(nt, 20, true);
  const characteristics = u16(nt, 22, true);
  let is64 = false;
  let subsystem = -1;
  if (optionalSize >= 70) {
    const opt = readExact(source, lfanew + 24, 70);
    if (opt !== null) {
      const magic = u16(opt, 0, true);
      is64 = magic === PE32PLUS_MAGIC;
      if (magic === PE32_MAGIC || magic === PE32PLUS_MAGIC) subsystem = u16(opt, 68, true);
    }
  }
  const machineName = MACHINE_NAMES[machine] ?? `machine-${machine}`;
  return { format: 'pe', machine, machineName, is64, characteristics, subsystem };
}
