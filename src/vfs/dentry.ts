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
  /** The parent dentry; a filesystem root is its own parent, as in Linux. */
  parent: Dentry;
  readonly inode: Inode;
  /** Cached children by name (positive entries only). */
  children: Map<ByteString, Dentry> | null = null;
  /** How many mounts use this dentry as their mount point. */
  mounted = 0;
  /** The name was removed (unlink, rmdir, rename over it). */
  deleted = false;
  /** Holders that keep this dentry cached (see the invariants above). */
  pins = 0;

  constructor(name: ByteString, parent: Dentry | null, inode: Inode) {
    this.name = name;
    this.parent = parent ?? this;
    this.inode = inode;
    if (parent === null || inode.isDir()) directoryDentries.set(inode, this);
  }

  /** True for the root dentry of a filesystem. */
  isRoot(): boolean {
    return this.parent === this;
  }

  /** The cached child `name`, if any. */
  cachedChild(name: ByteString): Dentry | undefined {
    return this.children?.get(name);
  }

  /** Adds a child to the cache. */
  addChild(child: Dentry): void {
    (this.children ??= new Map()).set(child.name, child);
  }

  /** Removes this dentry's name from its parent (d_delete). */
  markDeleted(): void {
    if (this.parent !== this) this.parent.children?.delete(this.name);
    this.deleted = true;
  }

  /** Moves this dentry to a new parent and name (d_move). */
  move(newParent: Dentry, newName: ByteString): void {
    this.parent.children?.delete(this.name);
    this.parent = newParent;
    this.name = newName;
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
  const child = directoryDentries.get(dir)?.children?.get(name);
  if (child !== undefined && child.mounted === 0) child.markDeleted();
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
