// Test helper: case-insensitive directories of other filesystems checked against vroot's tmpfs
// with casefold, the reference (its answers are the kernel's ext4 answers, replayed in
// casefold_ext4.test.ts). A seeded generator makes names from fragments that fold in the hard
// ways (ß/ẞ/SS, dotted and dotless i, final sigma, ligatures, Kelvin and Ohm signs, NFC and NFD,
// ignorable code points, fullwidth letters, invalid UTF-8), a tree of them is made in the
// reference, and every query is answered by both.
import assert from 'node:assert/strict';
import {
  AT_FDCWD, casefoldKey, O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_WRONLY, Tmpfs, toByteString, VfsError,
  VirtualFileSystem, type Process,
} from '../../src/mod.js';
import { Prng } from './_prng.js';

/** Fragments of names: each entry is UTF-8 text, or (prefixed with `raw:`) bytes as a byte string. */
const FRAGMENTS = [
  'a', 'A', 'b', 'k', 'K', '\u212a', 'o', 'O', '\u2126', '\u03a9', '\u03c9', 'i', 'I', '\u0130', '\u0131',
  '\u00df', '\u1e9e', 'ss', 'SS', 'St', '\u03c3', '\u03c2', '\u03a3', '\ufb01', 'fi', 'FI', '\u00e9', 'e\u0301',
  'E\u0301', '\u00c9', '\u200b', '\u00ad', '\uff21', '\uff41', '\u01c4', '\u01c5', '\u01c6', '1', '-', '.',
  'raw:\xff', 'raw:\xc3', 'raw:\xe2\x80',
];

/** A byte string as the bytes the Process API takes (a JS string would be encoded as UTF-8). */
export function pathBytes(path: string): Uint8Array {
  return Uint8Array.from(path, (c) => c.charCodeAt(0));
}

function fragmentBytes(f: string): string {
  return f.startsWith('raw:') ? f.slice(4) : toByteString(f);
}

/** A generated name (a byte string) of 1 to 4 fragments, never "." or "..". */
export function generateName(r: Prng): string {
  let name = '';
  const n = r.int(1, 4);
  for (let i = 0; i < n; i++) name += fragmentBytes(r.pick(FRAGMENTS));
  return name === '.' || name === '..' ? `${name}x` : name;
}

/** Other spellings of `name` that a casefolded directory may take for it (or not). */
export function spellings(name: string): string[] {
  const bytes = Uint8Array.from(name, (c) => c.charCodeAt(0));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return [name];
  }
  const forms = new Set([text, text.toUpperCase(), text.toLowerCase(), text.normalize('NFD'), text.normalize('NFC'),
    text.toUpperCase().normalize('NFD'), text.replace(/s/g, '\u017f')]);
  return [...forms].map((t) => toByteString(t));
}

/** One generated case: the names made in each directory of the tree (as the reference kept them). */
export interface CasefoldTree {
  /** Directory path (a byte string, from "/") → the names created in it, files and directories. */
  dirs: Map<string, string[]>;
}

/** A namespace with a casefold tmpfs at / (the reference). */
export function referenceRoot(): Process {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs({ casefold: true }), '/');
  return vfs.createProcess();
}

/**
 * Makes a generated tree in `p` (a reference root): up to `names` entries in /d, a few of them
 * directories with entries of their own. Each file holds its own stored path, so reading it
 * through any spelling shows which entry a lookup found. Names the reference refuses (EEXIST: a
 * folded twin exists; EINVAL) are left out.
 */
export function makeTree(p: Process, r: Prng, names: number): CasefoldTree {
  const dirs = new Map<string, string[]>();
  const fill = (dir: string, count: number, depth: number): void => {
    const made: string[] = [];
    dirs.set(dir, made);
    for (let i = 0; i < count; i++) {
      const name = generateName(r);
      const path = `${dir}/${name}`;
      try {
        if (depth < 2 && r.chance(0.2)) {
          p.mkdirat(AT_FDCWD, pathBytes(path), 0o755);
          made.push(name);
          fill(path, r.int(0, 6), depth + 1);
        } else {
          writeText(p, path, path);
          made.push(name);
        }
      } catch (e) {
        if (!(e instanceof VfsError) || (e.code !== 'EEXIST' && e.code !== 'EINVAL')) throw e;
      }
    }
  };
  p.mkdirat(AT_FDCWD, '/d', 0o755);
  fill('/d', names, 0);
  return { dirs };
}

function writeText(p: Process, path: string, text: string): void {
  const fd = p.openat(AT_FDCWD, pathBytes(path), O_CREAT | O_EXCL | O_WRONLY, 0o644);
  try {
    p.write(fd, pathBytes(text));
  } finally {
    p.close(fd);
  }
}

