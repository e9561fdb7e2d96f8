// This module is browser compatible.
/**
 * POSIX access control lists as Linux implements them (fs/posix_acl.c): the xattr encoding,
 * validation, the permission algorithm, and the rules that tie an ACL to the mode bits on
 * create, chmod and set. Filesystems store ACLs as the raw xattrs
 * `system.posix_acl_access` and `system.posix_acl_default`; the core interprets them.
 */
import { S_IRWXG, S_IRWXO, S_IRWXU } from '../abi/constants.js';
import { errno } from '../abi/errno.js';
import type { Cred } from './cred.js';
import { vfsError } from './errors.js';
import type { Inode } from './inode.js';

export const ACL_USER_OBJ = 0x01;
export const ACL_USER = 0x02;
export const ACL_GROUP_OBJ = 0x04;
export const ACL_GROUP = 0x08;
export const ACL_MASK = 0x10;
export const ACL_OTHER = 0x20;
const ACL_UNDEFINED_ID = 0xffffffff;
const POSIX_ACL_XATTR_VERSION = 2;

export const XATTR_POSIX_ACL_ACCESS = 'system.posix_acl_access';
export const XATTR_POSIX_ACL_DEFAULT = 'system.posix_acl_default';

/** One ACL entry: a tag, rwx permission bits, and the uid/gid for ACL_USER/ACL_GROUP. */
export interface AclEntry {
  tag: number;
  perm: number;
  id: number;
}

/** An ACL: entries in the canonical order (user_obj, users, group_obj, groups, mask, other). */
export type PosixAcl = AclEntry[];

/** True for the two xattr names that carry ACLs. */
export function isPosixAclXattr(name: string): boolean {
  return name === XATTR_POSIX_ACL_ACCESS || name === XATTR_POSIX_ACL_DEFAULT;
}

/**
 * Decodes the xattr form (posix_acl_from_xattr): null for an empty value (no ACL).
 * Errors: EINVAL (short or ragged value, unknown tag), EOPNOTSUPP (wrong version).
 */
export function aclFromXattr(value: Uint8Array): PosixAcl | null {
  if (value.length === 0) return null;
  if (value.length < 4) throw vfsError('EINVAL');
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  if (view.getUint32(0, true) !== POSIX_ACL_XATTR_VERSION) throw vfsError('EOPNOTSUPP');
  if ((value.length - 4) % 8 !== 0) throw vfsError('EINVAL');
  const count = (value.length - 4) / 8;
  if (count === 0) return null;
  const acl: PosixAcl = [];
  for (let i = 0; i < count; i++) {
    const off = 4 + i * 8;
    const tag = view.getUint16(off, true);
    const perm = view.getUint16(off + 2, true);
    const id = view.getUint32(off + 4, true);
    switch (tag) {
      case ACL_USER_OBJ: case ACL_GROUP_OBJ: case ACL_MASK: case ACL_OTHER:
        acl.push({ tag, perm, id: ACL_UNDEFINED_ID });
        break;
      case ACL_USER: case ACL_GROUP:
        acl.push({ tag, perm, id });
        break;
      default:
        throw vfsError('EINVAL');
    }
  }
  return acl;
}

/** Encodes an ACL as its xattr value (posix_acl_to_xattr). */
export function aclToXattr(acl: PosixAcl): Uint8Array {
  const out = new Uint8Array(4 + acl.length * 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, POSIX_ACL_XATTR_VERSION, true);
  acl.forEach((e, i) => {
    const off = 4 + i * 8;
    view.setUint16(off, e.tag, true);
    view.setUint16(off + 2, e.perm, true);
    view.setUint32(off + 4, e.tag === ACL_USER || e.tag === ACL_GROUP ? e.id : ACL_UNDEFINED_ID, true);
  });
  return out;
}

/** posix_acl_valid: entry order, permissions, and a mask whenever named entries exist. Errors: EINVAL. */
export function aclValidate(acl: PosixAcl): void {
  let state = ACL_USER_OBJ;
  let needsMask = false;
  for (const e of acl) {
    if (e.perm & ~7) throw vfsError('EINVAL');
    switch (e.tag) {
      case ACL_USER_OBJ:
        if (state !== ACL_USER_OBJ) throw vfsError('EINVAL');
        state = ACL_USER;
        break;
      case ACL_USER:
        if (state !== ACL_USER) throw vfsError('EINVAL');
        needsMask = true;
        break;
      case ACL_GROUP_OBJ:
        if (state !== ACL_USER) throw vfsError('EINVAL');
        state = ACL_GROUP;
        break;
      case ACL_GROUP:
        if (state !== ACL_GROUP) throw vfsError('EINVAL');
        needsMask = true;
        break;
      case ACL_MASK:
        if (state !== ACL_GROUP) throw vfsError('EINVAL');
        state = ACL_OTHER;
        break;
      case ACL_OTHER:
        if (state === ACL_OTHER || (state === ACL_GROUP && !needsMask)) {
          state = 0;
          break;
        }
        throw vfsError('EINVAL');
      default:
        throw vfsError('EINVAL');
    }
  }
  if (state !== 0) throw vfsError('EINVAL');
}

/**
 * posix_acl_equiv_mode: the mode bits the ACL implies, and whether the ACL says more than the
 * mode can (named entries or a mask).
 */
