// Node-specific: the inodes of a HostFs (see hostfs.ts for the confinement rules).
/**
 * A host object as a vroot inode. Each method is one host system call (or a few) on the
 * descriptor that holds this object or, for directory operations, on one name in this
 * directory; errors are the host's errno, unchanged.
 *
 * Ownership: an inode holds its object through `box.fd` (an O_PATH descriptor), shared with the
 * filesystem's finalizer, which closes it when the inode is collected. `parentDir` and
 * `entryName` are where the object was last seen, for finding it again after an eviction.
 */
import {
  O_ACCMODE, O_DSYNC, O_PATH, O_RDWR, RENAME_EXCHANGE, RENAME_NOREPLACE, S_IFMT, UTIME_NOW,
  UTIME_OMIT, __O_SYNC, major, makedev, minor,
} from '../../abi/constants.js';
import { errno } from '../../abi/errno.js';
import { XATTR_LIST_MAX, XATTR_SIZE_MAX } from '../../abi/limits.js';
import type { ByteString } from '../../vfs/bytes.js';
import { vfsError } from '../../vfs/errors.js';
import { Inode, type FileHandle, type NewInodeAttrs } from '../../vfs/inode.js';
import type { SetAttr, Stat, Timespec } from '../../vfs/stat.js';
import { casefoldKey, foldedIndex } from '../../emu/casefold/casefold.js';
import { DirCookies, type ListedEntry } from './_dir_cookies.js';
import {
  ST_ATIME, ST_BLKSIZE, ST_BLOCKS, ST_BTIME, ST_CTIME, ST_DEV_MAJOR, ST_DEV_MINOR, ST_GID, ST_INO_HI,
  ST_INO_LO, ST_MASK, ST_MODE, ST_MTIME, ST_NLINK, ST_RDEV_MAJOR, ST_RDEV_MINOR, ST_SIZE, ST_UID,
  STATX_BTIME,
} from './_statx.js';
import { HostDirHandle, HostFileHandle } from './host_file.js';
import type { HostFs } from './hostfs.js';

/** The descriptor holding a host object; -1 while evicted or after close. */
export interface FdBox {
  fd: number;
}

const AT_REMOVEDIR = 0x200;
/** One buffer for xattr values and lists (both at most 64 KiB), reused: the core is synchronous. */
const xattrBuffer = Buffer.alloc(Math.max(XATTR_SIZE_MAX, XATTR_LIST_MAX));
const linkBuffer = Buffer.alloc(4096);
const direntBuffer = Buffer.alloc(65536);

function bytes(name: ByteString): Buffer {
  return Buffer.from(name, 'latin1');
}

/** UTIME_NOW for the core's "now" (the very object it passed), so the host's clock is used. */
function timeArg(t: Timespec | undefined, now: Timespec): [number, number] {
  if (t === undefined) return [0, UTIME_OMIT];
  if (t === now) return [0, UTIME_NOW];
  return [t.sec, t.nsec];
}

export class HostInode extends Inode {
  readonly fs: HostFs;
  readonly box: FdBox = { fd: -1 };
  /** Where the object was last seen, to find it again after its descriptor was evicted. */
  parentDir: HostInode | null = null;
  entryName: ByteString = '';
  /**
   * The descriptor is never evicted (the root, or open files). An inode with no known name
   * (parentDir null: unlinked, O_TMPFILE) whose descriptor was evicted or released is stale:
   * calls on it fail with ESTALE.
   */
  pinned = false;
  private devMajor: number;
  private devMinor: number;
  private inoHi: number;
  private inoLo: number;
  private hostBlocks = 0;
  private hostBlksize = 4096;
  private openCount = 0;
  private cookies: DirCookies | null = null;
  /** The host reported a birth time (STATX_BTIME), possibly 0. */
  private hostBtime = false;
  /**
   * Casefold: folded name → stored host name, valid while the directory's ctime and size are
   * those recorded; and the last lookup that found an entry by its fold.
   */
  private folds: { sec: number; nsec: number; size: number; names: Map<string, ByteString> } | null = null;
  private lastFolded: { asked: ByteString; stored: ByteString } | null = null;

