// This module is browser compatible.
/**
 * EROFS on-disk constants (Linux fs/erofs/erofs_fs.h, Documentation/filesystems/erofs.rst).
 * Names follow the kernel's, in camel case.
 */

/** Byte offset of the superblock in the image. */
export const SUPER_OFFSET = 1024;
/** Superblock magic (EROFS_SUPER_MAGIC_V1), also statfs f_type. */
export const EROFS_MAGIC = 0xe0f5e1e2;
/** Size of the superblock without extension slots. */
export const SUPERBLOCK_SIZE = 128;
/** Size of one superblock extension slot. */
export const SB_EXTSLOT_SIZE = 16;

/** Compatible features: readers may ignore them. */
export const FEATURE_COMPAT_SB_CHKSUM = 0x1;
export const FEATURE_COMPAT_MTIME = 0x2;

/** Incompatible features: a reader must know every bit set. */
export const FEATURE_INCOMPAT_ZERO_PADDING = 0x1;
export const FEATURE_INCOMPAT_COMPR_CFGS = 0x2;
export const FEATURE_INCOMPAT_BIG_PCLUSTER = 0x2;
export const FEATURE_INCOMPAT_CHUNKED_FILE = 0x4;
export const FEATURE_INCOMPAT_DEVICE_TABLE = 0x8;
export const FEATURE_INCOMPAT_COMPR_HEAD2 = 0x8;
export const FEATURE_INCOMPAT_ZTAILPACKING = 0x10;
export const FEATURE_INCOMPAT_FRAGMENTS = 0x20;
export const FEATURE_INCOMPAT_DEDUPE = 0x20;
/** Every incompatible feature this implementation reads (those of Linux 6.1). */
export const FEATURE_INCOMPAT_SUPPORTED = 0x3f;
/**
 * Names of incompatible feature bits as dump.erofs prints them (bits 0x2, 0x8 and 0x20 each
 * have two names: compr_cfgs, compr_head2 and dedupe share them).
 */
export const INCOMPAT_FEATURE_NAMES: Readonly<Record<number, string>> = {
  0x1: '0padding', 0x2: 'big_pcluster', 0x4: 'chunked_file', 0x8: 'device_table', 0x10: 'ztailpacking',
  0x20: 'fragments', 0x40: 'xattr_prefixes', 0x80: '48bit', 0x100: 'metabox',
};

/** Inode data layouts (i_format bits 1-3). */
export const LAYOUT_FLAT_PLAIN = 0;
export const LAYOUT_COMPRESSED_FULL = 1;
export const LAYOUT_FLAT_INLINE = 2;
export const LAYOUT_COMPRESSED_COMPACT = 3;
export const LAYOUT_CHUNK_BASED = 4;
/** Display names of the layouts. */
export const LAYOUT_NAMES = ['FLAT_PLAIN', 'COMPRESSED_FULL', 'FLAT_INLINE', 'COMPRESSED_COMPACT', 'CHUNK_BASED'] as const;

/** i_format: bit 0 is the inode version, bits 1-3 the layout; other bits are unknown. */
export const I_FORMAT_ALL = 0xf;
/** On-disk inode sizes. */
export const COMPACT_INODE_SIZE = 32;
export const EXTENDED_INODE_SIZE = 64;
/** nids count 32-byte slots from the start of the metadata area. */
export const ISLOT_BITS = 5;

/** Chunk format (i_u.c.format) bits. */
export const CHUNK_FORMAT_BLKBITS_MASK = 0x1f;
export const CHUNK_FORMAT_INDEXES = 0x20;
export const CHUNK_FORMAT_ALL = 0x3f;
/** Block address of a hole in block maps and chunk indexes. */
export const NULL_ADDR = 0xffffffff;

/** Size of one directory entry. */
export const DIRENT_SIZE = 12;
/** Longest name. */
export const NAME_LEN = 255;

/** File types in dirents (the kernel's FT_* values). */
export const FT_UNKNOWN = 0;
export const FT_REG_FILE = 1;
export const FT_DIR = 2;
export const FT_CHRDEV = 3;
export const FT_BLKDEV = 4;
export const FT_FIFO = 5;
export const FT_SOCK = 6;
export const FT_SYMLINK = 7;

/** Xattr name indexes and the prefixes they stand for. */
export const XATTR_INDEX_USER = 1;
export const XATTR_INDEX_POSIX_ACL_ACCESS = 2;
export const XATTR_INDEX_POSIX_ACL_DEFAULT = 3;
export const XATTR_INDEX_TRUSTED = 4;
export const XATTR_INDEX_LUSTRE = 5;
export const XATTR_INDEX_SECURITY = 6;
/** Prefix of each name index (index 0 is unused). ACL entries have an empty suffix. */
export const XATTR_PREFIXES: readonly string[] = [
  '', 'user.', 'system.posix_acl_access', 'system.posix_acl_default', 'trusted.', 'lustre.', 'security.',
];
/** Size of the inline xattr body header. */
export const XATTR_IBODY_HEADER_SIZE = 12;
/** Size of an xattr entry header. */
export const XATTR_ENTRY_SIZE = 4;

/** Compression algorithms (h_algorithmtype). */
export const COMPRESSION_LZ4 = 0;
export const COMPRESSION_LZMA = 1;
/** Largest physical cluster, and largest decompressed extent accepted. */
export const PCLUSTER_MAX_SIZE = 1024 * 1024;
export const PCLUSTER_MAX_DSIZE = 12 * 1024 * 1024;

/** z_erofs_map_header h_advise bits. */
export const Z_ADVISE_COMPACTED_2B = 0x1;
export const Z_ADVISE_BIG_PCLUSTER_1 = 0x2;
export const Z_ADVISE_BIG_PCLUSTER_2 = 0x4;
export const Z_ADVISE_INLINE_PCLUSTER = 0x8;
export const Z_ADVISE_INTERLACED_PCLUSTER = 0x10;
export const Z_ADVISE_FRAGMENT_PCLUSTER = 0x20;
/** h_clusterbits bit 7: the whole file is a fragment of the packed inode. */
export const Z_FRAGMENT_INODE_BIT = 7;
/** Size of the map header in front of compressed indexes. */
export const Z_MAP_HEADER_SIZE = 8;
/** Size of a full (legacy) lcluster index. */
export const Z_LCLUSTER_INDEX_SIZE = 8;

/** Logical cluster types. */
export const Z_LCLUSTER_TYPE_PLAIN = 0;
export const Z_LCLUSTER_TYPE_HEAD1 = 1;
export const Z_LCLUSTER_TYPE_NONHEAD = 2;
export const Z_LCLUSTER_TYPE_HEAD2 = 3;
/** Full index di_advise: the pcluster is referenced partially (dedupe). */
export const Z_LI_PARTIAL_REF = 1 << 15;
/** delta[0] of the first NONHEAD lcluster holds the pcluster's block count. */
export const Z_LI_D0_CBLKCNT = 1 << 11;
