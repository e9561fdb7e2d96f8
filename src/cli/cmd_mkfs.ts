/**
 * `vroot mkfs IMAGE SRCDIR`: writes an EROFS image of a host directory (Node-specific).
 */
import { parseArgs } from 'node:util';
import { FileSink } from '../node/erofs/file_sink.js';
import { HostTreeSource } from '../node/erofs/host_tree.js';
import { writeErofs, type ErofsWriteOptions } from '../fs/erofs/writer/writer.js';
import type { Command } from './command.js';
import { helpOrUsage } from './_usage.js';
import { ProgressLine, formatBytes } from './_progress.js';

const HELP = `Usage: vroot mkfs [options] IMAGE SRCDIR

Writes an EROFS image of SRCDIR (every file type, hard links, xattrs, owners, nanosecond
mtimes) that Linux mounts and fsck.erofs accepts. The same tree and options give the same
bytes.

Options:
  -z, --compress ALG     compress regular files (ALG: lz4)
      --no-inline        keep regular file data block-aligned (no tail packing)
  -T, --timestamp SECS   give every inode this mtime (SOURCE_DATE_EPOCH clamps instead)
      --all-root         make every file owned by root
      --uid N, --gid N   force this owner / group on every file
      --extended         use 64-byte inodes only
      --no-xattrs        leave xattrs out
  -U, --uuid UUID        filesystem UUID (default: derived from the contents)
  -L, --label NAME       volume label (at most 15 bytes)
  -q, --quiet            no progress or summary
`;

function parseUuid(text: string): Uint8Array {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`invalid UUID "${text}"`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function parseInteger(text: string, what: string): number {
  if (!/^-?\d+$/.test(text)) throw new Error(`invalid ${what} "${text}"`);
  return Number(text);
}

export const mkfsCommand: Command = {
  name: 'mkfs',
  summary: 'write an EROFS image of a directory',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        compress: { type: 'string', short: 'z' },
        'no-inline': { type: 'boolean' },
        timestamp: { type: 'string', short: 'T' },
        'all-root': { type: 'boolean' },
        uid: { type: 'string' },
        gid: { type: 'string' },
        extended: { type: 'boolean' },
        'no-xattrs': { type: 'boolean' },
        uuid: { type: 'string', short: 'U' },
        label: { type: 'string', short: 'L' },
        quiet: { type: 'boolean', short: 'q' },
      },
    });
    const stop = helpOrUsage(values.help, positionals, HELP, 2);
    if (stop !== null) return stop;
    const [image, srcdir] = positionals as [string, string];
    const options: ErofsWriteOptions = {};
    if (values.compress !== undefined) {
      if (values.compress !== 'lz4' && values.compress !== 'none') throw new Error(`unsupported compressor "${values.compress}" (lz4 is available)`);
      options.compress = values.compress;
    }
    if (values['no-inline']) options.inlineData = false;
    if (values.timestamp !== undefined) {
      options.timestamp = parseInteger(values.timestamp, 'timestamp');
    } else if (process.env['SOURCE_DATE_EPOCH'] !== undefined) {
      options.clampMtime = parseInteger(process.env['SOURCE_DATE_EPOCH'], 'SOURCE_DATE_EPOCH');
    }
    if (values['all-root']) options.allRoot = true;
    if (values.uid !== undefined) options.uid = parseInteger(values.uid, 'uid');
    if (values.gid !== undefined) options.gid = parseInteger(values.gid, 'gid');
    if (values.extended) options.forceExtended = true;
    if (values['no-xattrs']) options.xattrs = false;
    if (values.uuid !== undefined) options.uuid = parseUuid(values.uuid);
    if (values.label !== undefined) options.volumeName = values.label;
    const quiet = values.quiet === true;
    const progress = new ProgressLine(quiet);
    options.onProgress = (p) => {
      if (p.phase === 'scan') progress.update(`scanning: ${p.inodes} inodes`);
      else if (p.phase === 'data') progress.update(`data: ${p.filesDone}/${p.files} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytes)}`);
      else if (p.phase === 'metadata') progress.update(`metadata: ${p.inodes} inodes`);
    };
    const source = new HostTreeSource(srcdir, { xattrs: options.xattrs !== false });
    if (source.xattrWarning !== null && !quiet) process.stderr.write(`vroot mkfs: ${source.xattrWarning}\n`);
    const sink = FileSink.create(image);
    let result;
    try {
      result = writeErofs(source, sink, options);
    } finally {
      sink.close();
      progress.done();
    }
    if (!quiet) {
      process.stderr.write(`${image}: ${result.inodes} inodes, ${formatBytes(result.dataBytes)} of file data in ${formatBytes(result.size)}` +
        (result.compressedFiles > 0 ? ` (${result.compressedFiles} files compressed)` : '') +
        (result.skippedXattrs > 0 ? `, ${result.skippedXattrs} xattrs of unsupported namespaces left out` : '') + '\n');
    }
    return 0;
  },
};
