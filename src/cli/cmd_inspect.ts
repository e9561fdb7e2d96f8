/**
 * `vroot inspect IMAGE [PATH]`: shows an EROFS image's superblock, or an inode and where its
 * data lives (Node-specific).
 */
import { parseArgs } from 'node:util';
import { AT_SYMLINK_NOFOLLOW, AT_FDCWD } from '../abi/constants.js';
import { FileSource } from '../node/erofs/file_source.js';
import { Erofs } from '../fs/erofs/reader/erofs.js';
import { describeInode, describeSuperblock, type InodeReport, type SuperblockReport } from '../fs/erofs/reader/inspect.js';
import { VirtualFileSystem } from '../vfs/virtual_filesystem.js';
import type { Command } from './command.js';
import { helpOrUsage } from './_usage.js';

const HELP = `Usage: vroot inspect [options] IMAGE [PATH]

Without PATH: the superblock (geometry, features, counts). With PATH (inside the image, not
following a final symlink): the inode's fields, xattrs and its data ranges (blocks, inline
tail, chunks or compressed extents).

Options:
      --json        print JSON
      --nid N       inspect inode N instead of a path
      --max N       list at most N data ranges (default 1000)
`;

function printSuperblock(r: SuperblockReport): string {
  return [
    `block size      ${r.blockSize}`,
    `blocks          ${r.blocks} (${r.imageBytes} bytes in the image)`,
    `inodes          ${r.inodes}`,
    `root nid        ${r.rootNid}`,
    `meta blkaddr    ${r.metaBlkaddr}`,
    `xattr blkaddr   ${r.xattrBlkaddr}`,
    `build time      ${r.buildTime}.${String(r.buildTimeNsec).padStart(9, '0')}`,
    `uuid            ${r.uuid}`,
    `volume name     ${r.volumeName}`,
    `compat          ${r.featureCompat.join(' ') || '-'}`,
    `incompat        ${r.featureIncompat.join(' ') || '-'}`,
    `checksum        ${r.checksum}`,
    `compression     ${r.compression.algorithms.join(' ')} (max pcluster ${r.compression.lz4MaxPclusterBlocks} blocks)`,
  ].join('\n');
}

function printInode(r: InodeReport): string {
  const lines = [
    `nid             ${r.nid} (byte ${r.position})`,
    `inode           ${r.version}, ${r.layout}`,
    `type            ${r.type}, mode ${r.mode}`,
    `links           ${r.nlink}`,
    `owner           ${r.uid}:${r.gid}`,
    `size            ${r.size}`,
    `mtime           ${r.mtime}.${String(r.mtimeNsec).padStart(9, '0')}`,
  ];
  if (r.rdev !== 0) lines.push(`rdev            ${r.rdev >>> 8 & 0xfff}:${(r.rdev & 0xff) | ((r.rdev >>> 12) & 0xfff00)}`);
  if (r.compressedBlocks !== undefined) lines.push(`compressed      ${r.compressedBlocks} blocks, lcluster 2^${r.compression?.lclusterBits}, advise 0x${r.compression?.advise.toString(16)}`);
  if (r.xattrs.length > 0) lines.push(`xattrs          ${r.xattrs.map((x) => `${x.name} (${x.size} bytes)`).join(', ')}`);
  if (r.data.length > 0) {
    lines.push('data            offset+length -> kind @ position (stored bytes)');
    for (const d of r.data) lines.push(`  ${d.offset}+${d.length} -> ${d.kind}${d.kind === 'hole' ? '' : ` @ ${d.position} (${d.stored})`}`);
    if (r.dataTruncated) lines.push('  ... (more; see --max)');
  }
  return lines.join('\n');
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'show an EROFS image\'s superblock or an inode\'s layout',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        json: { type: 'boolean' },
        nid: { type: 'string' },
        max: { type: 'string' },
      },
    });
    const stop = helpOrUsage(values.help, positionals, HELP, 1, 2);
    if (stop !== null) return stop;
    const source = FileSource.open(positionals[0]!);
    try {
      const fs = Erofs.open(source);
      const image = fs.image;
      let out: string;
      if (positionals.length === 1 && values.nid === undefined) {
        const r = describeSuperblock(image);
        out = values.json ? JSON.stringify(r, null, 2) : printSuperblock(r);
      } else {
        let nid: number;
        if (values.nid !== undefined) {
          nid = Number(values.nid);
        } else {
          const vfs = new VirtualFileSystem();
          vfs.mount(fs, '/');
          nid = vfs.createProcess().fstatat(AT_FDCWD, positionals[1]!, AT_SYMLINK_NOFOLLOW).ino;
        }
        const r = describeInode(image, image.inode(nid), values.max === undefined ? 1000 : Number(values.max));
        out = values.json ? JSON.stringify(r, null, 2) : printInode(r);
      }
      process.stdout.write(out + '\n');
      return 0;
    } finally {
      source.close();
    }
  },
};