  /** @internal Use HostFs.adopt. */
  constructor(fs: HostFs, st: Float64Array, ino: number) {
    super();
    this.fs = fs;
    this.ino = ino;
    this.devMajor = st[ST_DEV_MAJOR]!;
    this.devMinor = st[ST_DEV_MINOR]!;
    this.inoHi = st[ST_INO_HI]!;
    this.inoLo = st[ST_INO_LO]!;
    this.applyStat(st);
    if (fs.casefold && this.isDir()) this.foldName = casefoldKey;
  }

  /**
   * True when a statx result describes this very object: same device, inode number, type and
   * (where the host records one) birth time, so a recycled inode number is not mistaken for it.
   */
  sameObject(st: Float64Array): boolean {
    if (st[ST_INO_LO] !== this.inoLo || st[ST_INO_HI] !== this.inoHi) return false;
    if (st[ST_DEV_MAJOR] !== this.devMajor || st[ST_DEV_MINOR] !== this.devMinor) return false;
    if ((st[ST_MODE]! & S_IFMT) !== (this.mode & S_IFMT)) return false;
    const hasBtime = (st[ST_MASK]! & STATX_BTIME) !== 0;
    return !hasBtime || (st[ST_BTIME] === this.btimeSec && st[ST_BTIME + 1] === this.btimeNsec);
  }

  /** Copies a statx result of this object into the inode's fields. */
  applyStat(st: Float64Array): void {
    this.mode = st[ST_MODE]!;
    this.nlink = st[ST_NLINK]!;
    this.uid = st[ST_UID]!;
    this.gid = st[ST_GID]!;
    this.size = st[ST_SIZE]!;
    this.hostBlocks = st[ST_BLOCKS]!;
    this.hostBlksize = st[ST_BLKSIZE]!;
    this.rdev = makedev(st[ST_RDEV_MAJOR]!, st[ST_RDEV_MINOR]!);
    this.atimeSec = st[ST_ATIME]!;
    this.atimeNsec = st[ST_ATIME + 1]!;
    this.mtimeSec = st[ST_MTIME]!;
    this.mtimeNsec = st[ST_MTIME + 1]!;
    this.ctimeSec = st[ST_CTIME]!;
    this.ctimeNsec = st[ST_CTIME + 1]!;
    if (st[ST_MASK]! & STATX_BTIME) {
      this.btimeSec = st[ST_BTIME]!;
      this.btimeNsec = st[ST_BTIME + 1]!;
      this.hostBtime = true;
    }
  }

  /** Records that the object was seen as `name` in `dir`. */
  seenAt(dir: HostInode, name: ByteString): void {
    this.parentDir = dir;
    this.entryName = name;
  }

  /** Reads the object's attributes again from the host. */
  refresh(): void {
    const fs = this.fs;
    fs.check(fs.host.statx(fs.hold(this), null, fs.st));
    this.applyStat(fs.st);
  }

  override blocks(): number { return this.hostBlocks; }
  override blksize(): number { return this.hostBlksize; }

  /** Linux getattr: statx of the held object. Errors: ESTALE, EIO. */
  override getattr(out: Stat): void {
    this.refresh();
    super.getattr(out);
    // A birth time the host reports is shown even when it is the epoch (the core takes 0 for
    // "unknown"), as statx's STATX_BTIME says it is known.
    if (this.hostBtime) out.btime = { sec: this.btimeSec, nsec: this.btimeNsec };
  }

