// This module is browser compatible.
/**
 * ELF headers (include/uapi/linux/elf.h, elf-em.h) and the checks fs/binfmt_elf.c:load_elf_binary
 * makes before it commits to an executable: the file type, the program header table, and the
 * PT_INTERP program interpreter.
 */
import { PATH_MAX } from '../../abi/limits.js';
import type { ByteString } from '../../vfs/bytes.js';
import { VfsError, vfsError } from '../../vfs/errors.js';
import { readExact, type ByteSource } from './byte_source.js';
import { u16, u32, u64 } from './_integers.js';

/** e_type values. */
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

/** Program header types. */
export const PT_INTERP = 3;

/** e_machine values (include/uapi/linux/elf-em.h). */
export const EM_386 = 3;
export const EM_68K = 4;
export const EM_MIPS = 8;
export const EM_PARISC = 15;
export const EM_PPC = 20;
export const EM_PPC64 = 21;
export const EM_S390 = 22;
export const EM_ARM = 40;
export const EM_SH = 42;
export const EM_SPARCV9 = 43;
export const EM_IA_64 = 50;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;
export const EM_BPF = 247;
export const EM_LOONGARCH = 258;

const MACHINE_NAMES: Record<number, string> = {
  [EM_386]: 'i386', [EM_68K]: 'm68k', [EM_MIPS]: 'mips', [EM_PARISC]: 'parisc', [EM_PPC]: 'ppc',
  [EM_PPC64]: 'ppc64', [EM_S390]: 's390', [EM_ARM]: 'arm', [EM_SH]: 'sh', [EM_SPARCV9]: 'sparc64',
  [EM_IA_64]: 'ia64', [EM_X86_64]: 'x86_64', [EM_AARCH64]: 'aarch64', [EM_RISCV]: 'riscv',
  [EM_BPF]: 'bpf', [EM_LOONGARCH]: 'loongarch',
};

/** The usual name of an ELF machine (`62` → `'x86_64'`), or `'em-<n>'`. */
export function elfMachineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `em-${machine}`;
}

/**
 * The ELF machine of a Node.js `process.arch` value (`'x64'` → EM_X86_64), or null when the
 * name is unknown; lets callers describe "the host CPU" without vroot reading it itself.
 */
export function elfMachineOfArch(arch: string): number | null {
  switch (arch) {
    case 'x64': return EM_X86_64;
    case 'ia32': return EM_386;
    case 'arm64': return EM_AARCH64;
    case 'arm': return EM_ARM;
    case 'riscv64': return EM_RISCV;
    case 'ppc64': return EM_PPC64;
    case 'ppc': return EM_PPC;
    case 's390x': return EM_S390;
    case 'loong64': return EM_LOONGARCH;
    case 'mips': case 'mipsel': return EM_MIPS;
    default: return null;
  }
}

/** What an ELF file header says (Elf32_Ehdr / Elf64_Ehdr). */
export interface ElfHeader {
  readonly format: 'elf';
  /** ELFCLASS32 or ELFCLASS64. */
  readonly class: 32 | 64;
  readonly endian: 'little' | 'big';
  /** e_ident[EI_OSABI]. */
  readonly osabi: number;
  /** e_type: ET_EXEC, ET_DYN, ... */
  readonly type: number;
  /** e_machine: EM_X86_64, EM_AARCH64, ... */
  readonly machine: number;
  readonly machineName: string;
  readonly phoff: number;
  readonly phentsize: number;
  readonly phnum: number;
  /**
   * The PT_INTERP program interpreter as the kernel would open it (up to its first NUL), or null
   * when there is none or the table is malformed (see `elfLoadCheck` for the errors).
   */
  readonly interpreter: ByteString | null;
}

