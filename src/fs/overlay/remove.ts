// This module is browser compatible.
/**
 * unlink and rmdir through the overlay (Linux fs/overlayfs/dir.c: ovl_do_remove,
 * ovl_remove_upper, ovl_remove_and_whiteout, ovl_clear_empty). A name that still exists in a
 * lower layer is replaced by a whiteout; otherwise the upper entry is just removed. A merged
 * directory can be removed when it holds nothing but whiteouts, which go with it.
 */
import type { ByteString } from '../../vfs/bytes.js';
import { copyUp } from './copy_up.js';
import { lowerPositive } from './lookup.js';
import type { OverlayDirectory, OverlayInode } from './overlay_inode.js';
import { checkEmptyDir } from './readdir.js';
import { removeUpper, whiteoutEntry } from './_upper.js';
import { isOpaqueDir, setOpaque } from './whiteout.js';

/**
 * Removes `name` (the object `victim`) from `dir`. Errors (kernel order): ENOTEMPTY (a merged
 * directory with visible entries), EROFS, then the upper layer's errors.
 */
export function removeEntry(dir: OverlayDirectory, name: ByteString, victim: OverlayInode, isDir: boolean): void {
  const positive = lowerPositive(dir, name, victim.upper !== null);
  let whiteouts: ByteString[] = [];
  if (isDir && (positive || !(victim as OverlayDirectory).pureUpper())) whiteouts = checkEmptyDir(victim as OverlayDirectory);
  copyUp(dir);
  const upperDir = dir.upper!;
  if (whiteouts.length > 0) clearWhiteouts(victim as OverlayDirectory, whiteouts);
  if (!positive) {
    const u = victim.upper!;
    removeUpper(upperDir, name, u);
  } else {
    whiteoutEntry(dir.fs, upperDir, name, victim.upper);
  }
  if (isDir || victim.upper === null) victim.unlinked = true;
  dir.syncAttrs();
  victim.syncAttrs();
}

/**
 * Empties an upper directory of its whiteouts before it is removed or replaced (the effect of
 * ovl_clear_empty). The directory is made opaque first, so removing the whiteouts one by one
 * never lets a lower entry show through, even if interrupted.
 */
export function clearWhiteouts(dir: OverlayDirectory, names: ByteString[]): void {
  const upper = dir.upper!;
  const now = dir.fs.clock();
  if (!isOpaqueDir(upper)) setOpaque(upper, now);
  dir.opaque = true;
  for (const name of names) {
    const wh = upper.lookup(name);
    if (wh !== null) removeUpper(upper, name, wh);
  }
}
