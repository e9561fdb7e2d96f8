// This module is browser compatible.

/** A point in time as the kernel keeps it: whole seconds since the epoch and nanoseconds. */
export interface Timespec {
  sec: number;
  nsec: number;
}

/**
 * File status, as `struct statx` carries it (Linux fs/stat.c:cp_statx). Times are
 * `{ sec, nsec }`; `ino` and `dev` identify an object for as long as it exists.
 */
export interface Stat {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  blksize: number;
  blocks: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  /** Creation time, where the filesystem records one. */
  btime: Timespec | undefined;
  /** The mount's id (statx stx_mnt_id). */
  mntId: number;
}

/** Filesystem statistics (struct statfs). */
export interface StatFs {
  type: number;
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  fsid: [number, number];
  namelen: number;
  frsize: number;
  flags: number;
}

/** Attribute changes for setattr (Linux struct iattr); absent fields are left as they are. */
export interface SetAttr {
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  atime?: Timespec;
  mtime?: Timespec;
  ctime?: Timespec;
}
