// Node-specific: generated host trees for the differential tests of the file tools.
/**
 * A seeded tree of every kind of object the tools show: directories several levels deep,
 * files of many sizes, hard links, relative, absolute and dangling symlinks (to files and to
 * directories; none leading out of the tree, where the host and a guest differ by design), fifos and device nodes (as root), names with spaces, dots, digits, capitals and
 * UTF-8, modes with set-ID and sticky bits, and times from long ago, the last months and the
 * future (so ls shows both of its date forms).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, linkSync, lstatSync, lutimesSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Prng } from '../emu/_prng.js';

/** Names as byte strings (one char per byte): UTF-8 ones, a tab, and bytes that are not UTF-8. */
const NAMES = ['a', 'b.txt', '.hidden', 'with space', 'UPPER', 'z9', Buffer.from('ünï').toString('latin1'), 'x-y_z', '1', '10',
  '2', 'dir.d', 'A', '_', 'Makefile', 'e.tar.gz', "it's", 'tab\tx', 'bad\xffname', '#x', 'a=b'];
const FILE_MODES = [0o644, 0o644, 0o600, 0o755, 0o700, 0o444, 0o4755, 0o2755, 0o640, 0o000, 0o777];
const DIR_MODES = [0o755, 0o755, 0o700, 0o1777, 0o2775, 0o555];

export interface HostTree {
  /** The tree's root (a fresh directory under the system's temporary directory). */
  dir: string;
  /** Every directory below the root, relative to it ('' is the root), as UTF-8 text. */
  dirs: string[];
  /** Every non-directory, relative to the root, as UTF-8 text. */
  files: string[];
}

/** A byte-string path as a Buffer. */
function b(path: string): Buffer {
  return Buffer.from(path, 'latin1');
}

function isUtf8(bytes: string): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b(bytes));
    return true;
  } catch {
    return false;
  }
}

/** Builds a tree under a new temporary directory. `size` scales the number of objects. */
export function makeHostTree(seed: number, size = 40): HostTree {
  const rng = new Prng(seed);
  const root = Buffer.from(mkdtempSync(join(tmpdir(), 'vroot-tree-'))).toString('latin1');
  const dirs = [''];
  const files: string[] = [];
  const taken = new Set<string>();
  const now = Date.now() / 1000;
  const fresh = (dir: string): string | null => {
    for (let i = 0; i < 8; i++) {
      const name = rng.pick(NAMES) + (rng.chance(0.3) ? String(rng.int(0, 99)) : '');
      const rel = dir === '' ? name : `${dir}/${name}`;
      if (!taken.has(rel)) {
        taken.add(rel);
        return rel;
      }
    }
    return null;
  };
  const when = (): number => {
    const r = rng.next();
    if (r < 0.4) return now - rng.int(60, 150 * 86400); // within six months: "Mon DD HH:MM"
    if (r < 0.9) return rng.int(978307200, Math.floor(now) - 200 * 86400); // 2001..: "Mon DD  YYYY"
    return now + rng.int(3600, 365 * 86400); // the future: the year form too
  };
  for (let i = 0; i < size; i++) {
    const parent = rng.pick(dirs);
    const rel = fresh(parent);
    if (rel === null) continue;
    const path = b(`${root}/${rel}`);
    const kind = rng.next();
    if (kind < 0.25 && rel.split('/').length < 5) {
      mkdirSync(path);
      dirs.push(rel);
    } else if (kind < 0.65) {
      const n = rng.pick([0, 1, 5, 100, 1023, 1024, 1025, 4096, 10000, 123456]);
      writeFileSync(path, Buffer.alloc(n, rel));
      files.push(rel);
    } else if (kind < 0.85) {
      const targets = [...files, ...dirs.filter((d) => d !== '')];
      const target = rng.chance(0.2) || targets.length === 0
        ? rng.pick(['nowhere', '/nonexistent/x', '/etc/passwd', '.'])
        : relative(parent, rng.pick(targets));
      symlinkSync(b(target), path);
      files.push(rel);
    } else if (kind < 0.9 && files.some((f) => !f.includes('link'))) {
      const target = rng.pick(files);
      try {
        linkSync(b(`${root}/${target}`), path);
        files.push(rel);
      } catch {
        // a symlink or special file: skip the hard link
      }
    } else if (process.geteuid?.() === 0) {
      const r = rng.chance(0.5) ? spawnSync('mkfifo', [path.toString()]) : spawnSync('mknod', [path.toString(), 'c', '1', String(rng.pick([3, 5, 7]))]);
      if (r.status === 0) files.push(rel);
    }
  }
  // Modes and times last (a directory's mtime moves when entries are added), deepest first.
  for (const rel of [...files].reverse()) {
    const path = b(`${root}/${rel}`);
    const t = when();
    try {
      if (isLink(path)) {
        lutimesSync(path, t, t);
        continue;
      }
      chmodSync(path, rng.pick(FILE_MODES));
      utimesSync(path, t, t);
    } catch {
      // a hard link already handled, or a vanished special file
    }
  }
  for (const rel of [...dirs].reverse()) {
    const path = b(rel === '' ? root : `${root}/${rel}`);
    if (rel !== '') chmodSync(path, rng.pick(DIR_MODES));
    const t = when();
    utimesSync(path, t, t);
  }
  // Names that are not UTF-8 stay in the tree (listings show them) but cannot be arguments.
  const text = (list: string[]): string[] => list.filter(isUtf8).map((x) => b(x).toString('utf8'));
  return { dir: b(root).toString('utf8'), dirs: text(dirs), files: text(files) };
}

function isLink(path: Buffer): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The relative path from directory `from` to `to` (both relative to the same root). */
function relative(from: string, to: string): string {
  const a = from === '' ? [] : from.split('/');
  const b = to.split('/');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/') || '.';
}
