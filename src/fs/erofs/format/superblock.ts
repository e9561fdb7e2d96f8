// This module is browser compatible.
/**
 * The superblock (struct erofs_super_block, 128 bytes at byte 1024) and the compression
 * configurations that may follow it (fs/erofs/super.c, decompressor.c:z_erofs_parse_cfgs).
 */
import {
  COMPRESSION_LZ4, EROFS_MAGIC, FEATURE_COMPAT_SB_CHKSUM, FEATURE_INCOMPAT_COMPR_CFGS,
  FEATURE_INCOMPAT_DEVICE_TABLE, FEATURE_INCOMPAT_SUPPORTED, INCOMPAT_FEATURE_NAMES, PCLUSTER_MAX_SIZE,
  SB_EXTSLOT_SIZE, SUPERBLOCK_SIZE, SUPER_OFFSET,
} from './constants.js';
import { crc32c } from './crc32c.js';
import { FormatError, corrupt, unsupported } from './format_error.js';
import { put16, put32, put64, u16, u32, u64 } from './le.js';

/** A decoded superblock. Every field is the on-disk value. */
export interface Superblock {
  checksum: number;
  featureCompat: number;
  blkszbits: number;
  sbExtslots: number;
  rootNid: number;
  inos: number;
  buildTime: number;
  buildTimeNsec: number;
  blocks: number;
  metaBlkaddr: number;
  xattrBlkaddr: number;
  uuid: Uint8Array;
  volumeName: Uint8Array;
  featureIncompat: number;
  /** available_compr_algs with COMPR_CFGS, else lz4_max_distance. */
  u1: number;
  extraDevices: number;
  devtSlotoff: number;
  dirblkbits: number;
  packedNid: number;
}

/** Compression settings derived from the superblock and its configuration records. */
export interface ComprConfig {
  /** Bitmap of algorithms used by the image (bit 0 LZ4, bit 1 LZMA). */
  algorithms: number;
  /** Largest LZ4 physical cluster in blocks (1 without big pclusters). */
  lz4MaxPclusterBlocks: number;
  /** LZ4 sliding window (0 means 64 KiB). */
  lz4MaxDistance: number;
}

/** Bytes of the image the superblock checksum covers, from byte 1024 on. */
export function checksumLength(blkszbits: number): number {
  const len = 1 << blkszbits;
  return len > SUPER_OFFSET ? len - SUPER_OFFSET : len;
}

/** Computes the superblock checksum over `head` (the image's first bytes, checksum field ignored). */
export function superblockChecksum(head: Uint8Array, blkszbits: number): number {
  const end = SUPER_OFFSET + checksumLength(blkszbits);
  if (head.length < end) corrupt('image shorter than its superblock block');
  let crc = crc32c(0xffffffff, head, SUPER_OFFSET, SUPER_OFFSET + 4);
  crc = crc32c(crc, new Uint8Array(4));
  return crc32c(crc, head, SUPER_OFFSET + 8, end);
}

/**
 * Decodes and validates the superblock from the image's first bytes (at least up to the end of
 * the checksummed range). Errors: EINVAL (not EROFS), EUCLEAN (bad checksum or geometry),
 * EOPNOTSUPP (incompatible features this reader does not know).
 */
export function decodeSuperblock(head: Uint8Array): Superblock {
  if (head.length < SUPER_OFFSET + SUPERBLOCK_SIZE) throw new FormatError('EINVAL', 'image too small to hold an EROFS superblock');
  const o = SUPER_OFFSET;
  if (u32(head, o) !== EROFS_MAGIC) throw new FormatError('EINVAL', 'not an EROFS image (bad superblock magic)');
  const sb: Superblock = {
    checksum: u32(head, o + 4),
    featureCompat: u32(head, o + 8),
    blkszbits: head[o + 12]!,
    sbExtslots: head[o + 13]!,
    rootNid: u16(head, o + 14),
    inos: u64(head, o + 16, 'inode count'),
    buildTime: u64(head, o + 24, 'build time'),
    buildTimeNsec: u32(head, o + 32),
    blocks: u32(head, o + 36),
    metaBlkaddr: u32(head, o + 40),
    xattrBlkaddr: u32(head, o + 44),
    uuid: head.slice(o + 48, o + 64),
    volumeName: head.slice(o + 64, o + 80),
    featureIncompat: u32(head, o + 80),
    u1: u16(head, o + 84),
    extraDevices: u16(head, o + 86),
    devtSlotoff: u16(head, o + 88),
    dirblkbits: head[o + 90]!,
    packedNid: u64(head, o + 96, 'packed nid'),
  };
  if (sb.blkszbits < 9 || sb.blkszbits > 16) corrupt(`block size bits ${sb.blkszbits} out of range`);
  if (sb.featureCompat & FEATURE_COMPAT_SB_CHKSUM) {
    const crc = superblockChecksum(head, sb.blkszbits);
    if (crc !== sb.checksum) {
      corrupt(`superblock checksum 0x${sb.checksum.toString(16)} does not match 0x${crc.toString(16)}`);
    }
  }
  const unknown = sb.featureIncompat & ~FEATURE_INCOMPAT_SUPPORTED;
  if (unknown !== 0) {
    const names: string[] = [];
    for (let bit = 1; bit !== 0 && bit <= unknown; bit = (bit << 1) >>> 0) {
      if (unknown & bit) names.push(INCOMPAT_FEATURE_NAMES[bit] ?? `0x${bit.toString(16)}`);
    }
    unsupported(`image needs incompatible EROFS features this reader does not support: ${names.join(', ')}`);
  }
  if (sb.dirblkbits !== 0) unsupported(`directory block size bits ${sb.dirblkbits} not supported`);
  if (SUPERBLOCK_SIZE + sb.sbExtslots * SB_EXTSLOT_SIZE > 4096 - SUPER_OFFSET) corrupt(`${sb.sbExtslots} superblock extension slots`);
  if (sb.volumeName.indexOf(0) < 0) corrupt('volume name without NUL terminator');
  if (sb.featureIncompat & FEATURE_INCOMPAT_DEVICE_TABLE && sb.extraDevices !== 0) {
    unsupported(`image spans ${sb.extraDevices + 1} devices; only single-device images are supported`);
  }
  return sb;
}

