// Node-specific: the merged RootFS preset over this machine's directories (HostFs).
/**
 * `hostMergedRootfs` builds the merged RootFS preset from host paths: the RootFS directory, the
 * host root (the machine's `/` by default), an optional upper directory that keeps the guest's
 * changes, and the user's home as a bypass path. Each directory is served by a HostFs (confined:
 * no host symlink is ever followed by the host) and its real path is recorded for `hostPathOf`.
 */
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { errno } from '../../abi/errno.js';
import { HostFs } from '../../fs/hostfs/hostfs.js';
import { VfsError } from '../../vfs/errors.js';
import type { FileSystem } from '../../vfs/inode.js';
import type { ProcessOptions, VfsOptions } from '../../vfs/virtual_filesystem.js';
import type { EmulatedContent, EmulatedFileSpec } from './emulated_file.js';
import { MergedRootfs, type HostBackedFs } from './merged_rootfs.js';

/** Options of `hostMergedRootfs`. */
export interface HostMergedRootfsOptions {
  /** The RootFS: a host directory, or a filesystem (an image) with no host location. */
  readonly rootfs: string | FileSystem | HostBackedFs;
  /**
   * The host root (default '/'). Tests and tools give a scratch directory instead: everything,
   * bypass paths included, is then taken from inside it.
   */
  readonly host?: string;
  /** Bypass paths (default ROOTFS_DEFAULT_BYPASS). */
  readonly bypass?: readonly string[];
  /** The user's home, bypassed (default: this process's home directory; null: none). */
  readonly home?: string | null;
  /** A host directory (created beforehand) that keeps the guest's changes, or a filesystem (default: tmpfs). */
  readonly upper?: string | FileSystem | HostBackedFs;
  /** Mount vroot's procfs at /proc (default true). */
  readonly procfs?: boolean;
  /** Re-check names against the RootFS and the host on every lookup (default true). */
  readonly revalidate?: boolean;
  /** Generated read-only files at fixed guest paths. */
  readonly emulatedFiles?: Readonly<Record<string, EmulatedContent | EmulatedFileSpec>>;
  readonly vfs?: VfsOptions;
  readonly process?: ProcessOptions;
}

/** The real path of a host directory. Errors: the host's errno as a VfsError (ENOENT, EACCES...). */
function hostRealpath(path: string): string {
  try {
    return realpathSync(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code in errno) throw new VfsError(errno[code as keyof typeof errno], 'realpath', path);
    throw e;
  }
}

/** A merged RootFS whose host directories this module opened; `close` closes them too. */
export class HostMergedRootfs extends MergedRootfs {
  private readonly opened: HostFs[];

  constructor(options: HostMergedRootfsOptions) {
    const opened: HostFs[] = [];
    const open = (path: string, readOnly: boolean): HostBackedFs => {
      const real = hostRealpath(path);
      const fs = new HostFs(real, { readOnly });
      opened.push(fs);
      return { fs, hostPath: real };
    };
    try {
      const hostRoot = options.host ?? '/';
      const host = open(hostRoot, true);
      const hostWritable = open(hostRoot, false).fs;
      const rootfs = typeof options.rootfs === 'string' ? open(options.rootfs, true) : options.rootfs;
      const upper = typeof options.upper === 'string' ? open(options.upper, false) : options.upper;
      super({
        rootfs, host, hostWritable,
        home: options.home === undefined ? homedir() : options.home,
        ...(options.bypass === undefined ? {} : { bypass: options.bypass }),
        ...(upper === undefined ? {} : { upper }),
        ...(options.procfs === undefined ? {} : { procfs: options.procfs }),
        ...(options.revalidate === undefined ? {} : { revalidate: options.revalidate }),
        ...(options.emulatedFiles === undefined ? {} : { emulatedFiles: options.emulatedFiles }),
        ...(options.vfs === undefined ? {} : { vfs: options.vfs }),
        ...(options.process === undefined ? {} : { process: options.process }),
      });
    } catch (e) {
      for (const fs of opened) fs.close();
      throw e;
    }
    this.opened = opened;
  }

  /** Ends the preset's processes and closes the host directories it opened. */
  override close(): void {
    super.close();
    for (const fs of this.opened) fs.close();
  }
}

/**
 * The merged RootFS preset over host directories.
 *
 * @example
 * import { hostMergedRootfs } from 'vroot/node';
 * const r = hostMergedRootfs({ rootfs: '/opt/fex/RootFS/Ubuntu_24_04' });
 * r.process.readlinkat(AT_FDCWD, '/lib64/ld-linux-x86-64.so.2');   // the RootFS's own text
 * r.hostPathOf('/usr/bin/bash');   // '/opt/fex/RootFS/Ubuntu_24_04/usr/bin/bash'
 */
export function hostMergedRootfs(options: HostMergedRootfsOptions): HostMergedRootfs {
  return new HostMergedRootfs(options);
}
