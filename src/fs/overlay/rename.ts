// This module is browser compatible.
/**
 * rename through the overlay (Linux fs/overlayfs/dir.c: ovl_rename) with redirect_dir=off, the
 * kernel's default: a directory that is merged or lives in a lower layer cannot move (EXDEV,
 * which makes `mv` fall back to copying); anything else is copied up and renamed in the upper
 * layer, leaving a whiteout behind when the old name still exists below.
 */
import type { ByteString } from '../../vfs/bytes.js';
import { VfsError, vfsError } from '../../vfs/errors.js';
import { copyUp, ensureImpure } from './copy_up.js';
import { lowerPositive } from './lookup.js';
import type { OverlayDirectory, OverlayInode } from './overlay_inode.js';
import { checkEmptyDir } from './readdir.js';
import { clearWhiteouts } from './remove.js';
import { removeUpper, renameUpper, storedIn } from './_upper.js';
import { WHITEOUT_ATTRS, setOpaque } from './whiteout.js';

/** Linux ovl_can_move with redirect_dir=off: non-directories and pure upper directories. */
function canMove(inode: OverlayInode): boolean {
  if (!inode.isDir()) return true;
  const dir = inode as OverlayDirectory;
  return dir.upper !== null && dir.lowers.length === 0;
}

/** Makes a moved directory opaque, so a lower directory at its new name does not merge into it. */
function markOpaque(dir: OverlayDirectory): void {
  try {
    setOpaque(dir.upper!, dir.fs.clock());
  } catch (e) {
    // ovl_set_opaque_xerr(-EXDEV): without xattrs on the upper, userspace must copy instead.
    if (e instanceof VfsError && e.code === 'EOPNOTSUPP') throw vfsError('EXDEV');
    throw e;
  }
  dir.opaque = true;
}

/**
 * Moves `oldName` (`old`) of `oldDir` to `newName` of `newDir`, replacing `target` or, with
 * `exchange`, swapping with it. The core has made every check that needs no layer.
 * Errors (kernel order): EXDEV (a merged or lower directory), ENOTEMPTY (a merged target
 * directory with visible entries), then copy-up's and the upper layer's errors.
 */
export function renameEntry(
  oldDir: OverlayDirectory, oldName: ByteString, old: OverlayInode,
  newDir: OverlayDirectory, newName: ByteString, target: OverlayInode | null, exchange: boolean,
): void {
  const fs = oldDir.fs;
  if (!canMove(old)) throw vfsError('EXDEV');
  if (exchange && !canMove(target!)) throw vfsError('EXDEV');
  let targetWhiteouts: ByteString[] = [];
  if (!exchange && target !== null && target.isDir() && !(target as OverlayDirectory).pureUpper()) {
    targetWhiteouts = checkEmptyDir(target as OverlayDirectory);
  }
  // What replaces the old name: a whiteout when it still exists below.
  const newIsWhiteout = target === null && newDir.upper !== null && newDir.upperWhiteout(newName) !== null;
  let leaveWhiteout = false;
  let swapWhiteout = false;
  let dropWhiteout = false;
  if (!exchange) {
    if (lowerPositive(oldDir, oldName, old.upper !== null)) {
      if (newIsWhiteout) swapWhiteout = true;
      else leaveWhiteout = true;
    } else if (old.isDir() && newIsWhiteout) {
      dropWhiteout = true;
    }
  }
  copyUp(old);
  copyUp(newDir);
  if (exchange) copyUp(target!);
  if (targetWhiteouts.length > 0) clearWhiteouts(target as OverlayDirectory, targetWhiteouts);
  const now = fs.clock();
  if (oldDir !== newDir) {
    // A copied-up object moving into another directory makes that directory impure.
    if (old.hasOrigin()) ensureImpure(newDir, now);
    if (exchange && target!.hasOrigin()) ensureImpure(oldDir, now);
  }
  if (old.isDir() && !(old as OverlayDirectory).opaque && newDir.isMerge()) markOpaque(old as OverlayDirectory);
  if (exchange && target!.isDir() && !(target as OverlayDirectory).opaque && oldDir.isMerge()) {
    markOpaque(target as OverlayDirectory);
  }
  const oldUpperDir = oldDir.upper!;
  const newUpperDir = newDir.upper!;
  const moving = old.upper!;
  const atNew = newUpperDir.lookup(newName);
  // An upper entry found by its folded name is replaced under its own spelling.
  if (atNew !== null) newName = storedIn(newUpperDir, newName) ?? newName;
  if (exchange || swapWhiteout || dropWhiteout) {
    renameUpper(oldUpperDir, oldName, moving, newUpperDir, newName, atNew!, true);
    if (dropWhiteout) removeUpper(oldUpperDir, oldName, atNew!);
  } else {
    renameUpper(oldUpperDir, oldName, moving, newUpperDir, newName, atNew, false);
    // The upper layer has no RENAME_WHITEOUT here: the whiteout follows the move at once.
    if (leaveWhiteout) oldUpperDir.mknod(oldName, WHITEOUT_ATTRS);
  }
  if (exchange) {
    const t = target!;
    t.parent = oldDir;
    t.name = oldName;
  } else if (target !== null && (target.isDir() || target.upper === null)) {
    target.unlinked = true;
  }
  old.parent = newDir;
  old.name = newName;
  old.syncAttrs();
  target?.syncAttrs();
  oldDir.syncAttrs();
  if (newDir !== oldDir) newDir.syncAttrs();
}
