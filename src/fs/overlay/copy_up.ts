// This module is browser compatible.
/**
 * Copy-up (Linux fs/overlayfs/copy_up.c): before anything changes an object that lives only in
 * lower layers, its parents are copied up (topmost first), then the object itself: its type,
 * mode and owner, its data (holes kept), its xattrs except the overlay's own, a
 * `trusted.overlay.origin` naming the lower object (for directories and singly-linked files),
 * then its times. The parent is marked impure and keeps its times (ovl_set_timestamps).
 *
 * Atomicity: a regular file is built as an unnamed O_TMPFILE inode and linked into place, or
 * built in the work directory and renamed into place (ovl_copy_up_tmpfile,
 * ovl_copy_up_workdir); on failure it is dropped and the lower file stays visible.
 */
import { O_RDONLY, O_WRONLY, S_IFMT, S_IFDIR, S_IFLNK, S_IFREG } from '../../abi/constants.js';
import { VfsError, vfsError } from '../../vfs/errors.js';
import type { FileHandle, Inode, NewInodeAttrs } from '../../vfs/inode.js';
import type { Timespec } from '../../vfs/stat.js';
import type { Overlay } from './overlay.js';
import type { OverlayDirectory, OverlayFile, OverlayInode } from './overlay_inode.js';
import { createInUpper } from './_upper.js';
import { encodeOrigin } from './_origin.js';
import { isPrivateXattr, OVL_XATTR_ORIGIN, readXattr, setImpure } from './whiteout.js';

const CHUNK = 1 << 20;

/**
 * Copies `inode` up if it is not upper yet (ovl_copy_up_flags). Regular files keep at most
 * `sizeLimit` bytes of data (0 for open with O_TRUNC, as ovl_copy_up_one).
 * Errors: EROFS (no upper layer), ENOSPC and whatever the layers throw; nothing is left half done.
 */
export function copyUp(inode: OverlayInode, sizeLimit = Infinity): void {
  if (inode.upper !== null) return;
  inode.fs.requireUpper();
  if (inode.isDir()) copyUpDirectory(inode as OverlayDirectory);
  else copyUpFile(inode as OverlayFile, sizeLimit);
}

/** Marks the parent's upper directory impure once (ovl_set_impure). */
export function ensureImpure(dir: OverlayDirectory, now: Timespec): void {
  if (dir.impure) return;
  try {
    setImpure(dir.upper!, now);
  } catch (e) {
    if (!(e instanceof VfsError) || e.code !== 'EOPNOTSUPP') throw e;
  }
  dir.impure = true;
}

function copyUpDirectory(dir: OverlayDirectory): void {
  const parent = dir.parent;
  if (parent === dir) throw vfsError('EIO', 'overlay root without an upper directory');
  copyUp(parent);
  const fs = dir.fs;
  const lower = dir.lowers[0]!;
  const layer = dir.lowerLayers[0]!;
  const dest = parent.upper!;
  const now = fs.clock();
  ensureImpure(parent, now);
  checkFree(dest, dir.name, true);
  const saved = timesOf(dest);
  const attrs: NewInodeAttrs = { mode: S_IFDIR | (lower.mode & 0o7777), uid: lower.uid, gid: lower.gid, rdev: 0 };
  const upper = createInUpper(fs, dest, dir.name, null, (d, n) => d.mkdir(n, attrs), (made) => {
    copyMetadata(lower, made, now, layer.index, true);
  });
  restoreTimes(dest, saved, now);
  dir.upper = upper;
  dir.whiteouts = true;
  dir.impure = false;
  fs.hashInode(upper, dir);
  dir.syncAttrs();
  parent.syncAttrs();
}

