// This module is browser compatible.
/**
 * FakeOwnership: a stacking filesystem that lets chown, chmod and mknod succeed without any
 * privilege on the filesystem below, the way fakeroot and rootless containers do. It records
 * owner, group, mode and device type instead of applying them, and shows the recorded values
 * everywhere the core looks (stat, permission checks, set-ID handling, directory listings).
 *
 * What reaches the lower filesystem:
 * - never an owner change: records are made always, not only when the lower refuses, so a run
 *   as fake root leaves every host file owned by the user who ran it (fakeroot and rootless
 *   containers' `override_stat` behave the same);
 * - permission bits, with the owner's read and write (and search, for directories) added and
 *   the set-ID and sticky bits left out, so the host process can always open what a faked root
 *   may, and never holds a set-ID file;
 * - devices as empty regular files (see `FakeInode.mknod`);
 * - everything else unchanged; the lower's errors pass through.
 *
 * Stores. `'memory'` keeps records by lower inode number for the life of the instance (fakeroot's
 * table). `'xattr'` writes them to each object's `user.containers.override_stat` (see
 * override_stat.ts), so they persist on a host directory across mounts and fuse-overlayfs sees
 * them; symlinks, and objects whose lower refuses the xattr, are kept in memory. It also marks
 * the lower's root with a record when it has none, as containers/storage marks a layer: that is
 * how fuse-overlayfs decides to read the records of a layer. The xattr itself is hidden from the
 * guest (absent to getxattr and listxattr, EPERM to setxattr and removexattr).
 *
 * Records are read when an object is first looked up and, for a volatile lower (a host
 * directory), again at a stat that finds the object changed (its ctime moved).
 *
 * @example
 * import { VirtualFileSystem, FakeOwnership, fakeRootProcess, AT_FDCWD } from 'vroot';
 * import { HostFs } from 'vroot/node';
 * const vfs = new VirtualFileSystem();
 * vfs.mount(new FakeOwnership(new HostFs('/srv/rootfs'), { store: 'xattr' }), '/');
 * const p = fakeRootProcess(vfs);
 * p.fchownat(AT_FDCWD, '/etc/shadow', 0, 42); // recorded; the host file keeps its owner
 */
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFSOCK } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import { FileSystem, type Inode, type NewInodeAttrs } from '../../vfs/inode.js';
import type { StatFs, Timespec } from '../../vfs/stat.js';
import type { VirtualFileSystem } from '../../vfs/virtual_filesystem.js';
import { MemoryOwnerStore, XattrOwnerStore, type OwnerRecord } from './_owner_store.js';
import { FakeCasefoldInode, FakeInode } from './fake_inode.js';

/** Options of a FakeOwnership. */
export interface FakeOwnershipOptions {
  /** Where records live: `'memory'` (default) or the lower objects' `'xattr'`s. */
  store?: 'memory' | 'xattr';
  /**
   * The owner and group shown for objects without a record. Default: the lower's own. fakeroot
   * shows such files as root's (`{ uid: 0, gid: 0 }`), as a rootless container shows the files
   * of the user who started it.
   */
  unrecordedOwner?: { uid: number; gid: number };
}

/**
 * A filesystem showing `lower` with recorded ownership.
 *
 * @example
 * const fs = new FakeOwnership(new Tmpfs(), { store: 'memory' });
 */
export class FakeOwnership extends FileSystem {
  readonly type: string;
  override readonly readOnly: boolean;
  override readonly volatile: boolean;
  override readonly noDirAtime: boolean;
  override readonly nameMax: number;
  override readonly posixAcl: boolean;
  readonly root: FakeInode;
  /** The filesystem below. */
  readonly lower: FileSystem;
  /** Where records live. */
  readonly storeKind: 'memory' | 'xattr';
  /** The owner shown for objects without a record, or null for the lower's. */
  readonly unrecordedOwner: { uid: number; gid: number } | null;
  /** @internal */
  readonly store: MemoryOwnerStore;
  /** The owner given to objects made on the lower: its root's (so a privileged host keeps them the user's). */
  private readonly lowerOwner: { uid: number; gid: number };
  /** The one wrapper of each live lower inode. */
  private readonly wrappers = new WeakMap<Inode, FakeInode>();

