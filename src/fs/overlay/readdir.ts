// This module is browser compatible.
/**
 * Directory listings of the overlay (Linux fs/overlayfs/readdir.c). A directory that may hold
 * whiteouts (OVL_WHITEOUTS: merged, or copied up) is listed by reading every layer of its stack,
 * upper first, keeping the first entry of each name and dropping whiteouts; the list is cached
 * per open directory and rebuilt when the listing restarts, so entries added meanwhile appear
 * only then (ovl_iterate, ovl_dir_reset). Other directories are listed straight from their one
 * layer, with the real cookies. d_ino is the st_ino the entry has through the overlay.
 */
import { DT_CHR, DT_REG, O_RDONLY } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import { vfsError } from '../../vfs/errors.js';
import type { DirentSink, FileHandle, Inode } from '../../vfs/inode.js';
import { casefoldKey } from '../../emu/casefold/casefold.js';
import type { Layer } from './layer.js';
import { forEachEntry } from './_dir_entries.js';
import type { OverlayDirectory } from './overlay_inode.js';
import { isWhiteout, isXattrWhiteout, OVL_XATTR_IMPURE } from './whiteout.js';

/** One name of a merged listing (struct ovl_cache_entry). */
export interface MergedEntry {
  name: ByteString;
  type: number;
  /** The real inode number in `layer`. */
  ino: number;
  layer: Layer;
  fromUpper: boolean;
  whiteout: boolean;
  /** An xattr whiteout: hidden from listings, yet it keeps rmdir from succeeding (Linux 6.18). */
  xwhiteout: boolean;
}

/**
 * The merged list of a directory (ovl_dir_read_merged): upper and middle layers add names not
 * seen yet; the lowest layer's names go first, in its order, "so that offsets stay reasonably
 * constant". Whiteouts stay in the list (they hide names below) but are marked.
 */
export function readMerged(dir: OverlayDirectory): MergedEntry[] {
  const fs = dir.fs;
  // Xattr whiteouts are looked for in layers that marked some directory "x", when a lower
  // directory of this one is marked (rdd.in_xwhiteouts_dir).
  const dirXw = dir.lowerXw.includes(true);
  const stack: { inode: Inode; layer: Layer; upper: boolean; xw: boolean }[] = [];
  if (dir.upper !== null) stack.push({ inode: dir.upper, layer: fs.upper!, upper: true, xw: false });
  for (let i = 0; i < dir.lowers.length; i++) {
    const layer = dir.lowerLayers[i]!;
    stack.push({ inode: dir.lowers[i]!, layer, upper: false, xw: dirXw && layer.hasXwhiteouts });
  }
  // With casefold a name is one entry whatever each layer's spelling: the topmost one shows.
  const keyOf = fs.casefold ? casefoldKey : (n: ByteString): string => n;
  const byName = new Map<ByteString, MergedEntry>();
  const rest: MergedEntry[] = [];
  const first: MergedEntry[] = [];
  for (let i = 0; i < stack.length; i++) {
    const l = stack[i]!;
    const lowest = i === stack.length - 1;
    const maybeWhiteout: MergedEntry[] = [];
    forEachEntry(l.inode, (name, ino, type) => {
      const key = keyOf(name);
      let e = byName.get(key);
      if (e === undefined) {
        e = { name, type, ino, layer: l.layer, fromUpper: l.upper, whiteout: false, xwhiteout: false };
        byName.set(key, e);
        if (type === DT_CHR || (l.xw && type === DT_REG)) maybeWhiteout.push(e);
        if (!lowest) {
          rest.push(e);
          return;
        }
      }
      if (lowest) first.push(e);
    });
    // ovl_check_whiteouts: a DT_CHR entry is a whiteout only if it is device 0/0.
    for (const e of maybeWhiteout) {
      const c = l.inode.lookup(e.name);
      if (c === null) continue;
      if (isWhiteout(c)) e.whiteout = true;
      else if (l.xw && isXattrWhiteout(c)) e.xwhiteout = true;
    }
  }
  if (first.length === 0) return rest;
  const moved = new Set(first);
  for (const e of rest) if (!moved.has(e)) first.push(e);
  return first;
}