  /**
   * Linux setattr on the held object: truncate, chown, chmod, utimensat, in that order (chown
   * clears set-ID bits the core may set again). The host keeps ctime and atime itself, so the
   * core's atime-only update after a read is left to the host's own atime policy.
   * Errors: EROFS, EPERM, EFBIG, ETXTBSY, ESTALE.
   */
  override setattr(attr: SetAttr, now: Timespec): void {
    if (attr.ctime !== undefined && attr.size === undefined && attr.mode === undefined &&
      attr.uid === undefined && attr.gid === undefined && attr.mtime === undefined) return;
    const fs = this.fs;
    fs.writable();
    const host = fs.host;
    const fd = fs.hold(this);
    if (attr.size !== undefined) fs.check(host.truncate(fd, attr.size));
    if (attr.uid !== undefined || attr.gid !== undefined) fs.check(host.chown(fd, attr.uid ?? -1, attr.gid ?? -1));
    if (attr.mode !== undefined) fs.check(host.chmod(fd, attr.mode & 0o7777));
    if (attr.atime !== undefined || attr.mtime !== undefined) {
      const [as, ans] = timeArg(attr.atime, now);
      const [ms, mns] = timeArg(attr.mtime, now);
      fs.check(host.utimens(fd, as, ans, ms, mns));
    }
    this.refresh();
  }

  // ---- directory operations: one name in this directory ----

  /** Linux lookup: openat2(O_PATH|O_NOFOLLOW, RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) of `name`. */
  override lookup(name: ByteString): Inode | null {
    const fs = this.fs;
    let stored = name;
    if (this.foldName !== undefined) {
      // Every spelling, the exact one included, finds the first entry in byte order of those
      // that fold alike: the dentry cache holds one entry per folded name.
      const found = this.foldedEntry(name);
      if (found === null) return null;
      stored = found;
      this.lastFolded = { asked: name, stored };
    }
    const fd = fs.host.lookup(fs.hold(this), bytes(stored));
    if (fd === -errno.ENOENT) return null;
    fs.check(fd);
    return fs.adopt(fd, this, stored);
  }

  /** With `casefold`: the host name the last `lookup` of `name` found. */
  override storedName(name: ByteString): ByteString | null {
    const last = this.lastFolded;
    return last !== null && last.asked === name ? last.stored : name;
  }

  /** Casefold: the host entry whose folded name is `name`'s, or null. Errors: the host's. */
  private foldedEntry(name: ByteString): ByteString | null {
    const fs = this.fs;
    this.refresh();
    let f = this.folds;
    if (f === null || f.sec !== this.ctimeSec || f.nsec !== this.ctimeNsec || f.size !== this.size) {
      const fd = fs.check(fs.host.opendir(fs.hold(this)));
      let entries: ListedEntry[];
      try {
        entries = this.readEntries(fd);
      } finally {
        fs.host.close(fd);
      }
      f = this.folds = { sec: this.ctimeSec, nsec: this.ctimeNsec, size: this.size, names: foldedIndex(entries.map((x) => x.name)) };
    }
    return f.names.get(casefoldKey(name)) ?? null;
  }

  /**
   * Casefold: `name` was just made in this directory through vroot. The folded index learns it
   * and the directory's new ctime, so a run of creations does not relist the directory each time.
   */
  private added(name: ByteString): void {
    const f = this.folds;
    if (f === null) return;
    const key = casefoldKey(name);
    if (!f.names.has(key) || name < f.names.get(key)!) f.names.set(key, name);
    this.refresh();
    f.sec = this.ctimeSec;
    f.nsec = this.ctimeNsec;
    f.size = this.size;
  }

  /**
   * Linux create: openat2(O_CREAT|O_EXCL|O_RDWR|O_NOFOLLOW). The read-write descriptor waits for
   * the open that follows. Errors: EEXIST, EROFS, ENOSPC, EDQUOT, EACCES.
   */
  override create(name: ByteString, attrs: NewInodeAttrs): Inode {
    const fs = this.fs;
    fs.writable();
    const rw = fs.check(fs.host.create(fs.hold(this), bytes(name), attrs.mode & 0o7777));
    return this.adoptWithIo(rw, this, name, attrs);
  }

  /** Linux tmpfile: openat(O_TMPFILE|O_RDWR). Errors: EOPNOTSUPP, EROFS, ENOSPC. */
  override tmpfile(attrs: NewInodeAttrs): Inode {
    const fs = this.fs;
    fs.writable();
    const rw = fs.check(fs.host.tmpfile(fs.hold(this), attrs.mode & 0o7777));
    return this.adoptWithIo(rw, null, '', attrs);
  }

