// This module is browser compatible.
/**
 * overlayfs: a union of directory trees with the Linux kernel's semantics
 * (Documentation/filesystems/overlayfs.rst, fs/overlayfs/). One writable upper layer over
 * read-only lower layers; lookups go top-down, whiteouts and opaque directories hide what is
 * below, directories merge, anything written is copied up first. The layers are any vroot
 * filesystems, reached only through their Inode operations; the upper must support whiteouts
 * (mknod of a character device 0/0) and `trusted.*` xattrs, as tmpfs does.
 *
 * What vroot does where the kernel leaves a choice (see README for the full list):
 * - redirect_dir=off, index=off, metacopy=off, xino: as the kernel's defaults (module parameters
 *   N): renaming a merged or lower directory is EXDEV, copy-up of one name of a lower hard link
 *   breaks the link, copy-up copies data at once.
 * - Inode numbers: with every layer on one filesystem, st_ino is the real inode number (the
 *   kernel's "same fs" case); otherwise the real number is composed with the layer's filesystem
 *   number in bits 40 and up (the kernel's xino), so st_ino is unique, and stays the same across
 *   copy-up, and st_dev is the overlay's for every object.
 * - Lower (and upper) layers may change underneath: with `revalidate` (the default) every path
 *   lookup re-checks the cached entry against every layer, as d_revalidate does for network
 *   filesystems, so the next lookup sees a name added, removed or replaced in any layer, and
 *   attributes are re-read from the real inode on every lookup and stat. See `OverlayOptions`.
 *
 * @example
 * const base = new Tmpfs();            // filled elsewhere
 * const ov = new Overlay({ lowers: [base], upper: new Tmpfs() });
 * const vfs = new VirtualFileSystem();
 * vfs.mount(ov, '/');
 */
import type { ByteString } from '../../vfs/bytes.js';
import { systemClock, type Clock } from '../../vfs/clock.js';
import { VfsError, vfsError } from '../../vfs/errors.js';
import { RENAME_EXCHANGE, RENAME_NOREPLACE } from '../../abi/constants.js';
import { OVL_XATTR_IMPURE, OVL_XATTR_UUID, opaqueFlag, readXattr } from './whiteout.js';
import { FileSystem, type Inode } from '../../vfs/inode.js';
import type { StatFs } from '../../vfs/stat.js';
import { Layer, layerRoot, type OverlayLayerSpec } from './layer.js';
import { fixOrigin } from './copy_up.js';
import { isNegative, resolveName, type Resolved } from './lookup.js';
import { OverlayDirectory, OverlayFile, OverlayInode } from './overlay_inode.js';
import { removeUpper } from './_upper.js';
import { entryNames } from './_dir_entries.js';

/**
 * Linux 6.6+ ovl_init_uuid_xattr with uuid=auto: an upper directory that has neither a uuid nor
 * the impure mark of an overlay used before gets a persistent random `trusted.overlay.uuid`.
 */
function initUuid(upperRoot: Inode, clock: Clock): void {
  if (readXattr(upperRoot, OVL_XATTR_UUID) !== null || readXattr(upperRoot, OVL_XATTR_IMPURE) !== null) return;
  const uuid = new Uint8Array(16);
  globalThis.crypto.getRandomValues(uuid);
  uuid[6] = (uuid[6]! & 0x0f) | 0x40;
  uuid[8] = (uuid[8]! & 0x3f) | 0x80;
  try {
    upperRoot.setxattr(OVL_XATTR_UUID, uuid, 0, clock());
  } catch (e) {
    if (!(e instanceof VfsError) || e.code !== 'EOPNOTSUPP') throw e;
  }
}

/**
 * Linux ovl_workdir_cleanup: staging entries left in the work directory by an interrupted change
 * (the overlay's `#ovl.` names, whole trees for directories) are removed when an overlay starts.
 */
function cleanWorkdir(work: Inode): void {
  for (const name of entryNames(work)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const inode = work.lookup(name);
    if (inode !== null) removeTree(work, name, inode);
  }
}

