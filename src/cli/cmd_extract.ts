/**
 * `vroot extract IMAGE DESTDIR`: restores an EROFS image into a directory (Node-specific).
 */
import { parseArgs } from 'node:util';
import { extractErofs } from '../node/erofs/extract.js';
import { FileSource } from '../node/erofs/file_source.js';
import { ErofsImage } from '../fs/erofs/reader/image.js';
import type { Command } from './command.js';
import { helpOrUsage } from './_usage.js';
import { ProgressLine, formatBytes } from './_progress.js';

const HELP = `Usage: vroot extract [options] IMAGE DESTDIR

Restores everything in IMAGE under DESTDIR: files, directories, symlinks, hard links, fifos,
sockets and device nodes, owners (as root), modes with set-id bits, xattrs and nanosecond
mtimes. Device nodes, xattrs and times are applied through python3.

Options:
      --no-owners   keep the extracting user as owner
      --no-xattrs   leave xattrs out
  -q, --quiet       no progress or summary
`;

export const extractCommand: Command = {
  name: 'extract',
  summary: 'restore an EROFS image into a directory',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        'no-owners': { type: 'boolean' },
        'no-xattrs': { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
      },
    });
    const stop = helpOrUsage(values.help, positionals, HELP, 2);
    if (stop !== null) return stop;
    const [imagePath, dest] = positionals as [string, string];
    const quiet = values.quiet === true;
    const source = FileSource.open(imagePath);
    const progress = new ProgressLine(quiet);
    try {
      const image = new ErofsImage(source);
      const options: Parameters<typeof extractErofs>[2] = {
        onProgress: (p) => progress.update(`extracted ${p.inodes} inodes, ${formatBytes(p.bytes)}`),
      };
      if (values['no-owners']) options.owners = false;
      if (values['no-xattrs']) options.xattrs = false;
      const r = extractErofs(image, dest, options);
      progress.done();
      for (const w of r.warnings) process.stderr.write(`vroot extract: ${w}\n`);
      if (!quiet) {
        process.stderr.write(`${dest}: ${r.files} files (${formatBytes(r.bytes)}), ${r.directories} directories, ${r.symlinks} symlinks, ` +
          `${r.hardlinks} hard links, ${r.specials} special files, ${r.xattrs} xattrs\n`);
      }
      return r.warnings.length > 0 ? 1 : 0;
    } finally {
      source.close();
    }
  },
};
