// Node-specific: serves a host directory through the VFS (needs the native addon, Linux only).
/**
 * hostfs: a directory of the host served as a vroot filesystem, confined absolutely.
 *
 * Confinement. Every host call names at most one path component, relative to a directory
 * descriptor HostFs holds, and never follows a symlink: lookups are openat2(O_PATH|O_NOFOLLOW,
 * RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS), creations are mkdirat, mknodat,
 * symlinkat and openat2(O_CREAT|O_EXCL), and calls on an object act on the O_PATH descriptor
 * that holds it (AT_EMPTY_PATH, or the /proc/self/fd/N magic link, which jumps to that very
 * object). Symlinks are read as text and resolved by the VFS walk, inside the guest's root.
 * So whatever the guest asks and whatever another process does to the tree meanwhile, HostFs
 * only ever reaches objects it found inside the served directory by single-name lookups.
 *
 * What is not an escape: an object the host itself puts inside the directory (a hard link to an
 * outside file, a bind mount) is inside; an object HostFs already holds (an open file, a working
 * directory) stays reachable through that reference if the host moves it elsewhere, as with any
 * open descriptor.
 *
 * Revalidation. Host changes are seen: every walk through a cached name checks it with one
 * statx and compares the object's identity (device, inode, type, birth time).
 *
 * Descriptors. An inode holds the host object by an O_PATH descriptor, so an open file keeps
 * working after the host unlinks or renames it and setattr acts on that object, not on whatever
 * has its old name now. Descriptors of inodes that are neither open nor the root are kept in an
 * LRU of `maxCachedFds` (closed deterministically, so a synchronous loop never runs out); an
 * evicted one is found again by its last known name and its identity checked (ESTALE if the
 * host replaced it, or if it has no name left).
 *
 * @example
 * import { VirtualFileSystem } from 'vroot';
 * import { HostFs } from 'vroot/node';
 * const vfs = new VirtualFileSystem();
 * vfs.mount(new HostFs('/srv/rootfs', { readOnly: true }), '/');
 */
import { errno } from '../../abi/errno.js';
import type { ByteString } from '../../vfs/bytes.js';
import { VfsError, vfsError } from '../../vfs/errors.js';
import { FileSystem, type Inode } from '../../vfs/inode.js';
import type { StatFs } from '../../vfs/stat.js';
import { loadHostCalls, type HostCalls } from './_native.js';
import { HostInode, type FdBox } from './host_inode.js';
import { ST_DEV_MAJOR, ST_DEV_MINOR, ST_INO_HI, ST_INO_LO, STAT_SLOTS } from './_statx.js';

/** Options of a HostFs. */
export interface HostFsOptions {
  /** Every write fails with EROFS (default false). */
  readOnly?: boolean;
  /**
   * How many host descriptors of inodes that are not open may stay open (default 4096, at
   * least 16). Open files, unlinked inodes and the root are held on top of these.
   */
  maxCachedFds?: number;
  /**
   * Case-insensitive, case-preserving directories everywhere below, with ext4 casefold
   * semantics (Unicode 12.1 NFD and full case folding; names that are not valid UTF-8 match
   * byte for byte), over a host directory that is itself case-sensitive (what Wine, Proton and
   * Darling need). A lookup finds the entry whose folded name is equal (a folded index per
   * directory, rebuilt when the host directory's ctime or size moves); creating a name whose
   * fold exists is EEXIST; listings show the stored names. When the host holds names that fold
   * alike (made outside vroot), every spelling finds the first of them in byte order and the
   * others are only listed. Default false.
   */
  casefold?: boolean;
}

const ST_RDONLY = 1;
/** First inode number handed to objects on other host devices (mounts inside the directory). */
const FOREIGN_INO_BASE = 2 ** 52;

/**
 * A host directory as a filesystem (Linux has no equivalent; think of a bind mount whose every
 * lookup is confined as openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) would confine it).
 *
 * @example
 * vfs.mount(new HostFs('/srv/project'), '/work');
 */
