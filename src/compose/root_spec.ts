// This module is browser compatible.
/**
 * What a composed root is made of, as one value shared by the command line and the API: read-only
 * layers merged under a writable upper, host directories bound into it, in-memory filesystems
 * mounted on it, and how the guest process sees it.
 *
 * @example
 * const spec: RootSpec = {
 *   layers: [{ image: 'base.erofs' }, { dir: 'app/' }],   // app/ lies on top of base.erofs
 *   upper: { dir: 'changes/' },                           // writes land in changes/
 *   binds: [{ host: '/srv/src', guest: '/work' }],
 *   tmpfs: [{ guest: '/tmp', size: 64 << 20 }],
 * };
 */
import type { FileSystem } from '../vfs/inode.js';

/**
 * One read-only layer. `path` lets the providers decide (a directory or an image file); `image`
 * and `dir` say which; `fs` is a filesystem built by the caller.
 */
export type LayerSpec = { path: string } | { image: string } | { dir: string } | { fs: FileSystem };

/**
 * Where writes go: an in-memory filesystem (the default; `size` caps its data in bytes), a host
 * directory that keeps them, or a filesystem built by the caller.
 */
export type UpperSpec = { tmpfs: true; size?: number } | { dir: string } | { fs: FileSystem };

/** A host file or directory shown at a guest path (read-write unless `readOnly`). */
export interface BindSpec {
  host: string;
  guest: string;
  readOnly?: boolean;
}

/** An empty in-memory filesystem mounted at a guest directory. */
export interface TmpfsMountSpec {
  guest: string;
  /** Largest total size of its file data, in bytes (default: unlimited). */
  size?: number;
}

/** A host file or tree copied into the root when it is built. */
export interface CopyInSpec {
  host: string;
  guest: string;
}

/**
 * A root filesystem to compose. Every field is optional; the empty spec is an empty in-memory
 * root.
 *
 * How it is built, in this order:
 * 1. `layers` are listed bottom first: each one lies on top of those before it (as in a
 *    Dockerfile, or `--layer base --layer app`). With layers, the root is an overlay of them
 *    under `upper`; without, the root is `upper` itself.
 * 2. `binds` and `tmpfs` are mounted, parents before children (sorted by path depth, stable);
 *    a missing mount point is created in the root (in the upper, when there are layers), a
 *    directory for a directory, an empty file for a file.
 * 3. `copyIn` copies host files and trees, after the mounts, so a copy may land in one.
 * 4. `proc` mounts procfs at /proc.
 * 5. `readOnly` remounts the root read-only: writes give EROFS. Binds keep their own mode and
 *    tmpfs mounts stay writable, as on Linux, where each mount has its own flag.
 */
export interface RootSpec {
  /** Read-only layers, bottom first. */
  layers?: LayerSpec[];
  /** Where writes go (default `{ tmpfs: true }`). */
  upper?: UpperSpec;
  /** Host paths bound into the root. */
  binds?: BindSpec[];
  /** In-memory filesystems mounted in the root. */
  tmpfs?: TmpfsMountSpec[];
  /** Host files and trees copied in. */
  copyIn?: CopyInSpec[];
  /** Mount the root read-only. */
  readOnly?: boolean;
  /** Mount procfs at /proc. */
  proc?: boolean;
  /**
   * The guest is a fake root: chown, chmod and mknod are recorded instead of applied (in the
   * upper's xattrs when the upper is a host directory, in memory otherwise), so they succeed
   * without host privilege. The process is uid 0 without CAP_SYS_ADMIN.
   */
  fakeRoot?: boolean;
  /** The guest's credentials (default uid 0 and gid 0 with every capability). Ignored with `fakeRoot`. */
  user?: { uid: number; gid: number; groups?: number[] };
  /** The guest's working directory (default '/'). */
  cwd?: string;
  /**
   * Case-insensitive, case-preserving directories (ext4 casefold semantics) in the whole root:
   * image and directory layers, the upper, binds of directories and tmpfs mounts all fold names
   * (what Windows and macOS programs expect). Layers and uppers given as `{ fs }` must fold
   * names themselves. Not with `fakeRoot`.
   */
  casefold?: boolean;
}
