// This module is browser compatible.
/**
 * The inodes of a FakeOwnership. Each wraps one inode of the lower filesystem: its fields are
 * the lower's, except `uid`, `gid`, `mode` and `rdev`, which show the recorded ownership. The
 * core reads those fields for every permission check, so a wrapper refreshes them (`sync`)
 * after each call into the lower that may change them; everything else calls through.
 *
 * Ownership: a wrapper holds its lower inode; the FakeOwnership maps each live lower inode to
 * its one wrapper, so hard links and repeated lookups share it, as the core expects.
 */
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import { VfsError, vfsError } from '../../vfs/errors.js';
import { Inode, type DirentSink, type FileHandle, type NewInodeAttrs } from '../../vfs/inode.js';
import type { WalkContext } from '../../vfs/path_walk.js';
import type { SetAttr, Stat, Timespec } from '../../vfs/stat.js';
import type { CasefoldFlag } from '../casefold/flags.js';
import type { OwnerRecord } from './_owner_store.js';
import type { FakeOwnership } from './fake_ownership.js';
import { OVERRIDE_STAT_XATTR } from './override_stat.js';

/** An object of a FakeOwnership: the lower object with recorded owner, mode and device. */
export class FakeInode extends Inode {
  readonly fs: FakeOwnership;
  /** The wrapped inode of the lower filesystem. */
  readonly lower: Inode;
  /** The ownership shown, or null to show the lower's (see FakeOwnershipOptions.unrecordedOwner). */
  record: OwnerRecord | null;
  /**
   * The lower's change time when the record was last read. Changing an xattr changes it, so a
   * volatile lower's record is read again only when it moved.
   */
  private readSec: number;
  private readNsec: number;

  /** @internal Use `FakeOwnership.wrap`. */
  constructor(fs: FakeOwnership, lower: Inode, record: OwnerRecord | null) {
    super();
    this.fs = fs;
    this.lower = lower;
    this.record = record;
    this.readSec = lower.ctimeSec;
    this.readNsec = lower.ctimeNsec;
    this.sync();
  }

  /** Copies the lower inode's fields, then lays the recorded ownership over them. */
  sync(): void {
    const l = this.lower;
    this.ino = l.ino;
    this.nlink = l.nlink;
    this.size = l.size;
    this.atimeSec = l.atimeSec;
    this.atimeNsec = l.atimeNsec;
    this.mtimeSec = l.mtimeSec;
    this.mtimeNsec = l.mtimeNsec;
    this.ctimeSec = l.ctimeSec;
    this.ctimeNsec = l.ctimeNsec;
    this.btimeSec = l.btimeSec;
    this.btimeNsec = l.btimeNsec;
    this.foldName = l.foldName;
    this.immutable = l.immutable;
    const r = this.record;
    if (r !== null) {
      this.mode = r.mode;
      this.uid = r.uid;
      this.gid = r.gid;
      this.rdev = r.rdev;
    } else {
      const owner = this.fs.unrecordedOwner;
      this.mode = l.mode;
      this.rdev = l.rdev;
      this.uid = owner === null ? l.uid : owner.uid;
      this.gid = owner === null ? l.gid : owner.gid;
    }
  }

  override blocks(): number { return this.lower.blocks(); }
  override blksize(): number { return this.lower.blksize(); }

  /**
   * Linux getattr: the lower's attributes with the recorded ones. On a volatile lower the
   * record is read again when the object changed since it was last read.
   */
  override getattr(out: Stat): void {
    this.lower.getattr(out);
    if (this.fs.volatile && (out.ctime.sec !== this.readSec || out.ctime.nsec !== this.readNsec)) {
      this.record = this.fs.store.load(this.lower);
      this.readSec = out.ctime.sec;
      this.readNsec = out.ctime.nsec;
    }
    this.sync();
    out.dev = this.fs.dev;
    out.mode = this.mode;
    out.uid = this.uid;
    out.gid = this.gid;
    out.rdev = this.rdev;
  }

