// This module is browser compatible.
/**
 * The kernel's on-layer format for overlay metadata (Documentation/filesystems/overlayfs.rst,
 * fs/overlayfs/overlayfs.h): whiteouts are character devices 0/0, opaque directories carry
 * `trusted.overlay.opaque="y"`, copied-up objects carry `trusted.overlay.origin` and their parent
 * directories `trusted.overlay.impure="y"`. Every `trusted.overlay.*` name is private to the
 * overlay: it is never shown through the merged view and never copied up.
 */
import { S_IFCHR, S_IFMT } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import type { Inode, NewInodeAttrs } from '../../vfs/inode.js';
import type { Timespec } from '../../vfs/stat.js';

/** The prefix of the overlay's private xattrs (OVL_XATTR_TRUSTED_PREFIX). */
export const OVL_XATTR_PREFIX = 'trusted.overlay.';
/** Marks a directory that hides the layers below it. */
export const OVL_XATTR_OPAQUE = 'trusted.overlay.opaque';
/** Records the lower object a copied-up object came from (its st_ino). */
export const OVL_XATTR_ORIGIN = 'trusted.overlay.origin';
/** Marks an upper directory that may hold copied-up entries (d_ino needs translation). */
export const OVL_XATTR_IMPURE = 'trusted.overlay.impure';
/** The persistent uuid of an overlay, on its upper directory (Linux 6.6+). */
export const OVL_XATTR_UUID = 'trusted.overlay.uuid';
/** Marks a regular file as a whiteout (Linux 6.7+ "xwhiteouts"), honoured in lower layers. */
export const OVL_XATTR_WHITEOUT = 'trusted.overlay.whiteout';

const Y = new Uint8Array([0x79]);

/** The attributes of a whiteout the overlay creates: `c--------- 0 0` with device 0/0, as vfs_whiteout. */
export const WHITEOUT_ATTRS: NewInodeAttrs = { mode: S_IFCHR, uid: 0, gid: 0, rdev: 0 };

/** True for a whiteout: a character device with device number 0/0 (ovl_is_whiteout). */
export function isWhiteout(inode: Inode): boolean {
  return (inode.mode & S_IFMT) === S_IFCHR && inode.rdev === 0;
}

/**
 * True for a lower-layer whiteout in either form: a 0/0 character device, or (Linux 6.7+) a
 * zero-size regular file with `trusted.overlay.whiteout` (ovl_path_is_whiteout). Lookups honour
 * both forms anywhere; listings hide the second form only in directories marked "x" (see
 * readdir.ts).
 */
export function isLowerWhiteout(inode: Inode): boolean {
  return isWhiteout(inode) || isXattrWhiteout(inode);
}

/** A zero-size regular file with `trusted.overlay.whiteout` (an "xwhiteout"). */
export function isXattrWhiteout(inode: Inode): boolean {
  return inode.isRegular() && inode.size === 0 && readXattr(inode, OVL_XATTR_WHITEOUT) !== null;
}

/** The value of an xattr, or null when absent or unsupported (never throws for EOPNOTSUPP). */
export function readXattr(inode: Inode, name: ByteString): Uint8Array | null {
  try {
    return inode.getxattr(name);
  } catch {
    return null;
  }
}

/** The first byte of `trusted.overlay.opaque` ('y' opaque, 'x' holds xattr whiteouts), or 0. */
export function opaqueFlag(dir: Inode): number {
  const v = readXattr(dir, OVL_XATTR_OPAQUE);
  return v !== null && v.length === 1 ? v[0]! : 0;
}

/** True when the directory is opaque (ovl_is_opaquedir: the value is exactly "y"). */
export function isOpaqueDir(dir: Inode): boolean {
  return opaqueFlag(dir) === 0x79;
}

/** True when the directory is marked impure (ovl_is_impuredir). */
export function isImpureDir(dir: Inode): boolean {
  const v = readXattr(dir, OVL_XATTR_IMPURE);
  return v !== null && v.length === 1 && v[0] === 0x79;
}

/** Sets `trusted.overlay.opaque="y"` on an upper directory. Errors: what the upper's setxattr throws. */
export function setOpaque(dir: Inode, now: Timespec): void {
  dir.setxattr(OVL_XATTR_OPAQUE, Y, 0, now);
}

/** Sets `trusted.overlay.impure="y"` on an upper directory. */
export function setImpure(dir: Inode, now: Timespec): void {
  dir.setxattr(OVL_XATTR_IMPURE, Y, 0, now);
}

/** The prefix of escaped overlay xattrs: data that merely looks like overlay metadata. */
export const OVL_XATTR_ESCAPED_PREFIX = 'trusted.overlay.overlay.';

/**
 * True for an xattr name private to the overlay (ovl_is_private_xattr): `trusted.overlay.*`
 * except the escaped `trusted.overlay.overlay.*`, which is what the merged view shows as
 * `trusted.overlay.*` (Linux 6.7+, so overlays can be layers of overlays).
 */
export function isPrivateXattr(name: ByteString): boolean {
  return name.startsWith(OVL_XATTR_PREFIX) && !name.startsWith(OVL_XATTR_ESCAPED_PREFIX);
}

/** The layer's name for an xattr name of the merged view (ovl_xattr_escape). */
export function escapeXattr(name: ByteString): ByteString {
  return name.startsWith(OVL_XATTR_PREFIX) ? OVL_XATTR_ESCAPED_PREFIX + name.slice(OVL_XATTR_PREFIX.length) : name;
}

/** The merged view's name for a layer's xattr name, or null for a private one (ovl_listxattr). */
export function unescapeXattr(name: ByteString): ByteString | null {
  if (!name.startsWith(OVL_XATTR_PREFIX)) return name;
  if (!name.startsWith(OVL_XATTR_ESCAPED_PREFIX)) return null;
  return OVL_XATTR_PREFIX + name.slice(OVL_XATTR_ESCAPED_PREFIX.length);
}
