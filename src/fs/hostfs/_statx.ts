// This module is browser compatible.
/**
 * The slots of the Float64Array the addon's statx fills (native/hostfs.c: f_statx), so the
 * result crosses from C without allocating an object.
 */
export const ST_MASK = 0;
export const ST_MODE = 1;
export const ST_NLINK = 2;
export const ST_UID = 3;
export const ST_GID = 4;
export const ST_SIZE = 5;
export const ST_BLOCKS = 6;
export const ST_BLKSIZE = 7;
export const ST_RDEV_MAJOR = 8;
export const ST_RDEV_MINOR = 9;
export const ST_DEV_MAJOR = 10;
export const ST_DEV_MINOR = 11;
export const ST_INO_HI = 12;
export const ST_INO_LO = 13;
export const ST_ATIME = 14;
export const ST_MTIME = 16;
export const ST_CTIME = 18;
export const ST_BTIME = 20;
export const STAT_SLOTS = 24;
/** statx mask bit: the birth time is valid (include/uapi/linux/stat.h STATX_BTIME). */
export const STATX_BTIME = 0x800;
