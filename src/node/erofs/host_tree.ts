// Node-specific: reads a host directory tree for the EROFS writer.
import { spawnSync } from 'node:child_process';
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import type { ByteString } from '../../vfs/bytes.js';
import type { SourceEntry, SourceFile, SourceStat, TreeSource } from '../../fs/erofs/writer/tree_source.js';

/** Options of a host tree. */
export interface HostTreeOptions {
  /**
   * Read xattrs (default true). Node has no xattr API, so they are listed once for the whole
   * tree with `getfattr` (package attr); without it the tree is read without xattrs and
   * `xattrWarning` says so.
   */
  xattrs?: boolean;
}

/**
 * A host directory as a TreeSource: handles are paths and names are byte strings (latin1
 * text holds any bytes, costs a byte a character, and goes back to exact bytes for the host);
 * times keep their nanoseconds and hard links are found by (dev, ino).
 *
 * @example
 * writeErofs(new HostTreeSource('/srv/rootfs'), FileSink.create('root.erofs'));
 */
export class HostTreeSource implements TreeSource<ByteString> {
  private readonly rootPath: ByteString;
  private readonly xattrMap: Map<string, Array<{ name: ByteString; value: Uint8Array }>> | null;
  /** Set when xattrs were asked for but could not be read. */
  readonly xattrWarning: string | null = null;

  constructor(dir: string, options: HostTreeOptions = {}) {
    let root = Buffer.from(dir).toString('latin1');
    while (root.length > 1 && root.endsWith('/')) root = root.slice(0, -1);
    this.rootPath = root;
    if (options.xattrs === false) {
      this.xattrMap = null;
    } else {
      // getfattr gets the path as text (arguments are UTF-8) and prints it back as bytes.
      const r = listAllXattrs(Buffer.from(root, 'latin1').toString());
      this.xattrMap = r.map;
      this.xattrWarning = r.warning;
    }
  }

  root(): { handle: ByteString; stat: SourceStat } {
    return { handle: this.rootPath, stat: statOf(lstatSync(host(this.rootPath), { bigint: true }), true) };
  }

  list(dir: ByteString): Array<SourceEntry<ByteString>> {
    const names = readdirSync(host(dir), { encoding: 'latin1' });
    const out: Array<SourceEntry<ByteString>> = [];
    const prefix = dir === '/' ? '/' : dir + '/';
    for (const name of names) {
      const path = prefix + name;
      out.push({ name, handle: path, stat: statOf(lstatSync(host(path), { bigint: true }), false) });
    }
    return out;
  }

  readlink(link: ByteString): Uint8Array {
    return readlinkSync(host(link), { encoding: 'buffer' });
  }

  xattrs(node: ByteString): Array<{ name: ByteString; value: Uint8Array }> {
    return this.xattrMap?.get(node) ?? [];
  }

  open(file: ByteString): SourceFile {
    const fd = openSync(host(file), 'r');
    return {
      read: (buf, offset, length, position) => readSync(fd, buf, offset, length, position),
      close: () => closeSync(fd),
    };
  }

  describe(node: ByteString): string {
    return host(node).toString();
  }
}

/** A byte-string path as the Buffer the host calls take (its exact bytes). */
function host(path: ByteString): Buffer {
  return Buffer.from(path, 'latin1');
}

function statOf(st: BigIntStats, isRoot: boolean): SourceStat {
  const mode = Number(st.mode);
  const isDir = (mode & 0o170000) === 0o040000;
  return {
    mode,
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: Number(st.size),
    rdev: Number(st.rdev),
    mtimeSec: Number(st.mtimeNs / 1000000000n) - (st.mtimeNs < 0n && st.mtimeNs % 1000000000n !== 0n ? 1 : 0),
    mtimeNsec: Number(((st.mtimeNs % 1000000000n) + 1000000000n) % 1000000000n),
    // Only objects with other links need an identity.
    key: !isDir && !isRoot && st.nlink > 1n ? `${st.dev}:${st.ino}` : null,
  };
}

/** Lists every xattr under `root` with one `getfattr -R` run, keyed by the path as a byte string. */
function listAllXattrs(root: string): { map: Map<string, Array<{ name: ByteString; value: Uint8Array }>>; warning: string | null } {
  const map = new Map<string, Array<{ name: ByteString; value: Uint8Array }>>();
  const r = spawnSync('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', '--', root], {
    maxBuffer: 1 << 30, encoding: 'buffer',
  });
  if (r.error !== undefined) return { map, warning: `xattrs not copied: cannot run getfattr (${r.error.message})` };
  const text = r.stdout.toString('latin1');
  let current: Array<{ name: ByteString; value: Uint8Array }> | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      current = [];
      map.set(unescape(line.slice(8)), current);
    } else if (line.length > 0 && current !== null) {
      const eq = line.lastIndexOf('=');
      if (eq < 0) continue;
      const hex = line.slice(eq + 1);
      const value = hex.startsWith('0x') ? Buffer.from(hex.slice(2), 'hex') : Buffer.from(hex, 'latin1');
      current.push({ name: unescape(line.slice(0, eq)), value: new Uint8Array(value) });
    }
  }
  const warning = r.status !== 0 && r.stderr.length > 0 ? `getfattr: ${r.stderr.toString().trim().split('\n')[0]}` : null;
  return { map, warning };
}

/** Undoes getfattr's quoting (\ooo octal escapes) on latin1 text. */
function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