  /** Linux mkdir: mkdirat. Errors: EEXIST, EMLINK, ENOSPC, EROFS, EACCES. */
  override mkdir(name: ByteString, attrs: NewInodeAttrs): Inode {
    const fs = this.fs;
    fs.writable();
    const n = bytes(name);
    fs.check(fs.host.mkdirat(fs.hold(this), n, attrs.mode & 0o7777));
    return this.adoptCreated(n, name, attrs);
  }

  /** Linux mknod: mknodat (devices need the host's CAP_MKNOD). Errors: EEXIST, EPERM, EROFS. */
  override mknod(name: ByteString, attrs: NewInodeAttrs): Inode {
    const fs = this.fs;
    fs.writable();
    const n = bytes(name);
    fs.check(fs.host.mknodat(fs.hold(this), n, attrs.mode & (S_IFMT | 0o7777), major(attrs.rdev), minor(attrs.rdev)));
    return this.adoptCreated(n, name, attrs);
  }

  /** Linux symlink: symlinkat; the body is stored as bytes, never resolved by the host. */
  override symlink(name: ByteString, target: ByteString, attrs: NewInodeAttrs): Inode {
    const fs = this.fs;
    fs.writable();
    const n = bytes(name);
    fs.check(fs.host.symlinkat(bytes(target), fs.hold(this), n));
    return this.adoptCreated(n, name, attrs);
  }

  /** Linux link: linkat of the held object (never of what a symlink names). Errors: EMLINK, ENOENT, EEXIST. */
  override link(name: ByteString, inode: Inode): void {
    const fs = this.fs;
    fs.writable();
    const h = inode as HostInode;
    const dirFd = fs.hold(this);
    fs.check(fs.host.link(fs.hold(h), dirFd, bytes(name)));
    // An unlinked or O_TMPFILE file may get a name again, and can then be found by it.
    if (h.parentDir === null) h.seenAt(this, name);
    h.nlink++;
    this.added(name);
  }

  /** Linux unlink: unlinkat. The inode keeps its descriptor: it may still be open. */
  override unlink(name: ByteString, inode: Inode): void {
    this.removeEntry(name, inode as HostInode, 0);
  }

  /** Linux rmdir: unlinkat(AT_REMOVEDIR). Errors: ENOTEMPTY, EBUSY. */
  override rmdir(name: ByteString, inode: Inode): void {
    this.removeEntry(name, inode as HostInode, AT_REMOVEDIR);
  }

  private removeEntry(name: ByteString, victim: HostInode, flags: number): void {
    const fs = this.fs;
    fs.writable();
    fs.check(fs.host.unlinkat(fs.hold(this), bytes(name), flags));
    victim.lostName(flags === AT_REMOVEDIR);
    this.folds = null;
  }

  /**
   * Its name is gone (unlink, rmdir, renamed over), so it can never be found by name again.
   * Unless a file is open on it, its descriptor is closed now: the host frees an unlinked
   * object only when the last descriptor goes, and kernels slow down with many such orphans.
   */
  private lostName(dir: boolean): void {
    this.parentDir = null;
    this.nlink = dir ? 0 : Math.max(0, this.nlink - 1);
    if (this.openCount === 0 && this.nlink === 0) this.fs.release(this);
  }

