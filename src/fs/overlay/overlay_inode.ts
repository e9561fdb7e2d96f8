// This module is browser compatible.
/**
 * Overlay inodes (Linux struct ovl_inode): each stands for one merged object and holds the real
 * inodes it is made of, the upper one (once it exists) and the lower ones. Attributes come from
 * the topmost real inode and are copied into the fields the core reads (ovl_copyattr) whenever
 * the object is looked up, stat'ed or changed through the overlay.
 *
 * Invariants:
 * - `upper` only goes from null to an inode (copy-up), except when the layers change
 *   underneath and revalidation replaces the stack;
 * - a directory knows its one parent and name (updated by rename); a non-directory knows the
 *   parent and name it was looked up under, which copy-up uses (an upper non-directory never
 *   needs them again);
 * - `unlinked` marks an object whose name was removed through the overlay; a lower-only one can
 *   then no longer be copied up (EEXIST, as in the kernel).
 */
import { O_ACCMODE, O_RDONLY, O_TRUNC, S_IFCHR, S_IFMT } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import { vfsError } from '../../vfs/errors.js';
import { casefoldKey } from '../../emu/casefold/casefold.js';
import { Inode, type FileHandle, type NewInodeAttrs } from '../../vfs/inode.js';
import type { SetAttr, Stat, Timespec } from '../../vfs/stat.js';
import { copyUp, ensureImpure } from './copy_up.js';
import { OverlayFileHandle } from './file_handle.js';
import type { Layer } from './layer.js';
import { isNegative, resolveName, type DirStack, type Resolved } from './lookup.js';
import type { Overlay } from './overlay.js';
import { checkEmptyDir, OverlayDirHandle } from './readdir.js';
import { removeEntry } from './remove.js';
import { renameEntry } from './rename.js';
import { createInUpper, storedIn } from './_upper.js';
import { decodeOrigin } from './_origin.js';
import { escapeXattr, unescapeXattr, isOpaqueDir, isImpureDir, opaqueFlag, isWhiteout, OVL_XATTR_ORIGIN, readXattr, setOpaque } from './whiteout.js';

/** An object of the merged view: a directory or any other type. */
export abstract class OverlayInode extends Inode {
  readonly fs: Overlay;
  /** The upper object, null while the object lives only in lower layers. */
  upper: Inode | null;
  /** The directory this object was reached through (the root is its own parent). */
  parent: OverlayDirectory;
  /** Its name there. */
  name: ByteString = '';
  /** The name was removed through the overlay. */
  unlinked = false;
  /** st_dev when it is not the overlay's (a non-directory whose inode number overflowed). */
  devOverride = 0;

  constructor(fs: Overlay, upper: Inode | null) {
    super();
    this.fs = fs;
    this.upper = upper;
    this.parent = this as unknown as OverlayDirectory;
  }

  /** The real inode whose attributes and data this object shows (ovl_inode_real). */
  abstract real(): Inode;
  /** True when the object has a copy-up origin in a lower layer (OVL_TYPE_ORIGIN). */
  abstract hasOrigin(): boolean;
  /** Computes `ino` and `devOverride` (ovl_map_dev_ino). */
  protected abstract computeIno(real: Inode): void;
  /** The st_nlink to report for `real`. */
  protected abstract computeNlink(real: Inode): number;

  /** Copies the real inode's attributes into this inode's fields (ovl_copyattr). */
  syncAttrs(): void {
    const r = this.real();
    this.mode = r.mode;
    this.uid = r.uid;
    this.gid = r.gid;
    this.size = r.size;
    this.rdev = r.rdev;
    this.atimeSec = r.atimeSec;
    this.atimeNsec = r.atimeNsec;
    this.mtimeSec = r.mtimeSec;
    this.mtimeNsec = r.mtimeNsec;
    this.ctimeSec = r.ctimeSec;
    this.ctimeNsec = r.ctimeNsec;
    this.btimeSec = r.btimeSec;
    this.btimeNsec = r.btimeNsec;
    this.nlink = this.computeNlink(r);
    this.computeIno(r);
  }

  override blocks(): number {
    return this.real().blocks();
  }

  override blksize(): number {
    return this.real().blksize();
  }

  /** Linux ovl_getattr: the real inode's attributes with the overlay's st_dev and st_ino. */
  override getattr(out: Stat): void {
    const r = this.real();
    r.getattr(out);
    this.syncAttrs();
    out.dev = this.devOverride || this.fs.dev;
    out.ino = this.ino;
    if (this.isDir()) out.nlink = this.nlink;
  }

