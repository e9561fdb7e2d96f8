// This module is browser compatible.
/**
 * Mach-O headers (Apple's <mach-o/loader.h> and <mach-o/fat.h>): thin images in either byte
 * order and 32/64-bit layout, and fat (universal) files with their architecture tables.
 */
import { readExact, type ByteSource } from './byte_source.js';
import { i32, u32, u64 } from './_integers.js';

/** cputype values. */
export const CPU_ARCH_ABI64 = 0x01000000;
export const CPU_ARCH_ABI64_32 = 0x02000000;
export const CPU_TYPE_X86 = 7;
export const CPU_TYPE_X86_64 = CPU_TYPE_X86 | CPU_ARCH_ABI64;
export const CPU_TYPE_ARM = 12;
export const CPU_TYPE_ARM64 = CPU_TYPE_ARM | CPU_ARCH_ABI64;
export const CPU_TYPE_ARM64_32 = CPU_TYPE_ARM | CPU_ARCH_ABI64_32;
export const CPU_TYPE_POWERPC = 18;
export const CPU_TYPE_POWERPC64 = CPU_TYPE_POWERPC | CPU_ARCH_ABI64;

/** filetype values. */
export const MH_OBJECT = 1;
export const MH_EXECUTE = 2;
export const MH_DYLIB = 6;
export const MH_DYLINKER = 7;
export const MH_BUNDLE = 8;

const MH_MAGIC = 0xfeedface;
const MH_MAGIC_64 = 0xfeedfacf;
const MH_CIGAM = 0xcefaedfe;
const MH_CIGAM_64 = 0xcffaedfe;
const FAT_MAGIC = 0xcafebabe;
const FAT_MAGIC_64 = 0xcafebabf;
/**
 * Java class files share FAT_MAGIC; their next word is the class version (45 and up), where a
 * fat Mach-O has its architecture count. Apple's tools and file(1) tell them apart the same way.
 */
const FAT_MAX_ARCHES = 44;

const CPU_NAMES: Record<number, string> = {
  [CPU_TYPE_X86]: 'i386', [CPU_TYPE_X86_64]: 'x86_64', [CPU_TYPE_ARM]: 'arm',
  [CPU_TYPE_ARM64]: 'arm64', [CPU_TYPE_ARM64_32]: 'arm64_32', [CPU_TYPE_POWERPC]: 'ppc',
  [CPU_TYPE_POWERPC64]: 'ppc64',
};

/** The usual name of a Mach-O cputype (`0x0100000c` → `'arm64'`), or `'cpu-<n>'`. */
export function machOCpuName(cputype: number): string {
  return CPU_NAMES[cputype] ?? `cpu-${cputype}`;
}

/** A thin Mach-O image header (mach_header / mach_header_64). */
export interface MachOHeader {
  readonly format: 'macho';
  readonly is64: boolean;
  readonly endian: 'little' | 'big';
  readonly cputype: number;
  readonly cpusubtype: number;
  readonly cpuName: string;
  /** MH_EXECUTE, MH_DYLIB, ... */
  readonly filetype: number;
  readonly ncmds: number;
  readonly flags: number;
}

/** One architecture of a fat file (fat_arch / fat_arch_64). */
export interface FatArch {
  readonly cputype: number;
  readonly cpusubtype: number;
  readonly cpuName: string;
  readonly offset: number;
  readonly size: number;
  /** Alignment as a power of two. */
  readonly align: number;
}

/** A fat (universal) Mach-O file. */
export interface FatMachOHeader {
  readonly format: 'macho-fat';
  /** FAT_MAGIC_64 tables have 64-bit offsets and sizes. */
  readonly is64: boolean;
  readonly arches: readonly FatArch[];
}

/** Parses a thin Mach-O header from the first bytes (at least 32 available), or null. */
export function parseMachOHeader(first: Uint8Array): MachOHeader | null {
  if (first.length < 28) return null;
  const magic = u32(first, 0, false);
  let le: boolean;
  let is64: boolean;
  if (magic === MH_MAGIC || magic === MH_MAGIC_64) {
    le = false;
    is64 = magic === MH_MAGIC_64;
  } else if (magic === MH_CIGAM || magic === MH_CIGAM_64) {
    le = true;
    is64 = magic === MH_CIGAM_64;
  } else {
    return null;
  }
  const cputype = i32(first, 4, le);
  return {
    format: 'macho', is64, endian: le ? 'little' : 'big', cputype, cpusubtype: i32(first, 8, le),
    cpuName: machOCpuName(cputype), filetype: u32(first, 12, le), ncmds: u32(first, 16, le), flags: u32(first, 24, le),
  };
}

/**
 * Parses a fat Mach-O header and its architecture table, or returns null (not fat, a Java class
 * file, or a table that does not fit in the file).
 */
export function parseFatMachOHeader(source: ByteSource, first: Uint8Array): FatMachOHeader | null {
  if (first.length < 8) return null;
  const magic = u32(first, 0, false);
  if (magic !== FAT_MAGIC && magic !== FAT_MAGIC_64) return null;
  const is64 = magic === FAT_MAGIC_64;
  const n = u32(first, 4, false);
  if (n === 0 || n > FAT_MAX_ARCHES) return null;
  const entry = is64 ? 32 : 20;
  const table = readExact(source, 8, n * entry);
  if (table === null) return null;
  const arches: FatArch[] = [];
  for (let i = 0; i < n; i++) {
    const p = i * entry;
    const cputype = i32(table, p, false);
    arches.push({
      cputype, cpusubtype: i32(table, p + 4, false), cpuName: machOCpuName(cputype),
      offset: is64 ? u64(table, p + 8, false) : u32(table, p + 8, false),
      size: is64 ? u64(table, p + 16, false) : u32(table, p + 12, false),
      align: u32(table, p + (is64 ? 24 : 16), false),
    });
  }
  return { format: 'macho-fat', is64, arches };
}