function copyUpFile(file: OverlayFile, sizeLimit: number): void {
  const fs = file.fs;
  const lower = file.lower!;
  const layer = file.lowerLayer!;
  const now = fs.clock();
  const type = lower.mode & S_IFMT;
  // ovl_do_copy_up: the origin is recorded unless this breaks a lower hard link.
  const origin = lower.nlink === 1;
  const size = type === S_IFREG ? Math.min(lower.size, sizeLimit) : 0;
  const attrs: NewInodeAttrs = { mode: lower.mode, uid: lower.uid, gid: lower.gid, rdev: lower.rdev };
  const parent = file.parent;
  copyUp(parent);
  const dest = parent.upper!;
  ensureImpure(parent, now);
  checkFree(dest, file.name, false);
  const saved = timesOf(dest);
  const upper = type === S_IFREG && fs.work === null
    ? copyUpByTmpfile(fs, dest, file.name, lower, attrs, size, now, layer.index, origin)
    : createInUpper(fs, dest, file.name, null, (d, n) => makeObject(d, n, lower, attrs), (made) => {
      if (type !== S_IFREG) {
        copyMetadata(lower, made, now, layer.index, origin);
        return;
      }
      const h = made.open(O_WRONLY);
      try {
        fillFile(lower, made, h, size, now, layer.index, origin);
      } finally {
        h.release();
      }
    });
  restoreTimes(dest, saved, now);
  parent.syncAttrs();
  file.upper = upper;
  fs.hashInode(upper, file);
  file.syncAttrs();
  for (const h of file.handles) h.current();
}

/**
 * Refuses a copy-up whose name is taken in the upper directory: by the whiteout left when the
 * name was removed through the overlay while the object stayed open, or by anything the upper
 * gained underneath. The kernel fails the same way when it links (EEXIST) or renames (ENOTDIR
 * for a directory over a whiteout) the finished copy into place.
 */
function checkFree(dest: Inode, name: string, isDir: boolean): void {
  const there = dest.lookup(name);
  if (there === null) return;
  throw vfsError(isDir && !there.isDir() ? 'ENOTDIR' : 'EEXIST');
}

/**
 * Regular-file copy-up without a work directory: an unnamed file, filled, then linked in (the
 * name appears complete or not at all). Upper filesystems without tmpfile get a temporary name
 * in the destination directory instead, renamed into place when complete.
 */
function copyUpByTmpfile(
  fs: Overlay, dest: Inode, name: string, lower: Inode, attrs: NewInodeAttrs, size: number,
  now: Timespec, layer: number, origin: boolean,
): Inode {
  let tmp: Inode;
  try {
    tmp = dest.tmpfile(attrs);
  } catch (e) {
    if (!(e instanceof VfsError) || e.code !== 'EOPNOTSUPP') throw e;
    return createInUpper(fs, dest, name, null, (d, n) => d.create(n, attrs), (made) => {
      const h = made.open(O_WRONLY);
      try {
        fillFile(lower, made, h, size, now, layer, origin);
      } finally {
        h.release();
      }
    }, dest);
  }
  // The handle keeps the unnamed inode alive until it is linked; on failure, releasing it frees it.
  const h = tmp.open(O_WRONLY);
  try {
    fillFile(lower, tmp, h, size, now, layer, origin);
    dest.link(name, tmp);
  } finally {
    h.release();
  }
  return tmp;
}

function makeObject(dir: Inode, name: string, lower: Inode, attrs: NewInodeAttrs): Inode {
  switch (lower.mode & S_IFMT) {
    case S_IFREG: return dir.create(name, attrs);
    case S_IFLNK: return dir.symlink(name, lower.readlink(), attrs);
    default: return dir.mknod(name, attrs);
  }
}

/** Data, then size, xattrs, origin and times (ovl_copy_up_data, ovl_copy_up_metadata). */
function fillFile(lower: Inode, upper: Inode, h: FileHandle, size: number, now: Timespec, layer: number, origin: boolean): void {
  copyData(lower, h, size);
  upper.setattr({ size }, now);
  copyMetadata(lower, upper, now, layer, origin);
}

