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

  constructor(name: ByteString, parent: Dentry | null, inode: Inode, key: ByteString = name) {
    this.name = name;
    this.key = key;
    this.parent = parent ?? this;
    this.inode = inode;
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