/**
 * The whiteouts of the upper directory when the merged directory holds nothing else
 * (ovl_check_empty_dir). Xattr whiteouts count as entries, as Linux 6.18 counts them.
 * Errors: ENOTEMPTY.
 */
export function checkEmptyDir(dir: OverlayDirectory): ByteString[] {
  const names: ByteString[] = [];
  for (const e of readMerged(dir)) {
    if (!e.whiteout) throw vfsError('ENOTEMPTY');
    if (e.fromUpper) names.push(e.name);
  }
  return names;
}

/** An open overlay directory (struct ovl_dir_file). */
export class OverlayDirHandle implements FileHandle {
  private readonly dir: OverlayDirectory;
  /** Listing straight from one real directory (od->is_real). */
  private realHandle: FileHandle | null = null;
  private realLayer: Layer | null = null;
  private realIsUpper = false;
  private cache: MergedEntry[] | null = null;

  constructor(dir: OverlayDirectory) {
    this.dir = dir;
    if (!dir.whiteouts) {
      const real = dir.real();
      this.realHandle = real.open(O_RDONLY);
      this.realIsUpper = dir.upper !== null;
      this.realLayer = this.realIsUpper ? dir.fs.upper : dir.lowerLayers[0]!;
    }
  }

  read(): number {
    throw vfsError('EISDIR');
  }

  write(): number {
    throw vfsError('EISDIR');
  }

  readdir(cookie: number, sink: DirentSink): void {
    // The core lists "." and ".." (cookies 0 and 1) itself: cookie 2 is a fresh start.
    if (cookie <= 2) this.reset();
    const real = this.realHandle;
    if (real !== null && cookie <= 2) this.dropUnneededImpure();
    if (real !== null) {
      real.readdir(cookie, (name, ino, type, next) => sink(name, this.direntIno(name, ino, this.realLayer!, this.realIsUpper), type, next));
      return;
    }
    const list = this.cache ??= readMerged(this.dir);
    for (let i = Math.max(0, cookie - 2); i < list.length; i++) {
      const e = list[i]!;
      if (e.whiteout || e.xwhiteout) continue;
      if (!sink(e.name, this.direntIno(e.name, e.ino, e.layer, e.fromUpper), e.type, i + 3)) return;
    }
  }

  /**
   * ovl_cache_get_impure: listing an impure upper directory on its own finds which entries have
   * a st_ino of their own (copied-up objects); when none has, the directory is no longer impure
   * and the xattr goes, best effort ("a good opportunity to get rid of an unneeded impure flag").
   */
  private dropUnneededImpure(): void {
    const dir = this.dir;
    if (!this.realIsUpper || !dir.impure || dir.upper === null) return;
    let needed = false;
    forEachEntry(dir.upper, (name, ino) => {
      if (needed) return;
      try {
        const c = dir.lookup(name);
        if (c !== null && c.ino !== ino) needed = true;
      } catch {
        needed = true;
      }
    });
    if (needed) return;
    try {
      dir.upper.removexattr(OVL_XATTR_IMPURE, dir.fs.clock());
    } catch {
      // Best effort, as in the kernel.
    }
    dir.impure = false;
  }

  /** ovl_dir_reset: drop the cached list; a directory copied up since the open becomes merged. */
  private reset(): void {
    this.cache = null;
    if (this.realHandle !== null && this.dir.whiteouts) {
      this.realHandle.release();
      this.realHandle = null;
    }
  }

  /**
   * d_ino (ovl_cache_update_ino): the real number mapped into the overlay's, except for upper
   * entries of an impure directory (copied-up objects keep their lower st_ino) and numbers that
   * do not map, which are looked up.
   */
  private direntIno(name: ByteString, ino: number, layer: Layer, fromUpper: boolean): number {
    const dir = this.dir;
    if (!(fromUpper && dir.impure)) {
      const n = dir.fs.stIno(layer, ino);
      if (n >= 0) return n;
    }
    try {
      return dir.lookup(name)?.ino ?? ino;
    } catch {
      return ino;
    }
  }

  fsync(): void {
    this.realHandle?.fsync();
  }

  release(): void {
    this.realHandle?.release();
    this.realHandle = null;
    this.cache = null;
  }
}
