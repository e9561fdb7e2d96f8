// This module is browser compatible.
/**
 * Permission checks, as Linux makes them (fs/namei.c: generic_permission, may_lookup,
 * check_sticky; fs/inode.c: inode_owner_or_capable; fs/attr.c: chown_ok, chgrp_ok).
 */
import { S_IFDIR, S_IFMT, S_ISGID, S_ISVTX, S_IXGRP } from '../abi/constants.js';
import { errno } from '../abi/errno.js';
import type { Cred } from './cred.js';
import type { Inode } from './inode.js';
import { XATTR_POSIX_ACL_ACCESS, accessAclOf, aclPermission } from './posix_acl.js';

/** Permission masks (include/linux/fs.h). */
export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;
export const MAY_APPEND = 8;
export const MAY_ACCESS = 16;
export const MAY_OPEN = 32;

/**
 * Linux generic_permission: mode bits for owner, group or others, then the DAC-override
 * capabilities. Returns 0 or EACCES.
 */
export function permissionErrno(cred: Cred, inode: Inode, mask: number): number {
  mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
  const mode = inode.mode;
  if (aclPermissionCheck(cred, inode, mask, mode) === 0) return 0;
  if ((mode & S_IFMT) === S_IFDIR) {
    // DACs are overridable for directories.
    if (!(mask & MAY_WRITE) && cred.capable('CAP_DAC_READ_SEARCH')) return 0;
    if (cred.capable('CAP_DAC_OVERRIDE')) return 0;
    return errno.EACCES;
  }
  if (mask === MAY_READ && cred.capable('CAP_DAC_READ_SEARCH')) return 0;
  // Read/write DACs are always overridable; exec only when some exec bit is set.
  if ((!(mask & MAY_EXEC) || (mode & 0o111) !== 0) && cred.capable('CAP_DAC_OVERRIDE')) return 0;
  return errno.EACCES;
}

/**
 * Linux acl_permission_check: everyone has it (and no ACL), the owner's bits, the ACL for
 * others when there is one, then group or other bits. Returns 0 or EACCES.
 */
function aclPermissionCheck(cred: Cred, inode: Inode, mask: number, mode: number): number {
  const posixAcl = inode.fs.posixAcl;
  if (((mask * 0o111) & ~mode) === 0 && (!posixAcl || inode.getxattr(XATTR_POSIX_ACL_ACCESS) === null)) return 0;
  if (cred.fsuid === inode.uid) return (((mode >> 6) & mask) === mask) ? 0 : errno.EACCES;
  if (posixAcl && mode & 0o070) {
    const acl = accessAclOf(inode);
    if (acl !== null) return aclPermission(cred, inode, acl, mask);
  }
  const bits = cred.inGroup(inode.gid) ? mode >> 3 : mode;
  return (bits & mask) === mask ? 0 : errno.EACCES;
}

/** Linux inode_owner_or_capable: the fsuid owns the inode, or holds CAP_FOWNER. */
export function ownerOrCapable(cred: Cred, inode: Inode): boolean {
  return cred.fsuid === inode.uid || cred.capable('CAP_FOWNER');
}

/**
 * Linux check_sticky: in a sticky directory only the file's owner, the directory's owner or
 * CAP_FOWNER may delete or rename. Returns true when the operation is refused.
 */
export function stickyRefuses(cred: Cred, dir: Inode, inode: Inode): boolean {
  if (!(dir.mode & S_ISVTX)) return false;
  if (inode.uid === cred.fsuid) return false;
  if (dir.uid === cred.fsuid) return false;
  return !cred.capable('CAP_FOWNER');
}

/** Linux in_group_or_capable: may keep S_ISGID for files of group `gid`. */
export function inGroupOrCapable(cred: Cred, gid: number): boolean {
  return cred.inGroup(gid) || cred.capable('CAP_FSETID');
}

/**
 * Linux setattr_should_drop_sgid: whether a chown or write must clear S_ISGID.
 */
export function shouldDropSgid(cred: Cred, inode: Inode): boolean {
  const mode = inode.mode;
  if (!(mode & S_ISGID)) return false;
  if (mode & S_IXGRP) return true;
  return !inGroupOrCapable(cred, inode.gid);
}

/** Linux chown_ok: may change the owner to `uid`. */
export function chownOk(cred: Cred, inode: Inode, uid: number): boolean {
  if (cred.fsuid === inode.uid && uid === inode.uid) return true;
  return cred.capable('CAP_CHOWN');
}

/** Linux chgrp_ok: may change the group to `gid`. */
export function chgrpOk(cred: Cred, inode: Inode, gid: number): boolean {
  if (cred.fsuid === inode.uid && (gid === inode.gid || cred.inGroup(gid))) return true;
  return cred.capable('CAP_CHOWN');
}