  /**
   * Linux rename: renameat2, with RENAME_EXCHANGE for an exchange and RENAME_NOREPLACE when the
   * core found no target, so an object the host created there meanwhile is never overwritten
   * (EEXIST instead). Errors: ENOTEMPTY, EEXIST, EXDEV, EINVAL, EBUSY, EMLINK.
   */
  override rename(oldName: ByteString, inode: Inode, newDir: Inode, newName: ByteString, replaced: Inode | null, exchange: boolean): void {
    const fs = this.fs;
    fs.writable();
    const moving = inode as HostInode;
    const target = newDir as HostInode;
    const victim = replaced as HostInode | null;
    const oldFd = fs.hold(this);
    const newFd = fs.hold(target);
    fs.hold(moving);
    const o = bytes(oldName);
    const n = bytes(newName);
    const flags = exchange ? RENAME_EXCHANGE : victim === null ? RENAME_NOREPLACE : 0;
    let r = fs.host.renameat2(oldFd, o, newFd, n, flags);
    // Filesystems without RENAME_NOREPLACE (NFS, some FUSE) refuse the flag with EINVAL.
    if (r === -errno.EINVAL && flags === RENAME_NOREPLACE) r = fs.host.renameat2(oldFd, o, newFd, n, 0);
    fs.check(r);
    this.folds = null;
    target.added(newName);
    moving.seenAt(target, newName);
    if (victim !== null) {
      if (exchange) victim.seenAt(this, oldName);
      else victim.lostName(victim.isDir());
    }
  }

  /** True when the host directory has no entry but `.` and `..`. */
  override isEmptyDir(): boolean {
    const fs = this.fs;
    const fd = fs.check(fs.host.opendir(fs.hold(this)));
    try {
      return this.readEntries(fd).length === 0;
    } finally {
      fs.host.close(fd);
    }
  }

  // ---- other objects ----

  /**
   * Linux get_link: readlinkat of the held symlink. Not cached: the host's readlinkat updates
   * the link's atime by the host's atime policy, as following it in the kernel's walk does.
   */
  override readlink(): ByteString {
    if (!this.isSymlink()) throw vfsError('EINVAL');
    const fs = this.fs;
    const n = fs.check(fs.host.readlink(fs.hold(this), linkBuffer));
    return linkBuffer.toString('latin1', 0, n);
  }

  /**
   * Linux open: a descriptor of the held object itself (the /proc/self/fd magic link, checked
   * to reach the same object), or the one a creation just made. Errors: EROFS, EACCES, ESTALE.
   */
  override open(flags: number): FileHandle {
    const fs = this.fs;
    const acc = flags & O_ACCMODE;
    if (acc !== 0) fs.writable();
    const p = fs.pending;
    let fd: number;
    if (p !== null && p.inode === this) {
      fs.pending = null;
      fd = p.fd;
    } else if (this.isDir()) {
      fd = fs.check(fs.host.opendir(fs.hold(this)));
    } else {
      fd = fs.check(fs.host.reopen(fs.hold(this), (acc === 3 ? O_RDWR : acc) | (flags & (O_DSYNC | __O_SYNC))));
    }
    this.openCount++;
    fs.pin(this);
    return this.isDir() ? new HostDirHandle(this, fd) : new HostFileHandle(this, fd);
  }

  /** @internal An open file of this inode was released. */
  released(): void {
    if (--this.openCount > 0) return;
    if (this.parentDir === null && this.nlink === 0) this.fs.release(this);
    else this.fs.unpin(this);
  }

  // ---- extended attributes, on the held object ----

  /** Linux getxattr. Errors: EOPNOTSUPP, ERANGE, EACCES. */
  override getxattr(name: ByteString): Uint8Array | null {
    const fs = this.fs;
    const n = fs.host.getxattr(fs.hold(this), bytes(name), xattrBuffer);
    if (n === -errno.ENODATA) return null;
    fs.check(n);
    return new Uint8Array(xattrBuffer.subarray(0, n));
  }

  /** Linux setxattr (XATTR_CREATE, XATTR_REPLACE). Errors: EEXIST, ENODATA, ENOSPC, EOPNOTSUPP, EPERM. */
  override setxattr(name: ByteString, value: Uint8Array, flags: number, now: Timespec): void {
    void now;
    const fs = this.fs;
    fs.writable();
    fs.check(fs.host.setxattr(fs.hold(this), bytes(name), value, flags));
    this.refresh();
  }

