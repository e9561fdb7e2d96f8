// This module is browser compatible.
/** Linux limits (include/uapi/linux/limits.h, include/linux/namei.h). */

/** Bytes in one path component. */
export const NAME_MAX = 255;
/** Bytes in a path including its terminating NUL: a path of 4096 bytes or more is ENAMETOOLONG. */
export const PATH_MAX = 4096;
/** Symlinks followed in one lookup before ELOOP (include/linux/namei.h: MAXSYMLINKS). */
export const MAXSYMLINKS = 40;
/** Largest xattr value (include/uapi/linux/limits.h: XATTR_SIZE_MAX). */
export const XATTR_SIZE_MAX = 65536;
/** Longest xattr name, prefix included. */
export const XATTR_NAME_MAX = 255;
/** Largest total size of an xattr name list. */
export const XATTR_LIST_MAX = 65536;
/** Largest hard link count of one inode before EMLINK. */
export const LINK_MAX = 0xffffffff;
/** Largest file size of an in-memory file (MAX_LFS_FILESIZE on 64-bit is 2^63-1; JS numbers stop at 2^53). */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;
/** Largest directory offset cookie handed to guests: fits in 31 bits so 32-bit guests never truncate it. */
export const DIR_COOKIE_MAX = 0x7fffffff;
