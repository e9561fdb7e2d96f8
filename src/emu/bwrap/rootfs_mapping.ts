// This module is browser compatible.
/**
 * Where a host path named in a bwrap command line really is, for a program that runs over an
 * emulator's RootFS: pressure-vessel under FEX-Emu builds bwrap arguments from what it sees, and
 * what it sees as `/usr/lib/foo` may exist only inside the RootFS directory, where the real bwrap
 * (running on the host) will not find it.
 */
import { AT_FDCWD } from '../../abi/constants.js';
import { toByteString, type ByteString, type PathLike } from '../../vfs/bytes.js';
import { VfsError } from '../../vfs/errors.js';
import type { Mount } from '../../vfs/mount.js';
import { LOOKUP_FOLLOW } from '../../vfs/path_walk.js';
import type { Process } from '../../vfs/process.js';
import { pathComponents, prefixDepth } from '../_guest_paths.js';
import { ROOTFS_DEFAULT_BYPASS } from '../rootfs/bypass.js';

/** Where a host-path argument is found. */
export type HostPathResolution =
  /** On the host at the same path (bypassed, present on the host, or found nowhere): keep it. */
  | { readonly where: 'host' }
  /** Only in the RootFS, whose real location is `hostPath`: rewrite to it. */
  | { readonly where: 'rootfs'; readonly hostPath: ByteString };

/** Answers, for each host-path argument, where it really is. */
export interface RootfsMapping {
  resolve(path: ByteString): HostPathResolution;
}

export { ROOTFS_DEFAULT_BYPASS } from '../rootfs/bypass.js';

/** A mount that shows (part of) the RootFS, and the host directory shown at its root. */
export interface RootfsMount {
  readonly mount: Mount;
  readonly hostDir: PathLike;
}

/** Options of `rootfsMapping`. */
export interface RootfsMappingOptions {
  /** A process that sees the guest's view (the RootFS merged over the host). */
  readonly process: Process;
  /** The mounts that show the RootFS, with their host directories. */
  readonly rootfs: readonly RootfsMount[];
  /** Guest path prefixes always served from the host (default ROOTFS_DEFAULT_BYPASS). */
  readonly bypass?: readonly PathLike[];
  /**
   * Whether a path exists on the host itself. A path found there stays as it is: only paths that
   * exist in the RootFS alone are rewritten. Default: nothing exists on the host.
   */
  readonly hostExists?: (path: ByteString) => boolean;
}

/**
 * A RootfsMapping over a vroot process: bypassed prefixes and paths that exist on the host stay;
 * a path that resolves (symlinks followed inside the guest view) to a file on a RootFS mount is
 * rewritten to that mount's host directory plus the file's path inside the mount, so absolute
 * symlinks inside the RootFS never send bwrap to the host's own files.
 *
 * @example
 * const rootfsMount = vfs.mount(new HostFs('/opt/fex/RootFS'), '/');
 * const mapping = rootfsMapping({ process: p, rootfs: [{ mount: rootfsMount, hostDir: '/opt/fex/RootFS' }],
 *   bypass: [...ROOTFS_DEFAULT_BYPASS, homedir()], hostExists: (path) => existsSync(path) });
 */
export function rootfsMapping(options: RootfsMappingOptions): RootfsMapping {
  const p = options.process;
  const bypass = (options.bypass ?? ROOTFS_DEFAULT_BYPASS).map((b) => pathComponents(toByteString(b)));
  const hostExists = options.hostExists ?? (() => false);
  const mounts = options.rootfs.map((r) => ({ mount: r.mount, hostDir: toByteString(r.hostDir) }));
  return {
    resolve(path: ByteString): HostPathResolution {
      const absolute = path.startsWith('/') ? path : `${p.getcwdRaw()}/${path}`;
      // Bypass prefixes are compared lexically: `..` in an argument is resolved as text here.
      const parts = pathComponents(absolute);
      if (bypass.some((b) => prefixDepth(parts, b) >= 0)) return { where: 'host' };
      if (hostExists(absolute)) return { where: 'host' };
      let found;
      try {
        found = p.lookupPath(AT_FDCWD, absolute, LOOKUP_FOLLOW, 0);
      } catch (e) {
        if (e instanceof VfsError) return { where: 'host' };
        throw e;
      }
      const m = mounts.find((r) => r.mount === found.mount);
      if (m === undefined) return { where: 'host' };
      const inner = p.vfs.pathOf(found, { mount: m.mount, dentry: m.mount.root }).path;
      const dir = m.hostDir.endsWith('/') && m.hostDir.length > 1 ? m.hostDir.slice(0, -1) : m.hostDir;
      return { where: 'rootfs', hostPath: inner === '/' ? dir : dir === '/' ? inner : dir + inner };
    },
  };
}