  /**
   * Linux ovl_setattr: copies the object up with its data (a truncation too, as the kernel
   * does), then changes the upper inode. An access-time update alone (relatime, from a read)
   * never copies up; it reaches the upper inode only (ovl_update_time).
   */
  override setattr(attr: SetAttr, now: Timespec): void {
    if (this.isAtimeTouch(attr)) {
      if (this.upper === null) return;
    } else {
      copyUp(this);
    }
    this.upper!.setattr(attr, now);
    this.syncAttrs();
  }

  private isAtimeTouch(attr: SetAttr): boolean {
    if (attr.atime === undefined || attr.ctime === undefined) return false;
    if (attr.mode !== undefined || attr.uid !== undefined || attr.gid !== undefined || attr.size !== undefined || attr.mtime !== undefined) return false;
    return attr.ctime.sec === this.ctimeSec && attr.ctime.nsec === this.ctimeNsec;
  }

  /** The real symlink's target (ovl_get_link). */
  override readlink(): ByteString {
    return this.real().readlink();
  }

  // ---- xattrs (ovl_xattr_get / ovl_xattr_set / ovl_listxattr): trusted.overlay.* of the merged
  // view is stored escaped as trusted.overlay.overlay.*; the overlay's own metadata never shows ----

  /** The real inode's xattr (ovl_xattr_get). Errors: the layer's. */
  override getxattr(name: ByteString): Uint8Array | null {
    return this.real().getxattr(escapeXattr(name));
  }

  /** Copies up, then sets the xattr on the upper inode (ovl_xattr_set). Errors: EROFS, the upper's. */
  override setxattr(name: ByteString, value: Uint8Array, flags: number, now: Timespec): void {
    copyUp(this);
    this.upper!.setxattr(escapeXattr(name), value, flags, now);
    this.syncAttrs();
  }

  /** The real inode's xattrs without the overlay's own (ovl_listxattr). */
  override listxattr(): ByteString[] {
    const out: ByteString[] = [];
    for (const n of this.real().listxattr()) {
      const shown = unescapeXattr(n);
      if (shown !== null) out.push(shown);
    }
    return out;
  }

  /** Copies up, then removes the xattr (ovl_xattr_set with no value). Errors: ENODATA, EROFS. */
  override removexattr(name: ByteString, now: Timespec): void {
    const real = escapeXattr(name);
    // Removing an xattr the lower object lacks fails before any copy-up.
    if (this.upper === null && this.real().getxattr(real) === null) throw vfsError('ENODATA');
    copyUp(this);
    this.upper!.removexattr(real, now);
    this.syncAttrs();
  }
}

/** A directory of the merged view: an upper directory and/or a stack of lower ones. */
export class OverlayDirectory extends OverlayInode implements DirStack {
  lowers: Inode[];
  lowerLayers: Layer[];
  lowerXw: boolean[];
  /** The upper directory is opaque: no lower directory is merged into it. */
  opaque = false;
  /** The upper directory is marked impure (OVL_IMPURE). */
  impure = false;
  /**
   * The directory may hold whiteouts, so listings are merged and filtered (OVL_WHITEOUTS): it is
   * or was merged, or it was copied up. Other directories are listed straight from their layer.
   */
  whiteouts = false;
  private ownIno = 0;

  constructor(fs: Overlay, upper: Inode | null, lowers: Inode[], lowerLayers: Layer[], lowerXw: boolean[]) {
    super(fs, upper);
    this.lowers = lowers;
    this.lowerLayers = lowerLayers;
    this.lowerXw = lowerXw;
    this.impure = upper !== null && isImpureDir(upper);
    this.opaque = upper !== null && lowers.length === 0 && isOpaqueDir(upper);
    this.whiteouts = this.isMerge() || readXattr(this.real(), OVL_XATTR_ORIGIN) !== null;
    if (fs.casefold) this.foldName = casefoldKey;
  }

  /** Replaces the layer stack after the layers changed underneath (revalidation). */
  setStack(r: Resolved): void {
    if (this.upper !== r.upper) {
      this.upper = r.upper;
      this.impure = r.upper !== null && isImpureDir(r.upper);
    }
    let same = this.lowers.length === r.lowers.length;
    for (let i = 0; same && i < r.lowers.length; i++) same = this.lowers[i] === r.lowers[i];
    if (!same) {
      this.lowers = r.lowers;
      this.lowerLayers = r.lowerLayers;
      this.lowerXw = r.lowerXw;
    }
    this.opaque = r.opaque;
    // As a fresh overlay decides it: a directory left in one layer (its upper removed
    // underneath) is listed straight from that layer again.
    this.whiteouts = this.isMerge() || readXattr(this.real(), OVL_XATTR_ORIGIN) !== null;
  }

