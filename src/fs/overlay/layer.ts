// This module is browser compatible.
/**
 * The layers of an overlay: directory trees of other filesystems, reached only through their
 * Inode operations (as gVisor's overlay reaches its layers only through the VFS API).
 */
import { FileSystem, type Inode } from '../../vfs/inode.js';

/** A directory of a filesystem used as a layer (the kernel's `lowerdir=`/`upperdir=` paths). */
export interface OverlayLayerRoot {
  fs: FileSystem;
  /** A directory of `fs` (default: its root). */
  root?: Inode;
}

/** A layer given as a whole filesystem (its root directory) or as a directory in one. */
export type OverlayLayerSpec = FileSystem | OverlayLayerRoot;

/** One layer as the overlay uses it. */
export class Layer {
  /** The layer's filesystem. */
  readonly fs: FileSystem;
  /** The layer's top directory. */
  readonly root: Inode;
  /** 0 for the upper layer, 1.. for the lowers, topmost first (as in `lowerdir=`). */
  readonly index: number;
  /**
   * The layer's filesystem number for inode-number composition (the kernel's fsid): 0 for the
   * upper's filesystem, 1.. for each further distinct filesystem.
   */
  readonly fsid: number;
  /** The bottom lower layer, whose directories' overlay xattrs are never read. */
  readonly bottom: boolean;
  /**
   * A directory of this layer was found marked "x" (may hold xattr whiteouts); only then are
   * listings of this layer checked for them (ovl_layer_set_xwhiteouts).
   */
  hasXwhiteouts = false;

  constructor(fs: FileSystem, root: Inode, index: number, fsid: number, bottom = false) {
    this.fs = fs;
    this.root = root;
    this.index = index;
    this.fsid = fsid;
    this.bottom = bottom;
  }
}

/** The filesystem and top directory of a layer spec. */
export function layerRoot(spec: OverlayLayerSpec): { fs: FileSystem; root: Inode } {
  if (spec instanceof FileSystem) return { fs: spec, root: spec.root };
  return { fs: spec.fs, root: spec.root ?? spec.fs.root };
}
