// This module is browser compatible.
/**
 * A directory of another filesystem with extra entries (emulated files) added, for names the
 * filesystem itself does not have and cannot be given: `/proc/cpuinfo` on vroot's procfs, a
 * file under a host directory the guest may not change. Mounted read-only over the directory:
 * lookups find the extras first, then the directory's own entries, whose inodes (and their
 * whole subtrees) are the real filesystem's; listings show the extras, then the real entries.
 */
import { S_IFMT } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import { vfsError } from '../../vfs/errors.js';
import { FileSystem, Inode, type FileHandle } from '../../vfs/inode.js';
import type { WalkContext } from '../../vfs/path_walk.js';
import type { Stat, StatFs } from '../../vfs/stat.js';
import type { VirtualFileSystem } from '../../vfs/virtual_filesystem.js';

/** The wrapping directory: the base directory's attributes, the extras' names. */
class AugmentedDir extends Inode {
  readonly fs: AugmentedFs;
  readonly base: Inode;
  readonly extras: ReadonlyMap<ByteString, Inode>;

  constructor(fs: AugmentedFs, base: Inode, extras: ReadonlyMap<ByteString, Inode>) {
    super();
    this.fs = fs;
    this.base = base;
    this.extras = extras;
    this.sync();
  }

  /** Copies the base directory's attributes, which the core reads from the fields. */
  sync(): void {
    const b = this.base;
    this.ino = b.ino; this.mode = b.mode; this.uid = b.uid; this.gid = b.gid; this.nlink = b.nlink;
    this.size = b.size; this.rdev = b.rdev;
    this.atimeSec = b.atimeSec; this.atimeNsec = b.atimeNsec;
    this.mtimeSec = b.mtimeSec; this.mtimeNsec = b.mtimeNsec;
    this.ctimeSec = b.ctimeSec; this.ctimeNsec = b.ctimeNsec;
    this.btimeSec = b.btimeSec; this.btimeNsec = b.btimeNsec;
  }

  override getattr(out: Stat): void {
    this.base.getattr(out);
    this.sync();
  }

  /** Linux lookup: an extra, else the base directory's entry. Errors: the base's. */
  override lookup(name: ByteString): Inode | null {
    this.sync();
    return this.extras.get(name) ?? this.base.lookup(name);
  }

  /**
   * Opens the base directory and lists the extras before its entries: cookies 2 to 2+k-1 are
   * the k extras, a base cookie c is c+k here. Base entries named like an extra are hidden.
   */
  override open(flags: number, ctx?: WalkContext): FileHandle {
    const h = this.base.open(flags, ctx);
    const extras = [...this.extras];
    const k = extras.length;
    return {
      read: (buf, offset, length, position) => h.read(buf, offset, length, position),
      write: (buf, offset, length, position) => h.write(buf, offset, length, position),
      fsync: () => h.fsync(),
      release: () => h.release(),
      readdir: (cookie, sink) => {
        for (let i = Math.max(0, cookie - 2); i < k; i++) {
          const [name, inode] = extras[i]!;
          if (!sink(name, inode.ino, (inode.mode & S_IFMT) >> 12, i + 3)) return;
        }
        h.readdir(Math.max(2, cookie - k), (name, ino, type, next) => this.extras.has(name) || sink(name, ino, type, next + k));
      },
    };
  }

  override isEmptyDir(): boolean {
    return false;
  }

  override getxattr(name: ByteString): Uint8Array | null {
    return this.base.getxattr(name);
  }

  override listxattr(): ByteString[] {
    return this.base.listxattr();
  }
}

/**
 * A filesystem showing `dir` of `base` with `extras` added. Mount it read-only: changes are
 * refused with EROFS by the core (the mount's flag), so no write ever reaches the wrapper or
 * mixes its inodes with the base's.
 */
export class AugmentedFs extends FileSystem {
  readonly type: string;
  override readonly dev: number;
  override readonly volatile = true;
  override readonly readOnly = true;
  override readonly noDirAtime: boolean;
  override readonly nameMax: number;
  readonly root: AugmentedDir;
  readonly base: FileSystem;

  constructor(base: FileSystem, dir: Inode, extras: ReadonlyMap<ByteString, Inode>) {
    super();
    if (!dir.isDir()) throw vfsError('ENOTDIR');
    this.base = base;
    this.type = base.type;
    this.dev = base.dev;
    this.noDirAtime = base.noDirAtime;
    this.nameMax = base.nameMax;
    this.root = new AugmentedDir(this, dir, extras);
  }

  override get source(): string {
    return this.base.source;
  }

  override get mountOptions(): string {
    return this.base.mountOptions;
  }

  statfs(): StatFs {
    return this.base.statfs();
  }

  /** The base filesystem binds to the namespace (procfs takes its processes from it). */
  override attachTo(vfs: VirtualFileSystem): void {
    this.base.attachTo(vfs);
  }

  /**
   * Entries of the wrapping directory: extras stay; the base's are checked by the base (or
   * looked up again when the base never changes underneath, which costs a lookup only).
   */
  override revalidate(dir: Inode, name: ByteString, cached: Inode): Inode | null {
    const root = this.root;
    if (dir !== root) return this.base.revalidate(dir, name, cached);
    const extra = root.extras.get(name);
    if (extra !== undefined) return extra;
    return this.base.volatile ? this.base.revalidate(root.base, name, cached) : root.base.lookup(name);
  }
}