/**
 * What a process answers for `path`: the errno, a directory's sorted listing, or a file's text.
 * With `foldListings`, a listing is given as folded names (for views that may keep another
 * spelling of a name, as an overlay does when it creates over a whiteout).
 */
export function answer(p: Process, path: string, foldListings = false): string {
  try {
    const st = p.fstatat(AT_FDCWD, pathBytes(path), 0);
    if ((st.mode & 0o170000) === 0o040000) {
      const fd = p.openat(AT_FDCWD, pathBytes(path), O_RDONLY | O_DIRECTORY);
      try {
        const names = p.getdents64(fd).map((d) => d.rawName).filter((n) => n !== '.' && n !== '..');
        return `dir ${JSON.stringify((foldListings ? names.map(casefoldKey) : names).sort())}`;
      } finally {
        p.close(fd);
      }
    }
    const fd = p.openat(AT_FDCWD, pathBytes(path), O_RDONLY);
    try {
      const buf = new Uint8Array(4096);
      const n = p.read(fd, buf);
      return `file ${String.fromCharCode(...buf.subarray(0, n))}`;
    } finally {
      p.close(fd);
    }
  } catch (e) {
    if (e instanceof VfsError) return e.code;
    throw e;
  }
}

/**
 * The queries of a case: every made path in several spellings, plus generated names that may
 * or may not fold to a made one.
 */
export function queries(tree: CasefoldTree, r: Prng): string[] {
  const out: string[] = [];
  for (const [dir, names] of tree.dirs) {
    const dirSpellings = spellings(dir);
    for (const name of names) {
      for (const s of spellings(name)) out.push(`${r.pick(dirSpellings)}/${s}`);
    }
    for (let i = 0; i < 4; i++) out.push(`${dir}/${generateName(r)}`);
  }
  return out;
}

/** Compares `got` (the filesystem under test) with the reference on every query. */
export function compareAnswers(ref: Process, got: Process, qs: readonly string[], what: string, foldListings = false): number {
  let compared = 0;
  for (const q of qs) {
    const want = answer(ref, q, foldListings);
    assert.equal(answer(got, q, foldListings), want, `${what}: ${JSON.stringify(q)}`);
    compared++;
  }
  return compared;
}

/** Copies the tree of a reference root under /d to the host directory `hostDir` (names as bytes). */
export function copyTreeToHost(ref: Process, tree: CasefoldTree, hostDir: string, io: {
  mkdir(path: Buffer): void;
  write(path: Buffer, data: Buffer): void;
}): void {
  const hostPath = (p: string): Buffer => Buffer.concat([Buffer.from(hostDir), Buffer.from(p, 'latin1')]);
  io.mkdir(hostPath('/d'));
  for (const [dir, names] of tree.dirs) {
    for (const name of names) {
      const path = `${dir}/${name}`;
      if (tree.dirs.has(path)) io.mkdir(hostPath(path));
      else io.write(hostPath(path), Buffer.from(path, 'latin1'));
    }
  }
  void ref;
}

/** A generated change: an operation and the one or two paths it names. */
export interface Change {
  op: 'create' | 'mkdir' | 'unlink' | 'rename' | 'rmdir';
  a: string;
  b: string;
}

/** Generates a change on names of `pool` (in other spellings) or new names. */
export function randomChange(r: Prng, pool: readonly string[]): Change {
  const pick = (): string => (pool.length > 0 && r.chance(0.7) ? r.pick(spellings(r.pick(pool))) : generateName(r));
  const op = r.pick(['create', 'create', 'mkdir', 'unlink', 'rename', 'rename', 'rmdir'] as const);
  return { op, a: `/d/${pick()}`, b: `/d/${pick()}` };
}

/** Makes `c` in `p`; returns "OK" or the errno. */
export function applyChange(p: Process, c: Change): string {
  try {
    switch (c.op) {
      case 'create': writeText(p, c.a, c.a); break;
      case 'mkdir': p.mkdirat(AT_FDCWD, pathBytes(c.a), 0o755); break;
      case 'unlink': p.unlinkat(AT_FDCWD, pathBytes(c.a), 0); break;
      case 'rename': p.renameat2(AT_FDCWD, pathBytes(c.a), AT_FDCWD, pathBytes(c.b), 0); break;
      case 'rmdir': p.unlinkat(AT_FDCWD, pathBytes(c.a), 0x200); break;
    }
    return 'OK';
  } catch (e) {
    if (e instanceof VfsError) return e.code;
    throw e;
  }
}
