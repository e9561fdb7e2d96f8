// This module is browser compatible.
/**
 * OCI/Docker image layers and the kernel's overlay format (OCI image-spec layer.md,
 * "Whiteouts"). An extracted OCI layer marks a removed name NAME with an empty file `.wh.NAME`
 * and a directory that hides the lower layers with an empty file `.wh..wh..opq`; overlayfs
 * uses a 0/0 character device and `trusted.overlay.opaque="y"` instead. `importOciLayer`
 * converts the first into the second (into any writable vroot filesystem, typically a tmpfs
 * that then serves as an overlay lower layer) and `exportOciLayer` converts an overlay upper
 * layer back into an OCI layer directory.
 *
 * Both copy every object with its type, mode, owner, times, xattrs and data; hard links stay
 * hard links. The overlay's own xattrs (`trusted.overlay.*` other than escaped ones) are not
 * copied either way.
 *
 * @example
 * const layer = new Tmpfs();
 * importOciLayer(extractedLayerDir, layer);          // a HostFs of an unpacked layer, say
 * const ov = new Overlay({ lowers: [layer, base], upper: new Tmpfs() });
 */
import { O_RDONLY, O_WRONLY, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import { systemClock, type Clock } from '../../vfs/clock.js';
import { vfsError } from '../../vfs/errors.js';
import type { Inode, NewInodeAttrs } from '../../vfs/inode.js';
import type { Timespec } from '../../vfs/stat.js';
import { layerRoot, type OverlayLayerSpec } from './layer.js';
import { entryNames } from './_dir_entries.js';
import { isOpaqueDir, isPrivateXattr, isWhiteout, isXattrWhiteout, setOpaque, WHITEOUT_ATTRS } from './whiteout.js';

/** The OCI whiteout prefix. */
export const OCI_WHITEOUT_PREFIX = '.wh.';
/** The OCI opaque-directory marker. */
export const OCI_OPAQUE_MARKER = '.wh..wh..opq';

/** Options of the layer converters. */
export interface OciLayerOptions {
  /** Time source for ctime of what is written (default: the system clock). */
  clock?: Clock;
}

/**
 * Copies an extracted OCI layer directory into `dest` (an empty directory of a writable
 * filesystem), turning `.wh.NAME` files into whiteouts and `.wh..wh..opq` into opaque
 * directories. A name that is both whited out and present in the same layer stays present (the
 * layer's own entry already hides the lower one). Other `.wh..wh.*` names (aufs metadata) are
 * dropped. Errors: EINVAL for a whiteout of "", "." or ".."; EEXIST when `dest` is not empty;
 * the layers' errors.
 */
export function importOciLayer(src: OverlayLayerSpec, dest: OverlayLayerSpec, options: OciLayerOptions = {}): void {
  const clock = options.clock ?? systemClock;
  const links = new Map<Inode, Inode>();
  const importDir = (from: Inode, to: Inode): void => {
    const names = entryNames(from);
    const present = new Set(names.filter((n) => !n.startsWith(OCI_WHITEOUT_PREFIX)));
    for (const name of names) {
      if (name === OCI_OPAQUE_MARKER) {
        setOpaque(to, clock());
        continue;
      }
      if (name.startsWith(OCI_WHITEOUT_PREFIX + OCI_WHITEOUT_PREFIX)) continue;
      if (name.startsWith(OCI_WHITEOUT_PREFIX)) {
        const hidden = name.slice(OCI_WHITEOUT_PREFIX.length);
        if (hidden === '' || hidden === '.' || hidden === '..') throw vfsError('EINVAL', `bad whiteout ${name}`);
        if (!present.has(hidden)) to.mknod(hidden, WHITEOUT_ATTRS);
        continue;
      }
      const child = from.lookup(name);
      if (child !== null) copyObject(child, to, name, links, clock, importDir);
    }
    copyTimes(from, to, clock());
  };
  const s = layerRoot(src);
  const d = layerRoot(dest);
  if (entryNames(d.root).length > 0) throw vfsError('EEXIST', 'the destination directory is not empty');
  importDir(s.root, d.root);
}

/**
 * Writes an overlay upper layer (kernel format) into `dest` (an empty directory) as an OCI
 * layer directory: whiteouts become empty `.wh.NAME` files, opaque directories get a
 * `.wh..wh..opq` file. Errors: EEXIST when `dest` is not empty; the layers' errors.
 */
export function exportOciLayer(upper: OverlayLayerSpec, dest: OverlayLayerSpec, options: OciLayerOptions = {}): void {
  const clock = options.clock ?? systemClock;
  const links = new Map<Inode, Inode>();
  const exportDir = (from: Inode, to: Inode): void => {
    if (isOpaqueDir(from)) to.create(OCI_OPAQUE_MARKER, MARKER_ATTRS);
    for (const name of entryNames(from)) {
      const child = from.lookup(name);
      if (child === null) continue;
      if (isWhiteout(child) || isXattrWhiteout(child)) {
        to.create(OCI_WHITEOUT_PREFIX + name, MARKER_ATTRS);
        continue;
      }
      copyObject(child, to, name, links, clock, exportDir);
    }
    copyTimes(from, to, clock());
  };
  const s = layerRoot(upper);
  const d = layerRoot(dest);
  if (entryNames(d.root).length > 0) throw vfsError('EEXIST', 'the destination directory is not empty');
  exportDir(s.root, d.root);
}

/** Whiteout marker files: empty, mode 0, owned by root. */
const MARKER_ATTRS: NewInodeAttrs = { mode: S_IFREG, uid: 0, gid: 0, rdev: 0 };

/** Copies one object (and, for a directory, its contents through `recurse`) to `dir`/`name`. */
function copyObject(
  from: Inode, dir: Inode, name: ByteString, links: Map<Inode, Inode>, clock: Clock,
  recurse: (from: Inode, to: Inode) => void,
): void {
  const now = clock();
  const attrs: NewInodeAttrs = { mode: from.mode, uid: from.uid, gid: from.gid, rdev: from.rdev };
  const type = from.mode & S_IFMT;
  if (type !== S_IFDIR && from.nlink > 1) {
    const earlier = links.get(from);
    if (earlier !== undefined) {
      dir.link(name, earlier);
      return;
    }
  }
  let to: Inode;
  switch (type) {
    case S_IFDIR:
      to = dir.mkdir(name, attrs);
      break;
    case S_IFREG:
      to = dir.create(name, attrs);
      copyData(from, to);
      break;
    case S_IFLNK:
      to = dir.symlink(name, from.readlink(), attrs);
      break;
    default:
      to = dir.mknod(name, attrs);
      break;
  }
  if (type !== S_IFDIR && from.nlink > 1) links.set(from, to);
  for (const x of safeListXattr(from)) {
    if (isPrivateXattr(x)) continue;
    const v = from.getxattr(x);
    if (v !== null) to.setxattr(x, v, 0, now);
  }
  if (type === S_IFDIR) recurse(from, to);
  else copyTimes(from, to, now);
}

function safeListXattr(inode: Inode): ByteString[] {
  try {
    return inode.listxattr();
  } catch {
    return [];
  }
}

function copyData(from: Inode, to: Inode): void {
  const src = from.open(O_RDONLY);
  const dst = to.open(O_WRONLY);
  try {
    const buf = new Uint8Array(1 << 16);
    for (let pos = 0; pos < from.size;) {
      const n = src.read(buf, 0, buf.length, pos);
      if (n === 0) break;
      for (let done = 0; done < n;) done += dst.write(buf, done, n - done, pos + done);
      pos += n;
    }
  } finally {
    src.release();
    dst.release();
  }
}

function copyTimes(from: Inode, to: Inode, now: Timespec): void {
  to.setattr({
    atime: { sec: from.atimeSec, nsec: from.atimeNsec },
    mtime: { sec: from.mtimeSec, nsec: from.mtimeNsec },
  }, now);
}