/** Size of the superblock with its extension slots. */
export function superblockSize(sb: Superblock): number {
  return SUPERBLOCK_SIZE + sb.sbExtslots * SB_EXTSLOT_SIZE;
}

/**
 * Decodes the compression configuration. `head` holds the image's first bytes; with COMPR_CFGS
 * the records follow the superblock, each a 16-bit length and its payload at 4-byte alignment.
 * Errors: EUCLEAN (records out of range), EOPNOTSUPP (unknown algorithms).
 */
export function decodeComprConfig(sb: Superblock, head: Uint8Array): ComprConfig {
  if (!(sb.featureIncompat & FEATURE_INCOMPAT_COMPR_CFGS)) {
    return { algorithms: 1 << COMPRESSION_LZ4, lz4MaxPclusterBlocks: 1, lz4MaxDistance: sb.u1 };
  }
  const algorithms = sb.u1;
  if (algorithms & ~0x3) unsupported(`unknown compression algorithms 0x${(algorithms & ~0x3).toString(16)}`);
  const config: ComprConfig = { algorithms, lz4MaxPclusterBlocks: 1, lz4MaxDistance: 0 };
  let offset = SUPER_OFFSET + superblockSize(sb);
  for (let alg = 0, bits = algorithms; bits !== 0; bits >>= 1, alg++) {
    if (!(bits & 1)) continue;
    offset = (offset + 3) & ~3;
    if (offset + 2 > head.length) corrupt('compression configuration beyond the first block');
    let len = u16(head, offset);
    if (len === 0) len = 0x10000;
    offset += 2;
    if (offset + len > head.length) corrupt('compression configuration beyond the first block');
    if (alg === COMPRESSION_LZ4) {
      if (len < 14) corrupt(`lz4 configuration of ${len} bytes`);
      config.lz4MaxDistance = u16(head, offset);
      const blocks = u16(head, offset + 2);
      if (blocks > PCLUSTER_MAX_SIZE >> sb.blkszbits) corrupt(`lz4 physical clusters of ${blocks} blocks`);
      config.lz4MaxPclusterBlocks = blocks === 0 ? 1 : blocks;
    }
    offset += len;
  }
  return config;
}

/** Encodes a superblock into `out` at byte 1024 (the checksum field as given). */
export function encodeSuperblock(sb: Superblock, out: Uint8Array): void {
  const o = SUPER_OFFSET;
  out.fill(0, o, o + SUPERBLOCK_SIZE);
  put32(out, o, EROFS_MAGIC);
  put32(out, o + 4, sb.checksum);
  put32(out, o + 8, sb.featureCompat);
  out[o + 12] = sb.blkszbits;
  out[o + 13] = sb.sbExtslots;
  put16(out, o + 14, sb.rootNid);
  put64(out, o + 16, sb.inos);
  put64(out, o + 24, sb.buildTime);
  put32(out, o + 32, sb.buildTimeNsec);
  put32(out, o + 36, sb.blocks);
  put32(out, o + 40, sb.metaBlkaddr);
  put32(out, o + 44, sb.xattrBlkaddr);
  out.set(sb.uuid.subarray(0, 16), o + 48);
  out.set(sb.volumeName.subarray(0, 16), o + 64);
  put32(out, o + 80, sb.featureIncompat);
  put16(out, o + 84, sb.u1);
  put16(out, o + 86, sb.extraDevices);
  put16(out, o + 88, sb.devtSlotoff);
  out[o + 90] = sb.dirblkbits;
  put64(out, o + 96, sb.packedNid);
}

/** Computes and stores the superblock checksum in `head` (the image's first block). */
export function sealSuperblock(head: Uint8Array, blkszbits: number): void {
  put32(head, SUPER_OFFSET + 4, superblockChecksum(head, blkszbits));
}