  /**
   * Linux setattr: owner, group and mode are recorded and never change the lower's owner; the
   * lower's permission bits follow the mode with the owner's read and write (and search, for
   * directories) added, so the host process can always reach what a faked root may. Size and
   * times go to the lower. Errors: the lower's (EROFS, EFBIG, ...).
   */
  override setattr(attr: SetAttr, now: Timespec): void {
    const { uid, gid, mode, ...rest } = attr;
    const lowerMode = mode === undefined ? undefined : this.fs.lowerMode(this.lower, mode);
    if (lowerMode === undefined) {
      this.lower.setattr(rest, now);
    } else {
      try {
        this.lower.setattr({ ...rest, mode: lowerMode }, now);
      } catch (e) {
        // A host file another user owns keeps its bits; the record holds the mode anyway.
        if (!(e instanceof VfsError && e.code === 'EPERM')) throw e;
        this.lower.setattr(rest, now);
      }
    }
    if (uid !== undefined || gid !== undefined || mode !== undefined) {
      const record: OwnerRecord = {
        uid: uid ?? this.uid,
        gid: gid ?? this.gid,
        mode: (this.mode & S_IFMT) | ((mode ?? this.mode) & 0o7777),
        rdev: this.rdev,
      };
      this.fs.store.save(this.lower, record, attr.ctime ?? now);
      this.record = record;
      this.recordRead();
    }
    this.sync();
  }

  /** @internal The record now matches the lower object as it is (after storing it). */
  recordRead(): void {
    this.readSec = this.lower.ctimeSec;
    this.readNsec = this.lower.ctimeNsec;
  }

  // ---- directory operations: the lower's, with wrapped inodes ----

  override lookup(name: ByteString): Inode | null {
    const l = this.lower.lookup(name);
    return l === null ? null : this.fs.wrap(l);
  }

  override storedName(name: ByteString): ByteString | null {
    return this.lower.storedName?.(name) ?? null;
  }

  /** Linux create: a regular file on the lower, owned as the core asked (recorded). */
  override create(name: ByteString, attrs: NewInodeAttrs): Inode {
    return this.child(name, this.lower.create(name, this.fs.lowerAttrs(attrs, S_IFREG)), attrs);
  }

  /** Linux tmpfile (O_TMPFILE). */
  override tmpfile(attrs: NewInodeAttrs): Inode {
    return this.fs.adopt(this.lower.tmpfile(this.fs.lowerAttrs(attrs, S_IFREG)), attrs);
  }

  /** Linux mkdir. */
  override mkdir(name: ByteString, attrs: NewInodeAttrs): Inode {
    return this.child(name, this.lower.mkdir(name, this.fs.lowerAttrs(attrs, S_IFDIR)), attrs);
  }

  /**
   * Linux mknod. Devices never reach the lower as devices: the lower gets an empty regular file
   * and the record holds the type and device number, as fakeroot and containers/storage do (so
   * no host privilege is needed, and opening one opens vroot's driver, never a host device).
   * With the xattr store, fifos and sockets are held the same way, since Linux keeps `user.`
   * xattrs only on regular files and directories.
   */
  override mknod(name: ByteString, attrs: NewInodeAttrs): Inode {
    const type = attrs.mode & S_IFMT;
    const l = this.fs.holdsAsFile(type)
      ? this.lower.create(name, this.fs.lowerAttrs(attrs, S_IFREG))
      : this.lower.mknod(name, this.fs.lowerAttrs(attrs, type));
    return this.child(name, l, attrs);
  }

  /** Linux symlink. */
  override symlink(name: ByteString, target: ByteString, attrs: NewInodeAttrs): Inode {
    return this.child(name, this.lower.symlink(name, target, this.fs.lowerAttrs(attrs, S_IFLNK)), attrs);
  }

  override link(name: ByteString, inode: Inode): void {
    const w = inode as FakeInode;
    this.lower.link(name, w.lower);
    w.sync();
    this.sync();
  }

  override unlink(name: ByteString, inode: Inode): void {
    const w = inode as FakeInode;
    this.lower.unlink(name, w.lower);
    this.fs.lostName(w);
    this.sync();
  }

  override rmdir(name: ByteString, inode: Inode): void {
    const w = inode as FakeInode;
    this.lower.rmdir(name, w.lower);
    this.fs.lostName(w);
    this.sync();
  }

  override rename(oldName: ByteString, inode: Inode, newDir: Inode, newName: ByteString, replaced: Inode | null, exchange: boolean): void {
    const moving = inode as FakeInode;
    const target = newDir as FakeInode;
    const victim = replaced as FakeInode | null;
    this.lower.rename(oldName, moving.lower, target.lower, newName, victim === null ? null : victim.lower, exchange);
    moving.sync();
    if (victim !== null) {
      if (exchange) victim.sync();
      else this.fs.lostName(victim);
    }
    this.sync();
    if (target !== this) target.sync();
  }