export class HostFs extends FileSystem {
  readonly type = 'hostfs';
  override readonly volatile = true;
  override readonly readOnly: boolean;
  /** Directories fold names (the `casefold` option). */
  readonly casefold: boolean;
  readonly root: HostInode;
  /** The host directory served. */
  readonly hostDir: string;
  /** @internal The addon's calls. */
  readonly host: HostCalls;
  /** @internal A statx result buffer, reused (the core is synchronous). */
  readonly st = new Float64Array(STAT_SLOTS);
  /** @internal True when the host process may give objects to other owners (euid 0). */
  readonly privileged: boolean;
  /**
   * @internal The read-write descriptor of a file just created (O_CREAT|O_EXCL) or made by
   * O_TMPFILE, kept for the open that follows in the same syscall: its creator may write it
   * whatever its mode, as open(2) allows. Any other host call closes it.
   */
  pending: { inode: HostInode; fd: number } | null = null;
  private readonly rootDevMajor: number;
  private readonly rootDevMinor: number;
  private readonly maxFds: number;
  /** Live inodes by host identity, so hard links and repeated lookups share one inode. */
  private readonly byIdentity = new Map<string, WeakRef<HostInode>>();
  /** Inodes whose descriptor may be closed, least recently used first. */
  private readonly lru = new Map<HostInode, true>();
  private readonly foreignIno = new Map<string, number>();
  private nextForeignIno = FOREIGN_INO_BASE;
  private closed = false;
  /** Closes a collected inode's descriptor and forgets its identity. */
  private readonly registry = new FinalizationRegistry<{ box: FdBox; key: string }>(({ box, key }) => {
    if (box.fd >= 0) this.host.close(box.fd);
    box.fd = -1;
    if (this.byIdentity.get(key)?.deref() === undefined) this.byIdentity.delete(key);
  });

  /**
   * Serves `hostDir` (a path the embedder trusts: it is resolved once, symlinks included).
   * Errors: the host's errno for `hostDir` (ENOENT, ENOTDIR, EACCES); an Error when the native
   * addon is not built.
   */
  constructor(hostDir: string | Uint8Array, options: HostFsOptions = {}) {
    super();
    this.host = loadHostCalls();
    this.readOnly = options.readOnly ?? false;
    this.casefold = options.casefold === true;
    this.maxFds = Math.max(16, options.maxCachedFds ?? 4096);
    this.hostDir = typeof hostDir === 'string' ? hostDir : Buffer.from(hostDir).toString();
    this.privileged = process.geteuid?.() === 0;
    const path = typeof hostDir === 'string' ? Buffer.from(hostDir) : hostDir;
    const fd = this.host.openroot(path);
    if (fd < 0) throw new VfsError(-fd, 'open', this.hostDir);
    const r = this.host.statx(fd, null, this.st);
    if (r < 0) {
      this.host.close(fd);
      throw new VfsError(-r, 'statx', this.hostDir);
    }
    this.rootDevMajor = this.st[ST_DEV_MAJOR]!;
    this.rootDevMinor = this.st[ST_DEV_MINOR]!;
    this.root = this.adopt(fd, null, '', true);
  }

  override get source(): string {
    return this.hostDir;
  }

  /** statfs of the host filesystem holding the directory (Linux statfs). */
  statfs(): StatFs {
    const o = new Float64Array(12);
    this.check(this.host.statfs(this.hold(this.root), o));
    return {
      type: o[0]!, bsize: o[1]!, blocks: o[2]!, bfree: o[3]!, bavail: o[4]!, files: o[5]!, ffree: o[6]!,
      fsid: [o[7]!, o[8]!], namelen: o[9]!, frsize: o[10]!,
      flags: (o[11]! & ST_RDONLY) | (this.readOnly ? ST_RDONLY : 0),
    };
  }

  /**
   * Linux d_revalidate: one statx of `name` in `dir`. The cached inode when the name still
   * holds the same object (its attributes refreshed), a fresh lookup when the host put another
   * object there, null when the name is gone.
   */
  override revalidate(dir: Inode, name: ByteString, cached: Inode): Inode | null {
    const d = dir as HostInode;
    const c = cached as HostInode;
    const r = this.host.statx(this.hold(d), Buffer.from(name, 'latin1'), this.st);
    if (r === -errno.ENOENT) return null;
    this.check(r);
    if (c.sameObject(this.st)) {
      c.applyStat(this.st);
      c.seenAt(d, name);
      return c;
    }
    return d.lookup(name);
  }

  /**
   * Closes every host descriptor this filesystem holds (open files keep theirs until closed).
   * Any later call on it fails with EIO.
   */
  close(): void {
    this.settle();
    for (const ref of this.byIdentity.values()) {
      const inode = ref.deref();
      if (inode !== undefined && inode.box.fd >= 0) {
        this.host.close(inode.box.fd);
        inode.box.fd = -1;
      }
    }
    this.lru.clear();
    this.closed = true;
  }

  // ---- internal: errors, descriptors, identity ----

  /** @internal Returns `r`, or throws the VfsError of a negative errno. */
  check(r: number): number {
    if (r < 0) throw new VfsError(-r);
    return r;
  }

  /** @internal Throws EROFS on a read-only HostFs. */
  writable(): void {
    if (this.readOnly) throw vfsError('EROFS');
  }

  /** @internal Closes the descriptor of a creation no open followed. */
  settle(): void {
    const p = this.pending;
    if (p !== null) {
      this.pending = null;
      this.host.close(p.fd);
    }
  }

