// This module is browser compatible.
/**
 * The layer merge for one name (Linux fs/overlayfs/namei.c: ovl_lookup, ovl_lookup_single,
 * ovl_lower_positive). The upper layer is asked first, then each lower layer of the parent's
 * stack, topmost first:
 * - a whiteout ends the search and hides everything below it;
 * - a non-directory ends the search (non-directories are always opaque); one found below a
 *   directory is not merged and ends the search too;
 * - a directory joins the merge stack, and an opaque one ends the search.
 */
import type { ByteString } from '../../vfs/bytes.js';
import type { Inode } from '../../vfs/inode.js';
import type { Layer } from './layer.js';
import { isLowerWhiteout, isWhiteout, opaqueFlag } from './whiteout.js';

/** The layer stack of a merged directory, as lookups need it. */
export interface DirStack {
  /** The upper directory, null while the directory exists only in lower layers. */
  upper: Inode | null;
  /** The lower directories merged into this one, topmost first. */
  lowers: Inode[];
  /** The layer of each of `lowers`. */
  lowerLayers: Layer[];
  /**
   * Whether each of `lowers` is marked as holding xattr whiteouts (opaque xattr "x"). The bottom
   * layer's mark is never read, as the kernel's lookup stops before it (ovl_lookup_single: d->last).
   */
  lowerXw: boolean[];
}

/** What a name resolves to across the layers. */
export interface Resolved {
  /** The upper object (never a whiteout). */
  upper: Inode | null;
  /** A whiteout in the upper directory that hides the name. */
  upperWhiteout: Inode | null;
  /** For directories: the merged lower directories; for non-directories: at most one object. */
  lowers: Inode[];
  lowerLayers: Layer[];
  lowerXw: boolean[];
  /** For a lower non-directory: the lower directory it was found in. */
  lowerDir: Inode | null;
  isDir: boolean;
  /** The upper directory is opaque. */
  opaque: boolean;
}

/** True when the resolution found nothing (the name is absent or whited out). */
export function isNegative(r: Resolved): boolean {
  return r.upper === null && r.lowers.length === 0;
}

/**
 * Resolves `name` in a directory's stack (ovl_lookup). Never throws for missing names; errors of
 * the layers' lookups (EIO, EACCES from a host) pass through.
 */
export function resolveName(dir: DirStack, name: ByteString): Resolved {
  const r: Resolved = {
    upper: null, upperWhiteout: null, lowers: [], lowerLayers: [], lowerXw: [], lowerDir: null,
    isDir: false, opaque: false,
  };
  if (dir.upper !== null) {
    const c = dir.upper.lookup(name);
    if (c !== null) {
      if (isWhiteout(c)) {
        r.upperWhiteout = c;
        return r;
      }
      r.upper = c;
      if (!c.isDir()) return r;
      r.isDir = true;
      if (opaqueFlag(c) === 0x79) {
        r.opaque = true;
        return r;
      }
    }
  }
  const lowers = dir.lowers;
  for (let i = 0; i < lowers.length; i++) {
    const lowerDir = lowers[i]!;
    const c = lowerDir.lookup(name);
    if (c === null) continue;
    if (isLowerWhiteout(c)) break;
    if (!c.isDir()) {
      if (r.isDir) break;
      r.lowers.push(c);
      r.lowerLayers.push(dir.lowerLayers[i]!);
      r.lowerXw.push(false);
      r.lowerDir = lowerDir;
      break;
    }
    r.isDir = true;
    const layer = dir.lowerLayers[i]!;
    // The bottom layer's xattrs are not consulted: nothing lies below it.
    const flag = layer.bottom ? 0 : opaqueFlag(c);
    r.lowers.push(c);
    r.lowerLayers.push(layer);
    r.lowerXw.push(flag === 0x78);
    // ovl_layer_set_xwhiteouts: a layer that marks a directory may hold xattr whiteouts.
    if (flag === 0x78) layer.hasXwhiteouts = true;
    if (flag === 0x79) break;
  }
  return r;
}

/**
 * True when a lower layer of `dir` holds something visible under `name`, so removing or moving
 * the name needs a whiteout (ovl_lower_positive): an object with no upper part is lower; with an
 * upper part, the first lower entry found decides (a whiteout means no).
 */
export function lowerPositive(dir: DirStack, name: ByteString, hasUpper: boolean): boolean {
  if (!hasUpper) return true;
  const lowers = dir.lowers;
  for (let i = 0; i < lowers.length; i++) {
    const c = lowers[i]!.lookup(name);
    if (c !== null) return !isLowerWhiteout(c);
  }
  return false;
}