  override isEmptyDir(): boolean {
    return this.lower.isEmptyDir();
  }

  // ---- other objects ----

  override readlink(ctx?: WalkContext): ByteString {
    return this.lower.readlink(ctx);
  }

  override open(flags: number, ctx?: WalkContext): FileHandle {
    return new FakeHandle(this, this.lower.open(flags, ctx));
  }

  override ihold(): void {
    this.lower.ihold?.();
  }

  override iput(): void {
    this.lower.iput?.();
  }

  // ---- extended attributes: the lower's, without the one that holds the records ----

  override getxattr(name: ByteString): Uint8Array | null {
    if (name === OVERRIDE_STAT_XATTR) return null;
    return this.lower.getxattr(name);
  }

  /** Errors: EPERM for the record's own xattr (fuse-overlayfs refuses it the same way). */
  override setxattr(name: ByteString, value: Uint8Array, flags: number, now: Timespec): void {
    if (name === OVERRIDE_STAT_XATTR) throw vfsError('EPERM');
    this.lower.setxattr(name, value, flags, now);
    this.sync();
  }

  override listxattr(): ByteString[] {
    return this.lower.listxattr().filter((n) => n !== OVERRIDE_STAT_XATTR);
  }

  override removexattr(name: ByteString, now: Timespec): void {
    if (name === OVERRIDE_STAT_XATTR) throw vfsError('EPERM');
    this.lower.removexattr(name, now);
    this.sync();
  }

  /**
   * Wraps the object this directory just made as `name` and records the ownership asked for it.
   * When the record cannot be stored (ENOSPC for the xattr, say), the object is removed again,
   * so a failed creation leaves nothing behind.
   */
  private child(name: ByteString, lower: Inode, attrs: NewInodeAttrs): Inode {
    let inode: FakeInode;
    try {
      inode = this.fs.adopt(lower, attrs);
    } catch (e) {
      try {
        if (lower.isDir()) this.lower.rmdir(name, lower);
        else this.lower.unlink(name, lower);
      } catch {
        // The original error says more than a failed cleanup.
      }
      this.sync();
      throw e;
    }
    this.sync();
    return inode;
  }
}

/** A directory whose lower supports the casefold flag: the flag calls through. */
export class FakeCasefoldInode extends FakeInode implements CasefoldFlag {
  get casefolded(): boolean {
    return (this.lower as unknown as CasefoldFlag).casefolded;
  }

  setCasefold(on: boolean): void {
    (this.lower as unknown as CasefoldFlag).setCasefold(on);
    this.sync();
  }
}

/** An open file of a FakeInode: the lower's handle, refreshing the inode after changes. */
class FakeHandle implements FileHandle {
  private readonly inode: FakeInode;
  private readonly lower: FileHandle;
  seekDataHole?: (offset: number, hole: boolean) => number;
  fallocate?: (mode: number, offset: number, length: number) => void;

  constructor(inode: FakeInode, lower: FileHandle) {
    this.inode = inode;
    this.lower = lower;
    if (lower.seekDataHole !== undefined) this.seekDataHole = (offset, hole) => lower.seekDataHole!(offset, hole);
    if (lower.fallocate !== undefined) {
      this.fallocate = (mode, offset, length) => {
        try {
          lower.fallocate!(mode, offset, length);
        } finally {
          inode.sync();
        }
      };
    }
  }

  read(buf: Uint8Array, offset: number, length: number, position: number): number {
    return this.lower.read(buf, offset, length, position);
  }

  write(buf: Uint8Array, offset: number, length: number, position: number): number {
    try {
      return this.lower.write(buf, offset, length, position);
    } finally {
      // The core sets an appender's offset from the inode's size.
      this.inode.sync();
    }
  }

  /** Entries with the types the records show (a device held as a regular file lists as one). */
  readdir(cookie: number, sink: DirentSink): void {
    const fs = this.inode.fs;
    const dir = this.inode.lower;
    this.lower.readdir(cookie, (name, ino, type, next) => sink(name, ino, fs.store.direntType(dir, name, ino, type), next));
  }

  fsync(): void {
    this.lower.fsync();
  }

  release(): void {
    this.lower.release();
  }
}
