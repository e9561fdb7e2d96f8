// This module is browser compatible.
/**
 * Dentries: the core's cache of names (Linux `struct dentry`). A dentry ties a name in a parent
 * directory to an inode, and is what open files, working directories and mount points refer
 * to. Filesystems never see dentries; the core keeps them consistent because every change of
 * names goes through it (create, unlink, rename), and volatile filesystems revalidate them.
 *
 * Invariants:
 * - a directory inode has at most one live dentry (directories cannot be hard-linked), so a
 *   directory's dentry parent chain is its one path;
 * - `deleted` is set when the name is removed; such a dentry leaves its parent's `children`
 *   but keeps `parent` and `name` so /proc/<pid>/fd can still show "<path> (deleted)";
 * - `pins` counts holders that need this dentry to stay in the cache (open files, working
 *   directories, roots, mounts); unpinned leaves may be evicted when the cache is over its bound.
 */
import type { ByteString } from './bytes.js';
import type { FileSystem, Inode } from './inode.js';

export class Dentry {
  name: ByteString;
  /**
   * The key of this dentry in its parent's `children`: the name, or its folded form in a
   * directory that folds names (Linux d_hash; see `Inode.foldName`).
   */
  key: ByteString;
  /** The parent dentry; a filesystem root is its own parent, as in Linux. */
  parent: Dentry;
  readonly inode: Inode;
  /** Cached children by key (positive entries only). */
  children: Map<ByteString, Dentry> | null = null;
  /** How many mounts use this dentry as their mount point. */
  mounted = 0;
  /** The name was removed (unlink, rmdir, rename over it). */
  deleted = false;
  /** Holders that keep this dentry cached (see the invariants above). */
  pins = 0;
  /** Set on every cache hit; the eviction sweep gives referenced dentries a second chance. */
  referenced = false;

  constructor(name: ByteString, parent: Dentry | null, inode: Inode, key: ByteString = name) {
    this.name = name;
    this.key = key;
    this.parent = parent ?? this;
    this.inode = inode;
    if (parent === null || inode.isDir()) directoryDentries.set(inode, this);
  }

  /** The key a child called `name` has in this directory (Linux d_hash). Errors: EINVAL. */
  keyOf(name: ByteString): ByteString {
    const fold = this.inode.foldName;
    return fold === undefined ? name : fold(name);
  }

  /** True for the root dentry of a filesystem. */
  isRoot(): boolean {
    return this.parent === this;
  }

  /** The cached child with key `key` (see `keyOf`), if any. */
  cachedChild(key: ByteString): Dentry | undefined {
    return this.children?.get(key);
  }

  /** Adds a child to the cache. */
  addChild(child: Dentry): void {
    (this.children ??= new Map()).set(child.key, child);
    cacheOf(child.inode.fs).note(child);
  }

  /** Removes this dentry's name from its parent (d_delete). */
  markDeleted(): void {
    this.unhash();
    this.deleted = true;
  }

  /** Takes this dentry out of its parent's cache (d_drop). */
  unhash(): void {
    const siblings = this.parent.children;
    if (this.parent !== this && siblings?.get(this.key) === this) siblings.delete(this.key);
    cacheOf(this.inode.fs).forget(this);
  }

  /** Moves this dentry to a new parent, name and key (d_move). */
  move(newParent: Dentry, newName: ByteString, newKey: ByteString = newName): void {
    this.unhash();
    this.parent = newParent;
    this.name = newName;
    this.key = newKey;
    newParent.addChild(this);
  }

  /** True when `this` is `ancestor` or below it (is_subdir). */
  isSubdirOf(ancestor: Dentry): boolean {
    let d: Dentry = this;
    for (;;) {
      if (d === ancestor) return true;
      if (d.parent === d) return false;
      d = d.parent;
    }
  }
}

/** The dentry of each directory inode (a directory has at most one live dentry). */
const directoryDentries = new WeakMap<Inode, Dentry>();

/**
 * Drops the cached entry `name` of the directory `dir` (Linux d_invalidate), for a filesystem
 * that was changed without going through the core: an overlay writes its upper layer by calling
 * the layer's Inode operations directly, and every mount of that layer must see the change.
 * Entries that are mount points stay.
 */
export function invalidateChild(dir: Inode, name: ByteString): void {
  const parent = directoryDentries.get(dir);
  if (parent?.children == null) return;
  let key: ByteString;
  try {
    key = parent.keyOf(name);
  } catch {
    return;
  }
  const child = parent.children.get(key);
  if (child !== undefined && child.mounted === 0) child.markDeleted();
}

/**
 * The bound on cached dentries (gVisor once let its dentry cache grow to 2.3 GB). Each
 * filesystem has its own cache, so a filesystem nobody uses any more is collected with its
 * dentries. Every cached dentry is in `ring` in insertion order; over the limit, a clock sweep
 * evicts unpinned leaves (no cached children, no mounts, no holders) that were not referenced
 * since the last sweep. An evicted dentry is only a cache entry: the next lookup asks the
 * filesystem again.
 */
class DentryCache {
  private readonly ring = new Set<Dentry>();

  get size(): number {
    return this.ring.size;
  }

  note(d: Dentry): void {
    this.ring.add(d);
    if (this.ring.size > dentryLimit) this.shrink(Math.floor(dentryLimit * 0.9));
  }

  forget(d: Dentry): void {
    this.ring.delete(d);
  }

  shrink(target: number): void {
    let budget = this.ring.size;
    for (const d of this.ring) {
      if (this.ring.size <= target || budget-- <= 0) break;
      this.ring.delete(d);
      if (d.referenced) {
        d.referenced = false;
        this.ring.add(d);
      } else if (d.pins === 0 && d.mounted === 0 && (d.children === null || d.children.size === 0) && d.parent !== d) {
        const siblings = d.parent.children;
        if (siblings?.get(d.key) === d) siblings.delete(d.key);
      } else {
        this.ring.add(d);
      }
    }
  }
}

/** The most dentries one filesystem keeps cached. */
let dentryLimit = 250_000;
const caches = new WeakMap<FileSystem, DentryCache>();

function cacheOf(fs: FileSystem): DentryCache {
  let c = caches.get(fs);
  if (c === undefined) {
    c = new DentryCache();
    caches.set(fs, c);
  }
  return c;
}

/** How many dentries of `fs` are cached. */
export function dentryCacheSize(fs: FileSystem): number {
  return caches.get(fs)?.size ?? 0;
}

/**
 * Sets the most dentries each filesystem keeps cached (default 250,000); caches over the new
 * limit shrink as they next grow.
 */
export function setDentryCacheLimit(limit: number): void {
  dentryLimit = Math.max(1, Math.floor(limit));
}

const roots = new WeakMap<FileSystem, Dentry>();

/** The root dentry of a filesystem, shared by every mount of it (a super_block's s_root). */
export function rootDentryOf(fs: FileSystem): Dentry {
  let d = roots.get(fs);
  if (d === undefined) {
    d = new Dentry('/', null, fs.root);
    d.pins++;
    roots.set(fs, d);
  }
  return d;
}