  /** Linux listxattr: every name the host lists (the core hides what the caller may not see). */
  override listxattr(): ByteString[] {
    const fs = this.fs;
    const n = fs.check(fs.host.listxattr(fs.hold(this), xattrBuffer));
    const names: ByteString[] = [];
    let start = 0;
    for (let i = 0; i < n; i++) {
      if (xattrBuffer[i] !== 0) continue;
      if (i > start) names.push(xattrBuffer.toString('latin1', start, i));
      start = i + 1;
    }
    return names;
  }

  /** Linux removexattr. Errors: ENODATA, EOPNOTSUPP, EPERM. */
  override removexattr(name: ByteString, now: Timespec): void {
    void now;
    const fs = this.fs;
    fs.writable();
    fs.check(fs.host.removexattr(fs.hold(this), bytes(name)));
    this.refresh();
  }

  // ---- helpers ----

  /**
   * @internal This directory's entries (without `.` and `..`) read from `fd` from the start,
   * with their cookies, in cookie order.
   */
  list(fd: number): ListedEntry[] {
    return (this.cookies ??= new DirCookies()).order(this.readEntries(fd));
  }

  private readEntries(fd: number): ListedEntry[] {
    const fs = this.fs;
    fs.check(fs.host.lseek(fd, 0, 0));
    const out: ListedEntry[] = [];
    const buf = direntBuffer;
    for (;;) {
      const n = fs.check(fs.host.getdents(fd, buf));
      if (n === 0) return out;
      // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
      for (let off = 0; off < n;) {
        const reclen = buf.readUInt16LE(off + 16);
        const end = buf.indexOf(0, off + 19);
        const nameEnd = end < 0 || end > off + reclen ? off + reclen : end;
        const name = buf.toString('latin1', off + 19, nameEnd);
        if (name !== '.' && name !== '..') {
          const ino = fs.inoOf(this.devMajor, this.devMinor, buf.readUInt32LE(off + 4), buf.readUInt32LE(off));
          out.push({ name, ino, type: buf[off + 18]!, cookie: 0 });
        }
        off += reclen;
      }
    }
  }

  /** Adopts the object a creation just made as `name`, and gives it the owner and mode asked. */
  private adoptCreated(n: Buffer, name: ByteString, attrs: NewInodeAttrs): HostInode {
    const fs = this.fs;
    const fd = fs.host.lookup(fs.hold(this), n);
    fs.check(fd);
    const inode = fs.adopt(fd, this, name);
    inode.takeAttrs(attrs);
    this.added(name);
    return inode;
  }

  /** Adopts a file created with a read-write descriptor `rw`, kept for the open that follows. */
  private adoptWithIo(rw: number, parent: HostInode | null, name: ByteString, attrs: NewInodeAttrs): HostInode {
    const fs = this.fs;
    const ref = fs.host.reopen(rw, O_PATH);
    if (ref < 0) {
      fs.host.close(rw);
      fs.check(ref);
    }
    const inode = fs.adopt(ref, parent, name);
    inode.takeAttrs(attrs);
    if (parent !== null) parent.added(name);
    fs.pending = { inode, fd: rw };
    return inode;
  }

  /**
   * Gives a new object the owner the core asked for (when the host process may chown; otherwise
   * the host's owner stays) and exactly the mode asked (the host applied its own umask).
   */
  private takeAttrs(attrs: NewInodeAttrs): void {
    const fs = this.fs;
    const fd = this.box.fd;
    let changed = false;
    if (fs.privileged && (this.uid !== attrs.uid || this.gid !== attrs.gid)) {
      const r = fs.host.chown(fd, attrs.uid, attrs.gid);
      // EINVAL: an id the host's user namespace cannot map; the host's owner stays.
      if (r !== -errno.EINVAL) fs.check(r);
      changed = true;
    }
    if (!this.isSymlink() && (this.mode & 0o7777) !== (attrs.mode & 0o7777)) {
      fs.check(fs.host.chmod(fd, attrs.mode & 0o7777));
      changed = true;
    }
    if (changed) {
      fs.check(fs.host.statx(fd, null, fs.st));
      this.applyStat(fs.st);
    }
  }
}