  real(): Inode {
    return this.upper ?? this.lowers[0]!;
  }

  /**
   * True when the layers still resolve `name` in `dir` to exactly this directory's stack (the
   * allocation-free twin of resolveName, for revalidation on every lookup).
   */
  stillValid(dir: OverlayDirectory, name: ByteString): boolean {
    if (this.unlinked) return false;
    const upperDir = dir.upper;
    const mine = this.lowers;
    if (upperDir !== null) {
      const c = layerLookup(upperDir, name, this.upper);
      if (c !== this.upper) return false;
      if (c !== null && opaqueFlag(c) === 0x79) return this.opaque && mine.length === 0;
    } else if (this.upper !== null) {
      return false;
    }
    if (this.opaque) return false;
    const lowers = dir.lowers;
    let k = 0;
    for (let j = 0; j < lowers.length; j++) {
      const expected = k < mine.length && dir.lowerLayers[j] === this.lowerLayers[k] ? mine[k]! : null;
      const c = layerLookup(lowers[j]!, name, expected);
      if (c === null) continue;
      if (k < mine.length && c === mine[k]) {
        const layer = dir.lowerLayers[j]!;
        if (layer !== this.lowerLayers[k]) return false;
        const flag = layer.bottom ? 0 : opaqueFlag(c);
        if ((flag === 0x78) !== this.lowerXw[k]) return false;
        k++;
        if (flag === 0x79) return k === mine.length;
        continue;
      }
      // Something else: a whiteout or a non-directory below a directory ends the merge.
      if (c.isDir() || !(this.upper !== null || k > 0)) return false;
      return k === mine.length;
    }
    return k === mine.length;
  }

  /** OVL_TYPE_MERGE: an upper directory over lower ones, or several lower ones. */
  isMerge(): boolean {
    return this.upper !== null ? this.lowers.length > 0 : this.lowers.length > 1;
  }

  /** A directory that exists only in the upper layer and never held whiteouts (ovl_pure_upper). */
  pureUpper(): boolean {
    return this.lowers.length === 0 && !this.whiteouts;
  }

  hasOrigin(): boolean {
    return this.upper !== null && this.lowers.length > 0;
  }

  protected computeNlink(real: Inode): number {
    // "It's probably not worth it to count subdirs to get the correct link count" (ovl_getattr).
    return this.isMerge() ? 1 : real.nlink;
  }

  protected computeIno(real: Inode): void {
    const fs = this.fs;
    let n = this.lowers.length > 0 ? fs.stIno(this.lowerLayers[0]!, this.lowers[0]!.ino) : fs.stIno(fs.upper!, real.ino);
    if (n < 0) n = this.ownIno ||= fs.privateIno();
    this.ino = n;
  }

  /** Linux ovl_lookup. */
  override lookup(name: ByteString): Inode | null {
    const r = resolveName(this, name);
    if (isNegative(r)) return null;
    // With casefold the object keeps the topmost layer's spelling, which copy-up reuses.
    return this.fs.instantiate(r, this, this.fs.casefold ? this.storedName(name) ?? name : name);
  }

  /** With casefold: the spelling of the topmost layer that holds `name`. */
  override storedName(name: ByteString): ByteString | null {
    for (const dir of this.upper !== null ? [this.upper, ...this.lowers] : this.lowers) {
      const stored = storedIn(dir, name);
      if (stored !== null) return stored;
    }
    return null;
  }

  /** The whiteout hiding `name` in the upper directory, if any (ovl_dentry_is_whiteout). */
  upperWhiteout(name: ByteString): Inode | null {
    if (this.upper === null) return null;
    const c = this.upper.lookup(name);
    if (c === null) return null;
    if (!isWhiteout(c)) throw vfsError('EEXIST');
    return c;
  }