export function aclEquivMode(acl: PosixAcl, mode: number): { mode: number; equivalent: boolean } {
  let bits = 0;
  let equivalent = true;
  for (const e of acl) {
    switch (e.tag) {
      case ACL_USER_OBJ: bits |= (e.perm & 7) << 6; break;
      case ACL_GROUP_OBJ: bits |= (e.perm & 7) << 3; break;
      case ACL_OTHER: bits |= e.perm & 7; break;
      case ACL_MASK: bits = (bits & ~S_IRWXG) | ((e.perm & 7) << 3); equivalent = false; break;
      default: equivalent = false;
    }
  }
  return { mode: (mode & ~0o777) | bits, equivalent };
}

/**
 * posix_acl_permission: the ACL algorithm for a caller that does not own the inode (the owner
 * was handled by the caller). Returns 0 or EACCES.
 */
export function aclPermission(cred: Cred, inode: Inode, acl: PosixAcl, want: number): number {
  want &= 7;
  let found = false;
  for (let i = 0; i < acl.length; i++) {
    const e = acl[i]!;
    switch (e.tag) {
      case ACL_USER_OBJ:
        if (cred.fsuid === inode.uid) return (e.perm & want) === want ? 0 : errno.EACCES;
        break;
      case ACL_USER:
        if (cred.fsuid === e.id) return masked(acl, i, want);
        break;
      case ACL_GROUP_OBJ:
        if (cred.inGroup(inode.gid)) {
          found = true;
          if ((e.perm & want) === want) return masked(acl, i, want);
        }
        break;
      case ACL_GROUP:
        if (cred.inGroup(e.id)) {
          found = true;
          if ((e.perm & want) === want) return masked(acl, i, want);
        }
        break;
      case ACL_MASK:
        break;
      case ACL_OTHER:
        if (found) return errno.EACCES;
        return (e.perm & want) === want ? 0 : errno.EACCES;
    }
  }
  return errno.EIO;
}

/** The "mask:" step: an entry's permission limited by the mask entry after it, if any. */
function masked(acl: PosixAcl, index: number, want: number): number {
  const e = acl[index]!;
  for (let j = index + 1; j < acl.length; j++) {
    const m = acl[j]!;
    if (m.tag === ACL_MASK) return (e.perm & m.perm & want) === want ? 0 : errno.EACCES;
  }
  return (e.perm & want) === want ? 0 : errno.EACCES;
}

/**
 * posix_acl_create_masq: a new inode's access ACL from its directory's default ACL and the
 * requested mode. Returns the adjusted mode, and the ACL when it says more than the mode.
 */
export function aclCreateMasq(defaultAcl: PosixAcl, requested: number): { mode: number; acl: PosixAcl | null } {
  const acl = defaultAcl.map((e) => ({ ...e }));
  let mode = requested;
  let groupObj: AclEntry | null = null;
  let maskObj: AclEntry | null = null;
  let equivalent = true;
  for (const e of acl) {
    switch (e.tag) {
      case ACL_USER_OBJ:
        e.perm &= (mode >> 6) | ~S_IRWXO;
        mode &= (e.perm << 6) | ~S_IRWXU;
        break;
      case ACL_USER:
      case ACL_GROUP:
        equivalent = false;
        break;
      case ACL_GROUP_OBJ:
        groupObj = e;
        break;
      case ACL_OTHER:
        e.perm &= mode | ~S_IRWXO;
        mode &= e.perm | ~S_IRWXO;
        break;
      case ACL_MASK:
        maskObj = e;
        equivalent = false;
        break;
    }
  }
  const g = maskObj ?? groupObj;
  if (g === null) throw vfsError('EIO');
  g.perm &= (mode >> 3) | ~S_IRWXO;
  mode &= (g.perm << 3) | ~S_IRWXG;
  for (const e of acl) e.perm &= 7;
  return { mode: (requested & ~0o777) | (mode & 0o777), acl: equivalent ? null : acl };
}

/** __posix_acl_chmod_masq: an access ACL following a chmod. */
export function aclChmod(acl: PosixAcl, mode: number): PosixAcl {
  const out = acl.map((e) => ({ ...e }));
  let groupObj: AclEntry | null = null;
  let maskObj: AclEntry | null = null;
  for (const e of out) {
    switch (e.tag) {
      case ACL_USER_OBJ: e.perm = (mode & S_IRWXU) >> 6; break;
      case ACL_GROUP_OBJ: groupObj = e; break;
      case ACL_MASK: maskObj = e; break;
      case ACL_OTHER: e.perm = mode & S_IRWXO; break;
    }
  }
  const g = maskObj ?? groupObj;
  if (g === null) throw vfsError('EIO');
  g.perm = (mode & S_IRWXG) >> 3;
  return out;
}

/** The access ACL of an inode on a filesystem with ACLs, or null. Errors from decoding: EIO. */
export function accessAclOf(inode: Inode): PosixAcl | null {
  if (!inode.fs.posixAcl) return null;
  const raw = inode.getxattr(XATTR_POSIX_ACL_ACCESS);
  if (raw === null) return null;
  try {
    return aclFromXattr(raw);
  } catch {
    throw vfsError('EIO', 'corrupt POSIX ACL');
  }
}
