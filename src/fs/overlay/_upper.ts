// This module is browser compatible.
/**
 * Changes to the upper layer that must appear in one step (fs/overlayfs/dir.c:
 * ovl_create_over_whiteout, ovl_cleanup_and_whiteout; copy_up.c: ovl_copy_up_workdir). With a
 * work directory, an object is built there under a temporary name and renamed into place, so a
 * crash never leaves a half-built object or a resurrected lower entry visible. Without one, the
 * steps happen in place (safe for in-memory uppers, where nothing survives a crash).
 */
import type { ByteString } from '../../vfs/bytes.js';
import { invalidateChild } from '../../vfs/dentry.js';
import type { Inode } from '../../vfs/inode.js';
import type { Overlay } from './overlay.js';
import { WHITEOUT_ATTRS } from './whiteout.js';

/**
 * The spelling a layer directory stores for the entry `name` finds there (`name` itself unless
 * the directory folds names, where another spelling may be stored), or null when it has none.
 */
export function storedIn(dir: Inode, name: ByteString): ByteString | null {
  if (dir.lookup(name) === null) return null;
  if (dir.foldName === undefined || dir.storedName === undefined) return name;
  return dir.storedName(name) ?? name;
}

/**
 * Removes an upper entry (rmdir for a directory, unlink otherwise) and drops the name from the
 * dentry cache every mount of the upper filesystem shares: the overlay changes its layers
 * behind the core.
 */
export function removeUpper(dir: Inode, name: ByteString, inode: Inode): void {
  if (inode.isDir()) dir.rmdir(name, inode);
  else dir.unlink(name, inode);
  invalidateChild(dir, name);
}

/** Renames within the upper layer, dropping both names from the shared dentry cache. */
export function renameUpper(
  oldDir: Inode, oldName: ByteString, inode: Inode, newDir: Inode, newName: ByteString, replaced: Inode | null, exchange: boolean,
): void {
  oldDir.rename(oldName, inode, newDir, newName, replaced, exchange);
  invalidateChild(oldDir, oldName);
  invalidateChild(newDir, newName);
}

/** Removes an entry, ignoring errors (cleanup after a failure, as ovl_cleanup only logs). */
export function removeQuietly(dir: Inode, name: ByteString, inode: Inode): void {
  try {
    removeUpper(dir, name, inode);
  } catch {
    // The failure being reported matters more than the leftover.
  }
}

/**
 * Builds an object with `make` (in `stage`, the work directory, when there is one) and `fill`,
 * then makes it appear at `dest`/`name`, replacing the upper entry `replaced` there when not null
 * (a whiteout, or an emptied directory being whited out). A directory and a non-directory swap
 * by exchange, after which the replaced entry is removed from the stage (RENAME_EXCHANGE, as the
 * kernel does, because renaming one over the other is ENOTDIR or EISDIR). On failure nothing
 * new is visible; without a stage, a failed replacement leaves a whiteout at the name.
 */
export function createInUpper(
  ov: Overlay, dest: Inode, name: ByteString, replaced: Inode | null,
  make: (dir: Inode, name: ByteString) => Inode, fill?: (inode: Inode) => void, stage: Inode | null = ov.work,
): Inode {
  if (stage !== null) {
    const tmp = ov.tempName(stage);
    const inode = make(stage, tmp);
    try {
      fill?.(inode);
      if (replaced !== null && (inode.isDir() || replaced.isDir())) {
        renameUpper(stage, tmp, inode, dest, name, replaced, true);
        removeQuietly(stage, tmp, replaced);
      } else {
        renameUpper(stage, tmp, inode, dest, name, replaced, false);
      }
    } catch (e) {
      removeQuietly(stage, tmp, inode);
      throw e;
    }
    return inode;
  }
  if (replaced !== null) removeUpper(dest, name, replaced);
  let inode: Inode;
  try {
    inode = make(dest, name);
  } catch (e) {
    if (replaced !== null) restoreWhiteout(dest, name);
    throw e;
  }
  try {
    fill?.(inode);
  } catch (e) {
    removeQuietly(dest, name, inode);
    if (replaced !== null) restoreWhiteout(dest, name);
    throw e;
  }
  return inode;
}

function restoreWhiteout(dir: Inode, name: ByteString): void {
  try {
    dir.mknod(name, WHITEOUT_ATTRS);
  } catch {
    // Best effort: the original error is reported.
  }
}

/**
 * Makes `dir`/`name` a whiteout, replacing the upper entry `existing` (an empty directory or a
 * non-directory) when not null (ovl_cleanup_and_whiteout).
 */
export function whiteoutEntry(ov: Overlay, dir: Inode, name: ByteString, existing: Inode | null): void {
  createInUpper(ov, dir, name, existing, (d, n) => d.mknod(n, WHITEOUT_ATTRS));
}
