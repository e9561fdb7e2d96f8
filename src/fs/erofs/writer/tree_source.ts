// This module is browser compatible.
/**
 * What the writer reads a tree from: a directory tree answered one directory at a time, with
 * lstat-like attributes, symlink targets, xattrs and file contents. A host directory (Node) and
 * any vroot tree (through a Process) are the two implementations.
 */
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_DIRECTORY, O_NOFOLLOW, O_RDONLY, S_IFMT, S_IFREG } from '../../../abi/constants.js';
import { byteStringToBytes, bytesToByteString, type ByteString } from '../../../vfs/bytes.js';
import { VfsError } from '../../../vfs/errors.js';
import type { Process } from '../../../vfs/process.js';

/** Attributes of one object, as lstat reports them. */
export interface SourceStat {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  rdev: number;
  mtimeSec: number;
  mtimeNsec: number;
  /** Identity of the object: entries with the same non-null key are hard links of one inode. */
  key: string | null;
}

/** An open regular file of a source. */
export interface SourceFile {
  /** Reads up to `length` bytes at `position` into `buf[offset..]`; returns the count (0 at EOF). */
  read(buf: Uint8Array, offset: number, length: number, position: number): number;
  close(): void;
}

/** One directory entry of a source: its name (a byte string), a handle and its attributes. */
export interface SourceEntry<H> {
  name: ByteString;
  handle: H;
  stat: SourceStat;
}

/** A tree the writer can read. `H` is whatever the source uses to name an object. */
export interface TreeSource<H> {
  /** The root directory's handle and attributes. */
  root(): { handle: H; stat: SourceStat };
  /** The entries of a directory, `.` and `..` excluded, in any order. */
  list(dir: H): Array<SourceEntry<H>>;
  /** A symlink's target. */
  readlink(link: H): Uint8Array;
  /** An object's xattrs (full names such as `user.x`), without following symlinks. */
  xattrs(node: H): Array<{ name: ByteString; value: Uint8Array }>;
  /** Opens a regular file for reading. */
  open(file: H): SourceFile;
  /** A printable path for messages. */
  describe(node: H): string;
}

/**
 * A tree inside vroot, read through a Process: how a composed root (overlays, mounts, tmpfs)
 * is snapshotted into an image. Handles are absolute byte-string paths in the process's view.
 *
 * @example
 * const sink = new MemorySink();
 * writeErofs(new ProcessTreeSource(p, '/rootfs'), sink);
 */
export class ProcessTreeSource implements TreeSource<ByteString> {
  private readonly p: Process;
  private readonly base: ByteString;

  constructor(process: Process, root: string | Uint8Array = '/') {
    this.p = process;
    const b = typeof root === 'string' ? bytesToByteString(new TextEncoder().encode(root)) : bytesToByteString(root);
    this.base = b.length > 1 && b.endsWith('/') ? b.slice(0, -1) : b;
  }

  private statOf(path: ByteString): SourceStat {
    const st = this.p.fstatat(AT_FDCWD, byteStringToBytes(path), AT_SYMLINK_NOFOLLOW);
    return {
      mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, rdev: st.rdev, mtimeSec: st.mtime.sec,
      mtimeNsec: st.mtime.nsec, key: `${st.dev}:${st.ino}`,
    };
  }

  root(): { handle: ByteString; stat: SourceStat } {
    return { handle: this.base, stat: this.statOf(this.base) };
  }

  list(dir: ByteString): Array<SourceEntry<ByteString>> {
    const fd = this.p.openat(AT_FDCWD, byteStringToBytes(dir), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    const out: Array<SourceEntry<ByteString>> = [];
    try {
      for (;;) {
        const batch = this.p.getdents64(fd);
        if (batch.length === 0) break;
        for (const e of batch) {
          if (e.rawName === '.' || e.rawName === '..') continue;
          const path = (dir === '/' ? '/' : dir + '/') + e.rawName;
          out.push({ name: e.rawName, handle: path, stat: this.statOf(path) });
        }
      }
    } finally {
      this.p.close(fd);
    }
    return out;
  }

  readlink(link: ByteString): Uint8Array {
    return this.p.readlinkatBytes(AT_FDCWD, byteStringToBytes(link));
  }

  xattrs(node: ByteString): Array<{ name: ByteString; value: Uint8Array }> {
    const path = byteStringToBytes(node);
    let names: string[];
    try {
      names = this.p.listxattr(path, { nofollow: true });
    } catch (e) {
      if (e instanceof VfsError && (e.code === 'EOPNOTSUPP' || e.code === 'ENOTSUP')) return [];
      throw e;
    }
    return names.map((n) => ({ name: bytesToByteString(new TextEncoder().encode(n)), value: this.p.getxattr(path, n, { nofollow: true }) }));
  }

  open(file: ByteString): SourceFile {
    const p = this.p;
    const fd = p.openat(AT_FDCWD, byteStringToBytes(file), O_RDONLY | O_NOFOLLOW);
    const st = p.fstat(fd);
    if ((st.mode & S_IFMT) !== S_IFREG) {
      p.close(fd);
      throw new VfsError(21, 'open', file, 'not a regular file any more');
    }
    return {
      read: (buf, offset, length, position) => p.pread(fd, buf, position, offset, length),
      close: () => p.close(fd),
    };
  }

  describe(node: ByteString): string {
    return node;
  }
}