/** Copies `size` bytes of file data, skipping holes so sparse files stay sparse (ovl_copy_up_file). */
function copyData(lower: Inode, out: FileHandle, size: number): void {
  if (size === 0) return;
  const src = lower.open(O_RDONLY);
  try {
    const buf = new Uint8Array(Math.min(size, CHUNK));
    let pos = 0;
    while (pos < size) {
      let start = pos;
      let end = size;
      if (src.seekDataHole !== undefined) {
        try {
          start = src.seekDataHole(pos, false);
        } catch (e) {
          if (e instanceof VfsError && e.code === 'ENXIO') break;
          throw e;
        }
        if (start >= size) break;
        end = Math.min(size, src.seekDataHole(start, true));
      }
      while (start < end) {
        const n = src.read(buf, 0, Math.min(buf.length, end - start), start);
        if (n === 0) return;
        let done = 0;
        while (done < n) done += out.write(buf, done, n - done, start + done);
        start += n;
      }
      pos = end;
    }
  } finally {
    src.release();
  }
}

/** Xattrs (private ones excepted), the origin, then access and modification times. */
function copyMetadata(lower: Inode, upper: Inode, now: Timespec, layer: number, origin: boolean): void {
  copyXattrs(lower, upper, now);
  if (origin) setOrigin(upper, layer, lower, now);
  upper.setattr({ atime: timeOf(lower, 'a'), mtime: timeOf(lower, 'm') }, now);
}

/** Records `lower` (of lower layer number `layer`) as the origin of `upper` (ovl_set_origin). */
export function setOrigin(upper: Inode, layer: number, lower: Inode, now: Timespec): void {
  try {
    upper.setxattr(OVL_XATTR_ORIGIN, encodeOrigin({ layer, ino: lower.ino }), 0, now);
  } catch (e) {
    // ovl_set_origin: "Do not fail when upper doesn't support xattrs."
    if (!(e instanceof VfsError) || (e.code !== 'EOPNOTSUPP' && e.code !== 'EPERM')) throw e;
  }
}

/**
 * Linux ovl_fix_origin: a merged directory whose upper part the overlay did not copy up (an
 * upper made before the overlay was) gets its origin, and its parent is marked impure, the
 * first time a lookup merges it.
 */
export function fixOrigin(dir: OverlayDirectory, parent: OverlayDirectory): void {
  const upper = dir.upper;
  if (upper === null || dir.lowers.length === 0 || readXattr(upper, OVL_XATTR_ORIGIN) !== null) return;
  const now = dir.fs.clock();
  setOrigin(upper, dir.lowerLayers[0]!.index, dir.lowers[0]!, now);
  if (parent.upper !== null) ensureImpure(parent, now);
}

/** Linux ovl_copy_xattr: every xattr but the overlay's own. */
export function copyXattrs(from: Inode, to: Inode, now: Timespec): void {
  let names: string[];
  try {
    names = from.listxattr();
  } catch (e) {
    if (e instanceof VfsError && e.code === 'EOPNOTSUPP') return;
    throw e;
  }
  for (const name of names) {
    if (isPrivateXattr(name)) continue;
    const value = from.getxattr(name);
    if (value === null) continue;
    try {
      to.setxattr(name, value, 0, now);
    } catch (e) {
      if (e instanceof VfsError && e.code === 'EOPNOTSUPP') return;
      throw e;
    }
  }
}

function timeOf(inode: Inode, which: 'a' | 'm'): Timespec {
  return which === 'a' ? { sec: inode.atimeSec, nsec: inode.atimeNsec } : { sec: inode.mtimeSec, nsec: inode.mtimeNsec };
}

interface SavedTimes { atime: Timespec; mtime: Timespec }

function timesOf(inode: Inode): SavedTimes {
  return { atime: timeOf(inode, 'a'), mtime: timeOf(inode, 'm') };
}

/** Restores a parent's times after a copy-up into it (best effort, as the kernel). */
function restoreTimes(dir: Inode, saved: SavedTimes, now: Timespec): void {
  try {
    dir.setattr({ atime: saved.atime, mtime: saved.mtime }, now);
  } catch {
    // Best effort.
  }
}