function removeTree(dir: Inode, name: ByteString, inode: Inode): void {
  if (inode.isDir()) {
    for (const n of entryNames(inode)) {
      const child = inode.lookup(n);
      if (child !== null) removeTree(inode, n, child);
    }
  }
  removeUpper(dir, name, inode);
}

/** The prefix of staging names (the kernel's "#%x" in its work directory). */
const TEMP_PREFIX = '#ovl.';

/** OVERLAYFS_SUPER_MAGIC from include/uapi/linux/magic.h. */
export const OVERLAYFS_SUPER_MAGIC = 0x794c7630;

/** Inode numbers below 2^40 are composed with the layer's filesystem number above them. */
const XINO_SHIFT = 2 ** 40;

/** Options of an overlay (the kernel's mount options of the same meaning). */
export interface OverlayOptions {
  /** The lower layers, topmost first (as `lowerdir=top:...:bottom`). At least one. */
  lowers: OverlayLayerSpec[];
  /** The writable upper layer (`upperdir=`). Without it the overlay is read-only (EROFS). */
  upper?: OverlayLayerSpec;
  /**
   * A directory on the upper's filesystem, outside the upper tree (`workdir=`), where copy-up,
   * whiteouts and directory replacement are staged and then renamed into place, so a crash of a
   * persistent upper never leaves a partial object visible. Without it, regular files are still
   * copied up atomically (built as an unnamed O_TMPFILE inode, then linked) when the upper
   * supports tmpfile; other objects are built in place, which is only crash-safe for in-memory
   * uppers.
   */
  work?: OverlayLayerSpec;
  /**
   * Re-check cached entries against the layers on every lookup (default true), so changes made
   * to a layer underneath the overlay are seen. With false, the overlay assumes the layers only
   * change through it, as the kernel does, and lookups are faster.
   */
  revalidate?: boolean;
  /** Time source for timestamps the overlay sets itself (copy-up). Default: the system clock. */
  clock?: Clock;
  /**
   * Case-insensitive directories (ext4 casefold semantics), as Linux 6.17+ merges casefolded
   * layers: every layer's root must fold names (a casefold tmpfs, HostFs or EROFS), and then
   * lookups, whiteouts and opaque directories match by folded name, a merged listing keeps the
   * topmost layer's spelling of each name, and copy-up keeps the lower's spelling. Default: on
   * when the layers fold names; layers that disagree are refused (EINVAL).
   */
  casefold?: boolean;
}

/**
 * An overlay filesystem.
 *
 * @example
 * const ov = new Overlay({ lowers: [image, base], upper: new Tmpfs() });
 */
export class Overlay extends FileSystem {
  readonly type = 'overlay';
  override readonly readOnly: boolean;
  override readonly volatile: boolean;
  override readonly nameMax: number;
  /** ovl_rename: RENAME_WHITEOUT is EINVAL. */
  override readonly renameFlags = RENAME_NOREPLACE | RENAME_EXCHANGE;
  readonly root: OverlayDirectory;
  /** The upper layer, null for a read-only overlay. */
  readonly upper: Layer | null;
  /** The lower layers, topmost first. */
  readonly lowers: readonly Layer[];
  /** The staging directory on the upper's filesystem, if one was given. */
  readonly work: Inode | null;
  readonly clock: Clock;
  /** All layers share one filesystem: st_ino is the real inode number. */
  readonly sameFs: boolean;
  /** Directories fold names (every layer does). */
  readonly casefold: boolean;
  /**
   * Overlay inodes by the real inode they are hashed on (ovl_get_inode's iget5 key), so every
   * name of one object, and every lookup of it, gives the same overlay inode.
   */
  private readonly inodes = new WeakMap<Inode, OverlayInode>();
  private nextPrivateIno = 1;
  private nextTemp = 1;