/** True when the bytes start with the ELF magic, "\x7fELF". */
export function hasElfMagic(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

/**
 * Parses the ELF header from the first bytes of a file (at least 64 available, zero-padded).
 * Returns null when the magic, EI_CLASS or EI_DATA is not valid ELF.
 */
export function parseElfHeader(source: ByteSource, first: Uint8Array): ElfHeader | null {
  if (!hasElfMagic(first) || first.length < 64) return null;
  const cls = first[4];
  const data = first[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return null;
  const le = data === 1;
  const is64 = cls === 2;
  const type = u16(first, 16, le);
  const machine = u16(first, 18, le);
  const phoff = is64 ? u64(first, 32, le) : u32(first, 28, le);
  const phentsize = u16(first, is64 ? 54 : 42, le);
  const phnum = u16(first, is64 ? 56 : 44, le);
  const base: Omit<ElfHeader, 'interpreter'> = {
    format: 'elf', class: is64 ? 64 : 32, endian: le ? 'little' : 'big', osabi: first[7]!, type, machine,
    machineName: elfMachineName(machine), phoff, phentsize, phnum,
  };
  let interpreter: ByteString | null = null;
  try {
    interpreter = findInterpreter(source, base, 65536);
  } catch (e) {
    if (!(e instanceof VfsError)) throw e;
  }
  return { ...base, interpreter };
}

/** Options of `elfLoadCheck`. */
export interface ElfLoadOptions {
  /** ELF_MIN_ALIGN of the target: the largest program header table the kernel reads (4096). */
  readonly minAlign?: number;
}

/**
 * The checks load_elf_binary makes before it opens the program interpreter, in its order:
 * e_type (ENOEXEC for anything but ET_EXEC/ET_DYN), the program header table (load_elf_phdrs:
 * entry size, count, a table that ends past the file: ENOEXEC), then the first PT_INTERP
 * (size below 2 or over PATH_MAX: ENOEXEC; a short read: EIO; no terminating NUL: ENOEXEC).
 * Returns the interpreter path, or null for a static executable.
 */
export function elfLoadCheck(source: ByteSource, header: ElfHeader, options: ElfLoadOptions = {}): ByteString | null {
  if (header.type !== ET_EXEC && header.type !== ET_DYN) throw vfsError('ENOEXEC', 'not an executable ELF type');
  return findInterpreter(source, header, options.minAlign ?? 4096);
}

/**
 * fs/binfmt_elf.c:load_elf_phdrs: the program header table must hold entries of the class's
 * size, 1 to 65536/entry-size of them, fitting in `minAlign` bytes, all inside the file.
 * Returns the table. Errors: ENOEXEC.
 */
export function readProgramHeaders(source: ByteSource, h: Omit<ElfHeader, 'interpreter'>, minAlign = 4096): Uint8Array {
  const entry = h.class === 64 ? 56 : 32;
  if (h.phentsize !== entry) throw vfsError('ENOEXEC', 'bad program header size');
  const size = entry * h.phnum;
  if (size === 0 || size > 65536 || size > minAlign) throw vfsError('ENOEXEC', 'bad program header count');
  const table = readExact(source, h.phoff, size);
  if (table === null) throw vfsError('ENOEXEC', 'program headers past the end of the file');
  return table;
}

/** The program header table, then the first PT_INTERP, as load_elf_binary reads them. */
function findInterpreter(source: ByteSource, h: Omit<ElfHeader, 'interpreter'>, minAlign: number): ByteString | null {
  const le = h.endian === 'little';
  const entry = h.class === 64 ? 56 : 32;
  const table = readProgramHeaders(source, h, minAlign);
  for (let i = 0; i < h.phnum; i++) {
    const p = i * entry;
    if (u32(table, p, le) !== PT_INTERP) continue;
    const offset = h.class === 64 ? u64(table, p + 8, le) : u32(table, p + 4, le);
    const filesz = h.class === 64 ? u64(table, p + 32, le) : u32(table, p + 16, le);
    if (filesz > PATH_MAX || filesz < 2) throw vfsError('ENOEXEC', 'bad PT_INTERP size');
    const body = readExact(source, offset, filesz);
    if (body === null) throw vfsError('EIO', 'PT_INTERP past the end of the file');
    if (body[filesz - 1] !== 0) throw vfsError('ENOEXEC', 'PT_INTERP is not NUL-terminated');
    let s = '';
    for (let j = 0; j < filesz && body[j] !== 0; j++) s += String.fromCharCode(body[j]!);
    return s;
  }
  return null;
}
