// This module is browser compatible.
/**
 * The value of `trusted.overlay.origin`, in the kernel's `struct ovl_fb` layout
 * (fs/overlayfs/overlayfs.h): version 0, magic 0xfb, length, flags, fid type, a 16-byte uuid and
 * the fid. vroot filesystems have no file handles, so the fid holds what the overlay needs to keep
 * st_ino stable across a re-creation of the overlay: the lower layer's position and the lower
 * inode number. The uuid is vroot's own marker, which no kernel filesystem carries, so a kernel
 * that mounts such a layer finds no origin (ESTALE) and ignores it, as for a foreign handle.
 */

const OVL_FH_MAGIC = 0xfb;
const FB_HEADER = 21;
/** An unassigned fid type (include/linux/exportfs.h leaves 0xf0-0xfe to filesystems). */
const VROOT_FID_TYPE = 0xf7;
const VROOT_UUID = [0x76, 0x72, 0x6f, 0x6f, 0x74, 0x2d, 0x6f, 0x76, 0x65, 0x72, 0x6c, 0x61, 0x79, 0, 0, 0];

/** A decoded origin: which lower layer (1 = topmost lower) and the inode number there. */
export interface Origin {
  layer: number;
  ino: number;
}

/** Encodes an origin xattr value. */
export function encodeOrigin(origin: Origin): Uint8Array {
  const out = new Uint8Array(FB_HEADER + 12);
  out[0] = 0;
  out[1] = OVL_FH_MAGIC;
  out[2] = out.length;
  out[3] = 0;
  out[4] = VROOT_FID_TYPE;
  out.set(VROOT_UUID, 5);
  const view = new DataView(out.buffer);
  view.setUint32(FB_HEADER, origin.layer, true);
  view.setUint32(FB_HEADER + 4, origin.ino % 0x100000000, true);
  view.setUint32(FB_HEADER + 8, Math.floor(origin.ino / 0x100000000), true);
  return out;
}

/** Decodes an origin xattr value written by `encodeOrigin`; null for anything else (a kernel handle). */
export function decodeOrigin(value: Uint8Array | null): Origin | null {
  if (value === null || value.length !== FB_HEADER + 12) return null;
  if (value[1] !== OVL_FH_MAGIC || value[2] !== value.length || value[4] !== VROOT_FID_TYPE) return null;
  for (let i = 0; i < 16; i++) if (value[5 + i] !== VROOT_UUID[i]) return null;
  const view = new DataView(value.buffer, value.byteOffset, value.length);
  const layer = view.getUint32(FB_HEADER, true);
  const ino = view.getUint32(FB_HEADER + 4, true) + view.getUint32(FB_HEADER + 8, true) * 0x100000000;
  return { layer, ino };
}