  constructor(lower: FileSystem, options: FakeOwnershipOptions = {}) {
    super();
    this.lower = lower;
    this.type = lower.type;
    this.readOnly = lower.readOnly;
    this.volatile = lower.volatile;
    this.noDirAtime = lower.noDirAtime;
    this.nameMax = lower.nameMax;
    this.posixAcl = lower.posixAcl;
    this.storeKind = options.store ?? 'memory';
    this.store = this.storeKind === 'xattr' ? new XattrOwnerStore() : new MemoryOwnerStore();
    this.unrecordedOwner = options.unrecordedOwner === undefined ? null : { ...options.unrecordedOwner };
    this.lowerOwner = { uid: lower.root.uid, gid: lower.root.gid };
    this.root = this.wrap(lower.root);
    if (this.storeKind === 'xattr' && !this.readOnly && this.root.record === null) {
      const r = this.root;
      this.recordOf(r, { uid: r.uid, gid: r.gid, mode: r.mode, rdev: 0 }, { sec: r.ctimeSec, nsec: r.ctimeNsec });
    }
  }

  override get source(): string {
    return this.lower.source;
  }

  override get mountOptions(): string {
    const own = `fake_owner=${this.storeKind}`;
    const below = this.lower.mountOptions;
    return below === '' ? own : `${below},${own}`;
  }

  statfs(): StatFs {
    return this.lower.statfs();
  }

  /** Read-only when the lower is, also after a remount of either. */
  override isReadOnly(): boolean {
    return super.isReadOnly() || this.lower.isReadOnly();
  }

  /** The lower sees the mounter's namespace, as it would mounted on its own. */
  override attachTo(vfs: VirtualFileSystem): void {
    this.lower.attachTo(vfs);
  }

  /** Linux d_revalidate, asked of the lower; the answer comes back wrapped. */
  override revalidate(dir: Inode, name: ByteString, cached: Inode): Inode | null {
    const now = this.lower.revalidate((dir as FakeInode).lower, name, (cached as FakeInode).lower);
    return now === null ? null : this.wrap(now);
  }

  /** @internal The wrapper of a lower inode (the same one for as long as either is alive). */
  wrap(lower: Inode): FakeInode {
    const known = this.wrappers.get(lower);
    if (known !== undefined) {
      known.sync();
      return known;
    }
    return this.newWrapper(lower, this.store.load(lower));
  }

  /** @internal Wraps an object just made on the lower and records the ownership asked for it. */
  adopt(lower: Inode, attrs: NewInodeAttrs): FakeInode {
    const inode = this.wrappers.get(lower) ?? this.newWrapper(lower, null);
    const record = { uid: attrs.uid, gid: attrs.gid, mode: attrs.mode, rdev: attrs.rdev };
    // A new object: its change time is its birth, which the record must not move.
    this.recordOf(inode, record, { sec: lower.ctimeSec, nsec: lower.ctimeNsec });
    return inode;
  }

  /** @internal The attributes of an object made on the lower for one the core asked for. */
  lowerAttrs(attrs: NewInodeAttrs, type: number): NewInodeAttrs {
    return { mode: type | lowerPermissions(type, attrs.mode), uid: this.lowerOwner.uid, gid: this.lowerOwner.gid, rdev: 0 };
  }

  /** @internal True when objects of `type` are held on the lower as empty regular files. */
  holdsAsFile(type: number): boolean {
    if (type === S_IFCHR || type === S_IFBLK) return true;
    return this.storeKind === 'xattr' && (type === S_IFIFO || type === S_IFSOCK);
  }

  /**
   * @internal The permission bits the lower should get for a recorded `mode` (see the module
   * comment), or undefined when it has them already (or is a symlink, which has none).
   */
  lowerMode(lower: Inode, mode: number): number | undefined {
    const type = lower.mode & S_IFMT;
    if (type === S_IFLNK) return undefined;
    const want = lowerPermissions(type, mode);
    return (lower.mode & 0o7777) === want ? undefined : want;
  }

  /** @internal An object lost a name: once it has none left, its record goes with it. */
  lostName(inode: FakeInode): void {
    inode.sync();
    if (inode.lower.nlink === 0) this.store.forget(inode.lower);
  }

  private newWrapper(lower: Inode, record: OwnerRecord | null): FakeInode {
    const casefold = typeof (lower as Partial<FakeCasefoldInode>).setCasefold === 'function';
    const inode = casefold ? new FakeCasefoldInode(this, lower, record) : new FakeInode(this, lower, record);
    this.wrappers.set(lower, inode);
    return inode;
  }

  private recordOf(inode: FakeInode, record: OwnerRecord, now: Timespec): void {
    this.store.save(inode.lower, record, now);
    inode.record = record;
    inode.recordRead();
    inode.sync();
  }
}

/**
 * The lower's permission bits for a recorded mode: the same read, write and execute bits, plus
 * the owner's read and write (and search for directories); no set-ID or sticky bits.
 */
function lowerPermissions(type: number, mode: number): number {
  if (type === S_IFLNK) return 0o777;
  return (mode & 0o777) | (type === S_IFDIR ? 0o700 : 0o600);
}