  /**
   * Linux ovl_create_object / ovl_create_or_link: copies this directory up, then creates the
   * object in the upper directory, replacing a whiteout there (ovl_create_over_whiteout); a
   * directory created over a whiteout is opaque.
   */
  private createObject(name: ByteString, make: (dir: Inode, name: ByteString) => Inode): OverlayInode {
    copyUp(this);
    const fs = this.fs;
    const whiteout = this.upperWhiteout(name);
    // A whiteout found by its folded name is replaced under its own spelling.
    if (whiteout !== null) name = storedIn(this.upper!, name) ?? name;
    const now = fs.clock();
    const made = createInUpper(fs, this.upper!, name, whiteout, make, (inode) => {
      if (whiteout !== null && inode.isDir()) setOpaque(inode, now);
    });
    let child: OverlayInode;
    if (made.isDir()) {
      const d = new OverlayDirectory(fs, made, [], [], []);
      d.opaque = whiteout !== null;
      child = d;
    } else {
      child = new OverlayFile(fs, made, null, null, null);
    }
    child.parent = this;
    child.name = name;
    fs.hashInode(made, child);
    child.syncAttrs();
    this.syncAttrs();
    return child;
  }

  /** Linux ovl_create. Errors: EROFS (no upper layer), then copy-up's and the upper layer's. */
  override create(name: ByteString, attrs: NewInodeAttrs): Inode {
    return this.createObject(name, (dir, n) => dir.create(n, attrs));
  }

  /** Linux ovl_mkdir: opaque when made over a whiteout. Errors: as create. */
  override mkdir(name: ByteString, attrs: NewInodeAttrs): Inode {
    return this.createObject(name, (dir, n) => dir.mkdir(n, attrs));
  }

  /** Linux ovl_mknod: creating a whiteout through the overlay is EPERM. */
  override mknod(name: ByteString, attrs: NewInodeAttrs): Inode {
    if ((attrs.mode & S_IFMT) === S_IFCHR && attrs.rdev === 0) throw vfsError('EPERM');
    return this.createObject(name, (dir, n) => dir.mknod(n, attrs));
  }

  /** Linux ovl_symlink. Errors: as create. */
  override symlink(name: ByteString, target: ByteString, attrs: NewInodeAttrs): Inode {
    return this.createObject(name, (dir, n) => dir.symlink(n, target, attrs));
  }

  /** O_TMPFILE (ovl_tmpfile): an unnamed upper file. */
  override tmpfile(attrs: NewInodeAttrs): Inode {
    copyUp(this);
    const made = this.upper!.tmpfile(attrs);
    const f = new OverlayFile(this.fs, made, null, null, null);
    f.parent = this;
    f.unlinked = true;
    this.fs.hashInode(made, f);
    f.syncAttrs();
    return f;
  }

  /**
   * Linux ovl_link: copies the object and this directory up, then links the upper object here.
   * A lower object with several names is copied up for this one only (index=off breaks the link).
   */
  override link(name: ByteString, inode: Inode): void {
    const target = inode as OverlayFile;
    copyUp(target);
    copyUp(this);
    const fs = this.fs;
    if (target.hasOrigin()) ensureImpure(this, fs.clock());
    const upperTarget = target.upper!;
    const whiteout = this.upperWhiteout(name);
    createInUpper(fs, this.upper!, whiteout !== null ? storedIn(this.upper!, name) ?? name : name, whiteout, (dir, n) => {
      dir.link(n, upperTarget);
      return upperTarget;
    });
    target.unlinked = false;
    target.syncAttrs();
    this.syncAttrs();
  }

  /** Linux ovl_unlink: a whiteout replaces a name that exists below. Errors: EROFS, the upper's. */
  override unlink(name: ByteString, inode: Inode): void {
    removeEntry(this, name, inode as OverlayInode, false);
  }

  /** Linux ovl_rmdir. Errors: ENOTEMPTY (entries other than whiteouts), EROFS, the upper's. */
  override rmdir(name: ByteString, inode: Inode): void {
    removeEntry(this, name, inode as OverlayInode, true);
  }

  /** Linux ovl_rename (see rename.ts). Errors: EXDEV, ENOTEMPTY, EROFS, the upper's. */
  override rename(oldName: ByteString, inode: Inode, newDir: Inode, newName: ByteString, replaced: Inode | null, exchange: boolean): void {
    renameEntry(this, oldName, inode as OverlayInode, newDir as OverlayDirectory, newName, replaced as OverlayInode | null, exchange);
  }

  /** True when the merged directory holds nothing but whiteouts. */
  override isEmptyDir(): boolean {
    try {
      checkEmptyDir(this);
      return true;
    } catch {
      return false;
    }
  }

  /** Linux ovl_dir_open: a listing of this directory (merged or straight from its one layer). */
  override open(): FileHandle {
    return new OverlayDirHandle(this);
  }
}

