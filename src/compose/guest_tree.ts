// This module is browser compatible.
/**
 * A guest tree for `copyTree`: every access goes through a vroot Process, so paths resolve in the
 * guest's root with Linux's rules and nothing reaches the host except through what is mounted.
 */
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_CREAT, O_DIRECTORY, O_RDONLY, O_TRUNC, O_WRONLY,
} from '../abi/constants.js';
import { byteStringToBytes, byteStringToUtf8, type ByteString, type PathLike } from '../vfs/bytes.js';
import { VfsError } from '../vfs/errors.js';
import type { Process } from '../vfs/process.js';
import type { Stat } from '../vfs/stat.js';
import { kindOfMode, modeOfKind, type TreeAccess, type TreeStat } from './tree_copy.js';

/** A byte-string path as the Process API takes it (bytes when it holds non-ASCII bytes). */
export function guestPath(path: ByteString): PathLike {
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) > 0x7f) return byteStringToBytes(path);
  return path;
}

/** A Stat as a TreeStat. */
export function treeStatOf(st: Stat): TreeStat {
  return {
    kind: kindOfMode(st.mode), mode: st.mode & 0o7777, size: st.size, rdev: st.rdev,
    atime: st.atime, mtime: st.mtime, dev: st.dev, ino: st.ino,
  };
}

function orNull(fn: () => Stat): TreeStat | null {
  try {
    return treeStatOf(fn());
  } catch (e) {
    if (e instanceof VfsError && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return null;
    throw e;
  }
}

/** Lists a directory's names (without `.` and `..`) in the order the filesystem gives them. */
export function listNames(p: Process, path: ByteString): ByteString[] {
  const fd = p.openat(AT_FDCWD, guestPath(path), O_RDONLY | O_DIRECTORY);
  try {
    const names: ByteString[] = [];
    for (;;) {
      const batch = p.getdents64(fd);
      if (batch.length === 0) return names;
      for (const d of batch) if (d.rawName !== '.' && d.rawName !== '..') names.push(d.rawName);
    }
  } finally {
    p.close(fd);
  }
}

/**
 * The guest side of a copy, through `p`.
 *
 * @example
 * copyTree(hostTree, '/etc/hosts', guestTree(p), '/etc/hosts', options, strerror);
 */
export function guestTree(p: Process): TreeAccess {
  return {
    lstat: (path) => orNull(() => p.fstatat(AT_FDCWD, guestPath(path), AT_SYMLINK_NOFOLLOW)),
    stat: (path) => orNull(() => p.fstatat(AT_FDCWD, guestPath(path))),
    list: (path) => listNames(p, path),
    readlink: (path) => p.readlinkRaw(AT_FDCWD, guestPath(path)),
    openRead(path) {
      const fd = p.openat(AT_FDCWD, guestPath(path), O_RDONLY);
      return { read: (buf) => p.read(fd, buf), close: () => p.close(fd) };
    },
    openWrite(path, mode) {
      const fd = p.openat(AT_FDCWD, guestPath(path), O_WRONLY | O_CREAT | O_TRUNC, mode);
      return {
        write(buf, length) {
          let done = 0;
          while (done < length) done += p.write(fd, buf, done, length - done);
        },
        close: () => p.close(fd),
      };
    },
    mkdir: (path, mode) => p.mkdirat(AT_FDCWD, guestPath(path), mode),
    symlink: (target, path) => p.symlinkat(guestPath(target), AT_FDCWD, guestPath(path)),
    mknod: (path, kind, mode, rdev) => p.mknodat(AT_FDCWD, guestPath(path), modeOfKind(kind) | mode, rdev),
    unlink: (path) => p.unlinkat(AT_FDCWD, guestPath(path)),
    rmdir: (path) => p.unlinkat(AT_FDCWD, guestPath(path), AT_REMOVEDIR),
    chmod: (path, mode) => p.fchmodat(AT_FDCWD, guestPath(path), mode),
    utimes: (path, atime, mtime) => p.utimensat(AT_FDCWD, guestPath(path), [atime, mtime], AT_SYMLINK_NOFOLLOW),
    umask: () => p.fsContext.umask,
    display: (path) => byteStringToUtf8(path),
  };
}