  constructor(options: OverlayOptions) {
    super();
    if (options.lowers.length === 0) throw vfsError('EINVAL', 'an overlay needs at least one lower layer');
    this.clock = options.clock ?? systemClock;
    const fsids = new Map<FileSystem, number>();
    let upper: Layer | null = null;
    if (options.upper !== undefined) {
      const u = layerRoot(options.upper);
      if (u.fs.readOnly) throw vfsError('EROFS', 'the upper layer is read-only');
      // An overlay cannot hold whiteouts (mknod of 0/0 is EPERM there), as the kernel refuses it.
      if (u.fs instanceof Overlay) throw vfsError('EINVAL', 'an overlay cannot be an upper layer');
      if (!u.root.isDir()) throw vfsError('ENOTDIR', 'the upper layer is not a directory');
      fsids.set(u.fs, 0);
      upper = new Layer(u.fs, u.root, 0, 0);
    }
    const lowers: Layer[] = [];
    let nextFsid = 1;
    for (const spec of options.lowers) {
      const l = layerRoot(spec);
      if (!l.root.isDir()) throw vfsError('ENOTDIR', 'a lower layer is not a directory');
      let fsid = fsids.get(l.fs);
      if (fsid === undefined) {
        fsid = upper === null && fsids.size === 0 ? 0 : nextFsid++;
        fsids.set(l.fs, fsid);
      }
      lowers.push(new Layer(l.fs, l.root, lowers.length + 1, fsid, lowers.length === options.lowers.length - 1));
    }
    let work: Inode | null = null;
    if (options.work !== undefined) {
      if (upper === null) throw vfsError('EINVAL', 'workdir without upperdir');
      const w = layerRoot(options.work);
      if (w.fs !== upper.fs) throw vfsError('EINVAL', 'workdir and upperdir must be on the same filesystem');
      if (!w.root.isDir()) throw vfsError('ENOTDIR', 'the work directory is not a directory');
      if (w.root === upper.root) throw vfsError('EINVAL', 'workdir and upperdir must differ');
      work = w.root;
    }
    const folding = [upper, ...lowers].filter((l) => l !== null).map((l) => l.root.foldName !== undefined);
    const folds = folding.every((f) => f);
    if (options.casefold === true && !folds) throw vfsError('EINVAL', 'casefold needs every layer to fold names');
    if (options.casefold === undefined && !folds && folding.some((f) => f)) {
      throw vfsError('EINVAL', 'some layers fold names and others do not');
    }
    this.casefold = options.casefold ?? folds;
    this.upper = upper;
    this.lowers = lowers;
    this.work = work;
    this.readOnly = upper === null;
    this.volatile = options.revalidate ?? true;
    this.sameFs = fsids.size === 1;
    let nameMax = 0;
    for (const fs of fsids.keys()) nameMax = Math.max(nameMax, fs.nameMax);
    this.nameMax = nameMax;
    const rootXw = lowers.map((l) => !l.bottom && opaqueFlag(l.root) === 0x78);
    lowers.forEach((l, i) => { if (rootXw[i]) l.hasXwhiteouts = true; });
    const root = new OverlayDirectory(this, upper?.root ?? null, lowers.map((l) => l.root), lowers, rootXw);
    root.whiteouts = true;
    this.root = root;
    if (upper !== null) initUuid(upper.root, this.clock);
    if (work !== null) cleanWorkdir(work);
    root.syncAttrs();
  }

  override get source(): string {
    return 'overlay';
  }

  override get mountOptions(): string {
    const parts = [`lowerdir=${this.lowers.map((l) => l.fs.type).join(':')}`];
    if (this.upper !== null) parts.push(`upperdir=${this.upper.fs.type}`);
    return parts.join(',');
  }

  /** statfs of the upper layer (or the topmost lower), with the overlay's magic (ovl_statfs). */
  statfs(): StatFs {
    const st = (this.upper ?? this.lowers[0]!).fs.statfs();
    st.type = OVERLAYFS_SUPER_MAGIC;
    st.namelen = this.nameMax;
    return st;
  }

