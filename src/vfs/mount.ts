// This module is browser compatible.
/**
 * Mounts (Linux `struct mount`): a filesystem, or a subtree of one (a bind mount), attached at a
 * dentry of a parent mount. Mounts are keyed by (parent mount, dentry), never by path strings,
 * so renames and chroots cannot confuse them.
 */
import { MS_NOATIME, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY } from '../abi/constants.js';
import type { Dentry } from './dentry.js';
import type { FileSystem } from './inode.js';

let nextMountId = 1;

/** Per-mount options. */
export interface MountOptions {
  /** Writes through this mount fail with EROFS. */
  readOnly?: boolean;
  /** set-user-ID and set-group-ID bits are ignored on exec. */
  nosuid?: boolean;
  /** Files cannot be executed (EACCES). */
  noexec?: boolean;
  /** Device nodes cannot be opened (EACCES). */
  nodev?: boolean;
  /** Access times are never updated. */
  noatime?: boolean;
}

export class Mount {
  readonly id = nextMountId++;
  readonly fs: FileSystem;
  /** The dentry this mount shows at its top (the fs root, or a subdirectory for bind mounts). */
  readonly root: Dentry;
  /** The mount this one is attached to, null for the namespace root. */
  parent: Mount | null;
  /** The dentry of `parent` this mount covers. */
  mountpoint: Dentry | null;
  /** MS_* flags. */
  flags: number;
  /** Mounts attached to dentries of this mount: the dentry maps to the mount on top of it. */
  readonly children = new Map<Dentry, Mount>();
  /** Open files and fs contexts using this mount (umount gives EBUSY while non-zero). */
  refs = 0;
  /** Detached by umount; lookups never reach it again. */
  detached = false;

  constructor(fs: FileSystem, root: Dentry, parent: Mount | null, mountpoint: Dentry | null, flags: number) {
    this.fs = fs;
    this.root = root;
    this.parent = parent;
    this.mountpoint = mountpoint;
    this.flags = flags;
  }

  get readOnly(): boolean {
    return (this.flags & MS_RDONLY) !== 0 || this.fs.isReadOnly();
  }

  get noexec(): boolean {
    return (this.flags & MS_NOEXEC) !== 0;
  }

  get nodev(): boolean {
    return (this.flags & MS_NODEV) !== 0;
  }

  get nosuid(): boolean {
    return (this.flags & MS_NOSUID) !== 0;
  }

  get noatime(): boolean {
    return (this.flags & MS_NOATIME) !== 0;
  }
}

/** Converts MountOptions to MS_* flags. */
export function mountFlags(options: MountOptions): number {
  let f = 0;
  if (options.readOnly) f |= MS_RDONLY;
  if (options.nosuid) f |= MS_NOSUID;
  if (options.noexec) f |= MS_NOEXEC;
  if (options.nodev) f |= MS_NODEV;
  if (options.noatime) f |= MS_NOATIME;
  return f;
}

/** A position in the mount tree: a dentry as seen through a mount (Linux `struct path`). */
export interface VirtualDentry {
  mount: Mount;
  dentry: Dentry;
}
