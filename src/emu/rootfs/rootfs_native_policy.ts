// This module is browser compatible.
/**
 * The exec policy of a merged RootFS: a program of the host's own kind runs natively from its
 * real host location (found through the merge, wherever the guest path leads: the RootFS, the
 * host, a bypass directory, a host-directory upper); any other ELF program or wasm module runs
 * under the emulator. A `#!` script whose interpreter is native is run by that interpreter with
 * the script's bare guest path (decideExec's rule), never a host path.
 */
import type { BinaryHeader } from '../exec/binary_header.js';
import { isProgramKind, type NativePolicy, type ProgramKind } from '../exec/native_policy.js';
import type { MergedRootfs } from './merged_rootfs.js';

/** Options of `rootfsNativePolicy`. */
export interface RootfsNativePolicyOptions {
  /** Programs the host runs itself, e.g. `[{ format: 'elf', machine: EM_X86_64 }]`. */
  readonly native: readonly ProgramKind[];
  /** Programs the emulator runs (default: every ELF program and wasm module that is not native). */
  readonly emulated?: readonly ProgramKind[];
}

/**
 * A NativePolicy whose host paths come from the merged RootFS. A native program with no host
 * location (written by the guest into a tmpfs upper, or inside an image) has none, and its
 * exec is refused with ENOEXEC by decideExec.
 *
 * @example
 * const policy = rootfsNativePolicy(rootfs, { native: [{ format: 'elf', machine: EM_X86_64 }] });
 * const d = decideExec(rootfs.process, '/usr/bin/python3', { policy, argv: ['python3'] });
 * if (d.kind === 'native') spawn(byteStringToUtf8(d.hostPath), d.argv.slice(1));
 */
export function rootfsNativePolicy(rootfs: MergedRootfs, options: RootfsNativePolicyOptions): NativePolicy {
  const native = [...options.native];
  const emulated = options.emulated === undefined ? null : [...options.emulated];
  return {
    isNative: (header: BinaryHeader) => native.some((k) => isProgramKind(header, k)),
    canEmulate: (header: BinaryHeader) => emulated === null
      ? header.format === 'elf' || header.format === 'wasm'
      : emulated.some((k) => isProgramKind(header, k)),
    hostPathOf: (process, guestPath) => rootfs.hostPathOf(guestPath, { process }),
  };
}