  /**
   * Linux ovl_revalidate / ovl_dentry_revalidate for layers that may change: re-resolves `name`
   * and keeps the cached inode when it still stands for the same objects. A directory keeps its
   * identity while it stays a directory (its layer stack is updated in place), so working
   * directories and open directories inside it stay usable.
   */
  override revalidate(dir: Inode, name: ByteString, cached: Inode): Inode | null {
    const parent = dir as OverlayDirectory;
    const c = cached as OverlayInode;
    if (c instanceof OverlayFile ? c.stillValid(parent, name) : (c as OverlayDirectory).stillValid(parent, name)) {
      c.syncAttrs();
      return c;
    }
    const r = resolveName(parent, name);
    if (isNegative(r)) return null;
    if (r.isDir && c instanceof OverlayDirectory) {
      c.setStack(r);
      fixOrigin(c, parent);
      c.syncAttrs();
      return c;
    }
    return this.instantiate(r, parent, name);
  }

  /** The overlay inode for a resolved name (ovl_get_inode): the cached one when it matches. */
  instantiate(r: Resolved, parent: OverlayDirectory, name: ByteString): OverlayInode {
    if (r.isDir) {
      const key = r.upper ?? r.lowers[0]!;
      const cached = this.inodes.get(key);
      let d: OverlayDirectory;
      if (!(cached instanceof OverlayDirectory) || cached.unlinked) {
        d = new OverlayDirectory(this, r.upper, r.lowers, r.lowerLayers, r.lowerXw);
        this.inodes.set(key, d);
      } else {
        d = cached;
        d.setStack(r);
      }
      d.parent = parent;
      d.name = name;
      d.opaque = r.opaque;
      fixOrigin(d, parent);
      d.syncAttrs();
      return d;
    }
    const lower = r.lowers[0] ?? null;
    if (r.upper !== null) {
      const cached = this.inodes.get(r.upper);
      let f: OverlayFile;
      if (cached instanceof OverlayFile && cached.upper === r.upper) {
        f = cached;
      } else {
        f = new OverlayFile(this, r.upper, null, null, null);
        f.parent = parent;
        f.name = name;
        f.loadOrigin();
        this.inodes.set(r.upper, f);
      }
      f.syncAttrs();
      return f;
    }
    // A lower hard link is hashed per name: copy-up breaks it (index=off), so each name must be
    // able to get its own upper file (ovl_hash_bylower).
    const hashed = lower!.nlink === 1 || this.upper === null;
    const cached = hashed ? this.inodes.get(lower!) : undefined;
    let f: OverlayFile;
    if (!(cached instanceof OverlayFile) || cached.upper !== null || cached.lower !== lower || cached.unlinked) {
      f = new OverlayFile(this, null, lower, r.lowerLayers[0]!, r.lowerDir);
      f.hashedByLower = hashed;
      if (hashed) this.inodes.set(lower!, f);
    } else {
      f = cached;
      f.lowerDir = r.lowerDir;
    }
    f.parent = parent;
    f.name = name;
    f.syncAttrs();
    return f;
  }

  /** Records that `inode` is now also reached through the real inode `key` (after copy-up). */
  hashInode(key: Inode, inode: OverlayInode): void {
    this.inodes.set(key, inode);
  }

  /**
   * The st_ino of a real inode of `layer` (ovl_map_dev_ino), or -1 when it does not fit the
   * composed number space (the kernel's xino overflow).
   */
  stIno(layer: Layer, ino: number): number {
    if (this.sameFs) return ino;
    if (ino >= XINO_SHIFT) return -1;
    return ino + layer.fsid * XINO_SHIFT;
  }

  /** A non-persistent inode number for directories whose real number overflows. */
  privateIno(): number {
    return this.nextPrivateIno++;
  }

  /** A fresh name for a staging entry, like the kernel's "#%x" in workdir (ovl_lookup_temp). */
  tempName(dir: Inode): ByteString {
    for (;;) {
      const name = `${TEMP_PREFIX}${(this.nextTemp++).toString(16)}`;
      if (dir.lookup(name) === null) return name;
    }
  }

  /** Throws EROFS when there is no upper layer; returns it otherwise. */
  requireUpper(): Layer {
    if (this.upper === null) throw vfsError('EROFS');
    return this.upper;
  }
}
