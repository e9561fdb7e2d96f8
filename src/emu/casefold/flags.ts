// This module is browser compatible.
/**
 * The casefold flag of a directory, read and set through an open file descriptor the way
 * `lsattr -d` and `chattr +F` do it on Linux (FS_IOC_GETFLAGS / FS_IOC_SETFLAGS with
 * FS_CASEFOLD_FL; fs/ioctl.c, fs/ext4/ioctl.c). A filesystem supports the flag by giving its
 * inodes `casefolded` and `setCasefold` (tmpfs does).
 *
 * @example
 * const fd = p.openat(AT_FDCWD, '/games', O_RDONLY | O_DIRECTORY);
 * setCasefoldFlag(p, fd, true); // like `chattr +F /games` on an empty directory
 */
import { vfsError } from '../../vfs/errors.js';
import type { Inode } from '../../vfs/inode.js';
import { ownerOrCapable } from '../../vfs/permissions.js';
import type { Process } from '../../vfs/process.js';

/** FS_CASEFOLD_FL from include/uapi/linux/fs.h. */
export const FS_CASEFOLD_FL = 0x40000000;

/** What an inode offers when its filesystem supports the casefold flag. */
export interface CasefoldFlag {
  /** True while the directory folds names. */
  readonly casefolded: boolean;
  /** Sets or clears the flag. Errors: EOPNOTSUPP, ENOTEMPTY. */
  setCasefold(on: boolean): void;
}

function flagOf(inode: Inode): CasefoldFlag | null {
  const f = inode as Partial<CasefoldFlag>;
  return typeof f.setCasefold === 'function' ? (f as CasefoldFlag) : null;
}

/** The open file of `fd`, refusing O_PATH descriptors as ioctl(2) does. Errors: EBADF. */
function ioctlFile(p: Process, fd: number): ReturnType<Process['files']['get']> {
  const file = p.files.get(fd);
  if (file.isPath) throw vfsError('EBADF');
  return file;
}

/**
 * True when the directory open at `fd` has the casefold flag (FS_IOC_GETFLAGS & FS_CASEFOLD_FL).
 * Errors: EBADF, ENOTTY (the filesystem has no flags).
 */
export function getCasefoldFlag(p: Process, fd: number): boolean {
  const flag = flagOf(ioctlFile(p, fd).inode);
  if (flag === null) throw vfsError('ENOTTY');
  return flag.casefolded;
}

/**
 * Sets or clears the casefold flag of the directory open at `fd` (FS_IOC_SETFLAGS; ext4 rules:
 * only on an empty directory of a filesystem with casefold support; new subdirectories inherit
 * it). Errors (Linux order): EBADF, ENOTTY, EROFS, EPERM (not the owner and no CAP_FOWNER),
 * EOPNOTSUPP (no casefold support; not a directory), ENOTEMPTY.
 */
export function setCasefoldFlag(p: Process, fd: number, on: boolean): void {
  const file = ioctlFile(p, fd);
  const flag = flagOf(file.inode);
  if (flag === null) throw vfsError('ENOTTY');
  if (file.mount.readOnly) throw vfsError('EROFS');
  if (!ownerOrCapable(p.cred, file.inode)) throw vfsError('EPERM');
  flag.setCasefold(on);
}
