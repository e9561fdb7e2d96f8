// This module is browser compatible.
/**
 * Where FakeOwnership keeps the owner, mode and type it shows for an object of the lower
 * filesystem: in memory, by the lower inode number, or in the object's
 * `user.containers.override_stat` xattr with memory for what the lower cannot hold there.
 *
 * Invariant: a record's `mode` has the type the guest sees. It differs from the lower object's
 * type only where the lower holds a device, fifo or socket as an empty regular file.
 */
import { DT_REG, S_IFDIR, S_IFMT, S_IFREG, modeToDirentType } from '../../abi/constants.js';
import { byteStringToBytes } from '../../vfs/bytes.js';
import { VfsError } from '../../vfs/errors.js';
import type { Inode } from '../../vfs/inode.js';
import type { Timespec } from '../../vfs/stat.js';
import { OVERRIDE_STAT_XATTR, formatOverrideStat, parseOverrideStat } from './override_stat.js';

/** What the guest sees of an object's ownership: owner, group, the whole mode, the device. */
export interface OwnerRecord {
  uid: number;
  gid: number;
  mode: number;
  rdev: number;
}

/** True when a record may show `type` over a lower object of `lowerType`. */
export function typeFits(type: number, lowerType: number): boolean {
  return type === lowerType || (lowerType === S_IFREG && type !== S_IFDIR && type !== 0);
}

/** Records in memory, by lower inode number (fakeroot keeps its table by device and inode). */
export class MemoryOwnerStore {
  /** The lower type is kept to notice a reused inode number (the host recycled a freed one). */
  private readonly records = new Map<number, { record: OwnerRecord; lowerType: number }>();

  /** The record of `lower`, or null. */
  load(lower: Inode): OwnerRecord | null {
    const e = this.records.get(lower.ino);
    if (e === undefined) return null;
    if (e.lowerType !== (lower.mode & S_IFMT)) {
      this.records.delete(lower.ino);
      return null;
    }
    return e.record;
  }

  /** Keeps `record` for `lower`. `now` is the change time a persistent store gives the object. */
  save(lower: Inode, record: OwnerRecord, now: Timespec): void {
    void now;
    this.records.set(lower.ino, { record, lowerType: lower.mode & S_IFMT });
  }

  /** Drops the record of an object whose last name went (its inode number may be reused). */
  forget(lower: Inode): void {
    this.records.delete(lower.ino);
  }

  /**
   * The d_type a directory listing shows for entry `name` (inode `ino`, lower type `type`) of
   * the lower directory `dir`.
   */
  direntType(dir: Inode, name: string, ino: number, type: number): number {
    void dir; void name;
    const e = this.records.get(ino);
    if (e === undefined || modeToDirentType(e.lowerType) !== type) return type;
    return modeToDirentType(e.record.mode);
  }
}

/**
 * Records in the lower objects' `user.containers.override_stat` xattrs, so they persist with the
 * objects and fuse-overlayfs or containers/storage read the same values. Linux allows `user.`
 * xattrs on regular files and directories only, so symlinks (and objects whose lower refuses
 * the xattr: EPERM, EACCES, EOPNOTSUPP) keep their records in memory.
 */
export class XattrOwnerStore extends MemoryOwnerStore {
  /** d_type of regular lower files already read, by inode number, for listings. */
  private readonly types = new Map<number, number>();

  override load(lower: Inode): OwnerRecord | null {
    const raw = persistable(lower) ? readOverride(lower) : null;
    if (raw === null) return super.load(lower);
    const o = parseOverrideStat(raw);
    // A value we cannot read shows the lower's attributes; the next change rewrites it.
    if (o === null) return super.load(lower);
    const lowerType = lower.mode & S_IFMT;
    const type = o.type !== 0 && typeFits(o.type, lowerType) ? o.type : lowerType;
    const record = { uid: o.uid, gid: o.gid, mode: type | o.mode, rdev: type === o.type ? o.rdev : 0 };
    if (lowerType === S_IFREG) this.types.set(lower.ino, modeToDirentType(type));
    return record;
  }

  override save(lower: Inode, record: OwnerRecord, now: Timespec): void {
    if (persistable(lower)) {
      const value = formatOverrideStat({
        uid: record.uid, gid: record.gid, mode: record.mode, type: record.mode & S_IFMT, rdev: record.rdev,
      });
      try {
        lower.setxattr(OVERRIDE_STAT_XATTR, byteStringToBytes(value), 0, now);
        super.forget(lower);
        if ((lower.mode & S_IFMT) === S_IFREG) this.types.set(lower.ino, modeToDirentType(record.mode));
        return;
      } catch (e) {
        if (!refused(e)) throw e;
      }
    }
    super.save(lower, record, now);
  }

  override forget(lower: Inode): void {
    super.forget(lower);
    this.types.delete(lower.ino);
  }

  /** Regular lower files may be devices, fifos or sockets: their xattr says (read once). */
  override direntType(dir: Inode, name: string, ino: number, type: number): number {
    const fromMemory = super.direntType(dir, name, ino, type);
    if (fromMemory !== type || type !== DT_REG) return fromMemory;
    let t = this.types.get(ino);
    if (t === undefined) {
      const lower = dir.lookup(name);
      if (lower === null || lower.ino !== ino) return type;
      this.load(lower);
      t = this.types.get(ino) ?? type;
      this.types.set(ino, t);
    }
    return t;
  }
}

/** Objects that may carry a `user.` xattr on Linux (fs/xattr.c xattr_permission). */
function persistable(lower: Inode): boolean {
  const t = lower.mode & S_IFMT;
  return t === S_IFREG || t === S_IFDIR;
}

function readOverride(lower: Inode): Uint8Array | null {
  try {
    return lower.getxattr(OVERRIDE_STAT_XATTR);
  } catch (e) {
    if (refused(e)) return null;
    throw e;
  }
}

/** The lower will not keep the xattr on this object; memory keeps the record instead. */
function refused(e: unknown): boolean {
  return e instanceof VfsError && (e.code === 'EPERM' || e.code === 'EACCES' || e.code === 'EOPNOTSUPP');
}