  /**
   * @internal The descriptor holding `inode`'s host object, found again by its last known name
   * when it was evicted. Errors: EIO (closed), ESTALE (the name now holds another object or
   * none), and the host's errno.
   */
  hold(inode: HostInode): number {
    this.settle();
    if (this.closed) throw vfsError('EIO', 'the HostFs was closed');
    const box = inode.box;
    if (box.fd >= 0) {
      if (!inode.pinned) {
        this.lru.delete(inode);
        this.lru.set(inode, true);
      }
      return box.fd;
    }
    const parent = inode.parentDir;
    if (parent === null) throw vfsError('ESTALE');
    const fd = this.host.lookup(this.hold(parent), Buffer.from(inode.entryName, 'latin1'));
    if (fd === -errno.ENOENT) throw vfsError('ESTALE');
    this.check(fd);
    const r = this.host.statx(fd, null, this.st);
    if (r < 0 || !inode.sameObject(this.st)) {
      this.host.close(fd);
      if (r < 0) this.check(r);
      throw vfsError('ESTALE');
    }
    box.fd = fd;
    this.track(inode);
    return fd;
  }

  /**
   * @internal The inode for the host object `fd` holds, seen as `name` in `parent` (null for
   * nameless objects): the live inode of the same object when there is one (taking over `fd`
   * or closing it), else a new one. A `pinned` inode (the root) keeps its descriptor.
   * Errors: the host's errno for statx (then `fd` is closed).
   */
  adopt(fd: number, parent: HostInode | null, name: ByteString, pinned = false): HostInode {
    const st = this.st;
    const r = this.host.statx(fd, null, st);
    if (r < 0) {
      this.host.close(fd);
      this.check(r);
    }
    const key = `${st[ST_DEV_MAJOR]}:${st[ST_DEV_MINOR]}:${st[ST_INO_HI]}:${st[ST_INO_LO]}`;
    const existing = this.byIdentity.get(key)?.deref();
    if (existing !== undefined && existing.sameObject(st)) {
      if (existing.box.fd < 0) {
        existing.box.fd = fd;
        this.track(existing);
      } else {
        this.host.close(fd);
      }
      existing.applyStat(st);
      if (parent !== null) existing.seenAt(parent, name);
      if (pinned) this.pin(existing);
      return existing;
    }
    const inode = new HostInode(this, st, this.inoOf(st[ST_DEV_MAJOR]!, st[ST_DEV_MINOR]!, st[ST_INO_HI]!, st[ST_INO_LO]!));
    inode.box.fd = fd;
    inode.parentDir = parent;
    inode.entryName = name;
    inode.pinned = pinned;
    this.byIdentity.set(key, new WeakRef(inode));
    this.registry.register(inode, { box: inode.box, key });
    this.track(inode);
    return inode;
  }

  /** @internal Keeps `inode`'s descriptor open until the inode is collected. */
  pin(inode: HostInode): void {
    inode.pinned = true;
    this.lru.delete(inode);
  }

  /** @internal Lets `inode`'s descriptor be evicted again (its last open file was closed). */
  unpin(inode: HostInode): void {
    if (!inode.pinned || inode === this.root) return;
    inode.pinned = false;
    this.track(inode);
  }

  /** @internal Closes `inode`'s descriptor for good (an unlinked object no file has open). */
  release(inode: HostInode): void {
    this.lru.delete(inode);
    inode.pinned = false;
    if (inode.box.fd >= 0) this.host.close(inode.box.fd);
    inode.box.fd = -1;
  }

  /** @internal The vroot inode number of a host object: st_ino on the directory's device. */
  inoOf(devMajor: number, devMinor: number, inoHi: number, inoLo: number): number {
    if (devMajor === this.rootDevMajor && devMinor === this.rootDevMinor && inoHi < 2 ** 20) {
      return inoHi * 2 ** 32 + inoLo;
    }
    // Another device (a mount inside the directory) or a huge st_ino: a number of our own.
    const key = `${devMajor}:${devMinor}:${inoHi}:${inoLo}`;
    let ino = this.foreignIno.get(key);
    if (ino === undefined) {
      ino = this.nextForeignIno++;
      this.foreignIno.set(key, ino);
    }
    return ino;
  }

  private track(inode: HostInode): void {
    if (inode.pinned) return;
    this.lru.set(inode, true);
    // Evict the least recently used: the inodes this call is using were just moved to the end.
    while (this.lru.size > this.maxFds) {
      const oldest = this.lru.keys().next().value as HostInode;
      this.lru.delete(oldest);
      if (oldest.box.fd >= 0) this.host.close(oldest.box.fd);
      oldest.box.fd = -1;
    }
  }
}