/** Any object but a directory: regular file, symlink, device, fifo or socket. */
export class OverlayFile extends OverlayInode {
  /** The lower object: the one shown while there is no upper, then the copy-up origin. */
  lower: Inode | null;
  lowerLayer: Layer | null;
  /** The lower directory `lower` was found in (for revalidation). */
  lowerDir: Inode | null;
  /**
   * Hashed by its lower inode (OVL_CONST_INO): a lower object with one link, whose st_ino stays
   * the lower one after copy-up. Lower hard links are not, so copy-up gives them a new st_ino.
   */
  hashedByLower = false;
  /** The origin recorded in the upper's `trusted.overlay.origin` (after a re-creation). */
  originLayer: Layer | null = null;
  originIno = 0;
  /** Open handles, which move to the upper file when it is copied up. */
  readonly handles = new Set<OverlayFileHandle>();

  constructor(fs: Overlay, upper: Inode | null, lower: Inode | null, lowerLayer: Layer | null, lowerDir: Inode | null) {
    super(fs, upper);
    this.lower = lower;
    this.lowerLayer = lowerLayer;
    this.lowerDir = lowerDir;
  }

  real(): Inode {
    return this.upper ?? this.lower!;
  }

  hasOrigin(): boolean {
    return this.upper !== null && ((this.lower !== null && this.hashedByLower) || this.originLayer !== null);
  }

  /** Reads the upper's origin xattr (ovl_check_origin), for st_ino. */
  loadOrigin(): void {
    const o = decodeOrigin(readXattr(this.upper!, OVL_XATTR_ORIGIN));
    if (o === null || o.layer < 1 || o.layer > this.fs.lowers.length) return;
    this.originLayer = this.fs.lowers[o.layer - 1]!;
    this.originIno = o.ino;
  }

  protected computeNlink(real: Inode): number {
    // An unlinked lower object cannot be linked again (vfs_link's i_nlink == 0 check).
    return this.unlinked && this.upper === null ? 0 : real.nlink;
  }

  protected computeIno(real: Inode): void {
    const fs = this.fs;
    let n: number;
    let layer: Layer;
    if (this.upper === null) {
      layer = this.lowerLayer!;
      n = fs.stIno(layer, real.ino);
    } else if (this.lower !== null && this.hashedByLower && this.lower.nlink === 1) {
      layer = this.lowerLayer!;
      n = fs.stIno(layer, this.lower.ino);
    } else if (this.originLayer !== null) {
      layer = this.originLayer;
      n = fs.stIno(layer, this.originIno);
    } else {
      layer = fs.upper!;
      n = fs.stIno(layer, real.ino);
    }
    if (n >= 0) {
      this.ino = n;
      this.devOverride = 0;
    } else {
      // No room for the layer number: report the real object with its own st_dev, as the
      // kernel does for non-directories it cannot map.
      this.ino = real.ino;
      this.devOverride = real.fs.dev;
    }
  }

  /** True when the layers still resolve `name` in `dir` to this object (no allocation). */
  stillValid(dir: OverlayDirectory, name: ByteString): boolean {
    if (this.unlinked) return false;
    const upperDir = dir.upper;
    if (this.upper !== null) return upperDir !== null && layerLookup(upperDir, name, this.upper) === this.upper;
    if (upperDir !== null && upperDir.lookup(name) !== null) return false;
    const lowers = dir.lowers;
    for (let i = 0; i < lowers.length; i++) {
      const l = lowers[i]!;
      const c = layerLookup(l, name, l === this.lowerDir ? this.lower : null);
      if (l === this.lowerDir) return c === this.lower;
      if (c !== null) return false;
    }
    return false;
  }

  /**
   * Linux ovl_open: opening for writing or with O_TRUNC copies up first, without data for
   * O_TRUNC (ovl_open_flags_need_copy_up; a read-only open never copies up); the handle follows
   * a later copy-up (ovl_real_fdget).
   */
  override open(flags: number): FileHandle {
    if ((flags & O_ACCMODE) !== O_RDONLY || flags & O_TRUNC) copyUp(this, flags & O_TRUNC ? 0 : Infinity);
    return new OverlayFileHandle(this, flags);
  }
}

/**
 * Looks `name` up in a layer directory, or, where the layer is a volatile filesystem (a host
 * directory) and the name last resolved to `expected`, asks the layer to revalidate that inode
 * instead (one check of the name on the host rather than a whole lookup). Either way the answer
 * is the inode now under `name`, the same object when unchanged, or null.
 */
function layerLookup(dir: Inode, name: ByteString, expected: Inode | null): Inode | null {
  return expected !== null && dir.fs.volatile ? dir.fs.revalidate(dir, name, expected) : dir.lookup(name);
}
