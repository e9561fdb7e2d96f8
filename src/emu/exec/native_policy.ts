// This module is browser compatible.
/**
 * What runs natively, what the emulator runs, and where a native program lives on the host: the
 * part of an exec decision that belongs to the embedder. A merged RootFS knows the host location
 * of every guest file; a simple prefix mapping serves tests and fixed layouts.
 */
import { toByteString, type ByteString } from '../../vfs/bytes.js';
import type { Process } from '../../vfs/process.js';
import { pathComponents, prefixDepth } from '../_guest_paths.js';
import type { BinaryHeader } from './binary_header.js';

/** The embedder's answers for an exec decision. */
export interface NativePolicy {
  /** True when the host runs this program itself (its CPU, a format the host kernel loads). */
  isNative(header: BinaryHeader): boolean;
  /** True when the emulator runs this program. Asked only when `isNative` said no. */
  canEmulate(header: BinaryHeader): boolean;
  /**
   * The host path (a byte string) a native program runs from, or null when it has none.
   * `guestPath` is the program as `process` resolved it: absolute from the process root,
   * symlinks followed.
   */
  hostPathOf(process: Process, guestPath: ByteString): ByteString | null;
}

/** A kind of program: an ELF machine (and class), a Mach-O cputype, a PE machine, or wasm. */
export type ProgramKind =
  | { readonly format: 'elf'; readonly machine: number; readonly class?: 32 | 64 }
  | { readonly format: 'macho'; readonly cputype: number }
  | { readonly format: 'pe'; readonly machine: number }
  | { readonly format: 'wasm'; readonly layer?: number };

/** True when `header` is a program of `kind` (a fat Mach-O when any of its architectures is). */
export function isProgramKind(header: BinaryHeader, kind: ProgramKind): boolean {
  switch (kind.format) {
    case 'elf':
      return header.format === 'elf' && header.machine === kind.machine &&
        (kind.class === undefined || header.class === kind.class);
    case 'macho':
      if (header.format === 'macho') return header.cputype === kind.cputype;
      return header.format === 'macho-fat' && header.arches.some((a) => a.cputype === kind.cputype);
    case 'pe':
      return header.format === 'pe' && header.machine === kind.machine;
    case 'wasm':
      return header.format === 'wasm' && (kind.layer === undefined || header.layer === kind.layer);
  }
}

/** A guest directory served from a host directory. */
export interface HostPathMapping {
  /** An absolute guest path, e.g. `'/'` or `'/usr'`. */
  readonly guest: string;
  /** The host directory that holds it, e.g. `'/srv/rootfs'`. */
  readonly host: string;
}

/** Options of `mappedNativePolicy`. */
export interface MappedNativePolicyOptions {
  /** Programs the host runs. */
  readonly native: readonly ProgramKind[];
  /** Programs the emulator runs. */
  readonly emulated?: readonly ProgramKind[];
  /** Where guest paths live on the host; the longest matching guest prefix wins. */
  readonly hostPaths: readonly HostPathMapping[];
}

/**
 * The host path of `guestPath` under the longest matching mapping, or null. Prefixes match
 * whole components: `/usr` maps `/usr/bin` but not `/usrx`.
 */
export function mapGuestPath(mappings: readonly HostPathMapping[], guestPath: ByteString): ByteString | null {
  const parts = pathComponents(guestPath);
  let best: { depth: number; host: ByteString } | null = null;
  for (const m of mappings) {
    const depth = prefixDepth(parts, pathComponents(toByteString(m.guest)));
    if (depth >= 0 && (best === null || depth > best.depth)) best = { depth, host: toByteString(m.host) };
  }
  if (best === null) return null;
  const rest = parts.slice(best.depth).join('/');
  if (rest === '') return best.host;
  return best.host.endsWith('/') ? best.host + rest : `${best.host}/${rest}`;
}

/**
 * A NativePolicy from fixed lists of program kinds and a guest-to-host path mapping.
 *
 * @example
 * // An x86-64 emulator on an arm64 host; the guest root is the RootFS directory.
 * const policy = mappedNativePolicy({
 *   native: [{ format: 'elf', machine: EM_AARCH64 }],
 *   emulated: [{ format: 'elf', machine: EM_X86_64 }, { format: 'elf', machine: EM_386 }],
 *   hostPaths: [{ guest: '/', host: '/opt/fex/RootFS/Ubuntu' }],
 * });
 */
export function mappedNativePolicy(options: MappedNativePolicyOptions): NativePolicy {
  const native = [...options.native];
  const emulated = [...(options.emulated ?? [])];
  const mappings = [...options.hostPaths];
  return {
    isNative: (header) => native.some((k) => isProgramKind(header, k)),
    canEmulate: (header) => emulated.some((k) => isProgramKind(header, k)),
    hostPathOf: (_process, guestPath) => mapGuestPath(mappings, guestPath),
  };
}
