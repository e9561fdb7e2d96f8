// This module is browser compatible.
/**
 * The bwrap mapping of a merged RootFS (pressure-vessel's need): a host-path argument of a bwrap
 * command line built inside the guest names what the guest sees; bwrap runs on the host, so an
 * argument whose object really lies elsewhere (only in the RootFS, behind a RootFS symlink, in
 * a host-directory upper) is rewritten to that real host path.
 */
import { AT_FDCWD } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import { VfsError } from '../../vfs/errors.js';
import { LOOKUP_FOLLOW } from '../../vfs/path_walk.js';
import type { Process } from '../../vfs/process.js';
import type { HostPathResolution, RootfsMapping } from '../bwrap/rootfs_mapping.js';
import { isBypassed } from './bypass.js';
import type { MergedRootfs } from './merged_rootfs.js';

/** Options of `rootfsBwrapMapping`. */
export interface RootfsBwrapMappingOptions {
  /** The process whose view the command line was written in (default: the guest's first process). */
  readonly process?: Process;
  /**
   * Keep a path the host itself has at the same place (default true), as rootfsMapping does: the
   * sandbox then gets the host's object even where the guest sees the RootFS's.
   */
  readonly preferHost?: boolean;
}

/**
 * A RootfsMapping for `rewriteBwrapArgs`: bypass paths, paths the host has (with `preferHost`)
 * and paths found nowhere stay; others become the real host path of what the guest sees there,
 * when it has one.
 *
 * @example
 * const { commandLine } = rewriteBwrapArgs(parseBwrapArgs(argv), rootfsBwrapMapping(rootfs));
 */
export function rootfsBwrapMapping(rootfs: MergedRootfs, options: RootfsBwrapMappingOptions = {}): RootfsMapping {
  const p = options.process ?? rootfs.process;
  const preferHost = options.preferHost ?? true;
  const bypass = rootfs.bypassed.map((b) => b.guest);
  return {
    resolve(path: ByteString): HostPathResolution {
      const absolute = path.startsWith('/') ? path : `${p.getcwdRaw()}/${path}`;
      if (isBypassed(bypass, absolute)) return { where: 'host' };
      if (preferHost && rootfs.hostHas(absolute)) return { where: 'host' };
      let hostPath: ByteString | null;
      try {
        hostPath = rootfs.locateDentry(p.lookupPath(AT_FDCWD, absolute, LOOKUP_FOLLOW, 0)).hostPath;
      } catch (e) {
        if (e instanceof VfsError) return { where: 'host' };
        throw e;
      }
      if (hostPath === null || hostPath === absolute) return { where: 'host' };
      return { where: 'rootfs', hostPath };
    },
  };
}
