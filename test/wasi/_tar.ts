// Test helper: reads ustar archives (with GNU long names and pax paths) into a vroot process.
import { AT_FDCWD } from '../../src/abi/constants.js';
import { VfsError } from '../../src/vfs/errors.js';
import type { Process } from '../../src/vfs/process.js';
import { writeFile } from './_guest.js';

/** One archive member. */
export interface TarEntry {
  name: string;
  /** '0' file, '5' directory, '2' symlink, '1' hard link. */
  type: string;
  mode: number;
  data: Uint8Array;
  linkname: string;
}

const dec = new TextDecoder();

function field(buf: Uint8Array, at: number, len: number): string {
  let end = at;
  while (end < at + len && buf[end] !== 0) end++;
  return dec.decode(buf.subarray(at, end));
}

/** The members of a tar archive, in order. */
export function* readTar(buf: Uint8Array): Generator<TarEntry> {
  let off = 0;
  let longName: string | null = null;
  while (off + 512 <= buf.length && buf[off] !== 0) {
    let name = field(buf, off, 100);
    const mode = parseInt(field(buf, off + 100, 8).trim() || '0', 8);
    const size = parseInt(field(buf, off + 124, 12).trim() || '0', 8);
    const type = buf[off + 156] === 0 ? '0' : String.fromCharCode(buf[off + 156]!);
    const linkname = field(buf, off + 157, 100);
    const prefix = field(buf, off + 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(dec.decode(data));
      if (m !== null) longName = m[1]!;
      continue;
    }
    if (longName !== null) {
      name = longName;
      longName = null;
    }
    yield { name, type, mode, data, linkname };
  }
}

function mkdirs(p: Process, path: string): void {
  let at = '';
  for (const part of path.split('/').filter((x) => x !== '')) {
    at += `/${part}`;
    try {
      p.mkdirat(AT_FDCWD, at, 0o755);
    } catch (e) {
      if (!(e instanceof VfsError) || e.code !== 'EEXIST') throw e;
    }
  }
}

/** Unpacks an archive under `dir` of a process; returns the number of regular files. */
export function extractTar(p: Process, buf: Uint8Array, dir: string): number {
  let files = 0;
  for (const e of readTar(buf)) {
    const path = `${dir}/${e.name}`.replace(/\/+$/, '').replace(/\/\/+/g, '/');
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (e.type === '5') {
      mkdirs(p, path);
    } else if (e.type === '0' || e.type === '7') {
      mkdirs(p, parent);
      writeFile(p, path, e.data, e.mode & 0o7777 || 0o644);
      files++;
    } else if (e.type === '2') {
      mkdirs(p, parent);
      p.symlinkat(e.linkname, AT_FDCWD, path);
    } else if (e.type === '1') {
      mkdirs(p, parent);
      p.linkat(AT_FDCWD, `${dir}/${e.linkname}`, AT_FDCWD, path);
    }
  }
  return files;
}
