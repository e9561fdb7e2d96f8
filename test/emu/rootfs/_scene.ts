// Node-specific: scratch trees for the merged RootFS tests: a fake host root (never the real /)
// and a RootFS directory beside it, filled from a compact description, plus small helpers that
// read and list through a vroot process.
import { chmodSync, lchownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  AT_FDCWD, O_DIRECTORY, O_RDONLY, type Process,
} from '../../../src/mod.js';

/** One object of a tree: a file with text, a directory, or a symlink. */
export type TreeEntry =
  | { readonly file: string; readonly text?: string; readonly mode?: number }
  | { readonly dir: string; readonly mode?: number }
  | { readonly link: string; readonly to: string };

/** Creates `entries` under `root` (parents as needed). */
export function makeTree(root: string, entries: readonly TreeEntry[]): void {
  mkdirSync(root, { recursive: true });
  for (const e of entries) {
    if ('dir' in e) {
      mkdirSync(join(root, e.dir), { recursive: true });
      if (e.mode !== undefined) chmodSync(join(root, e.dir), e.mode);
    } else if ('file' in e) {
      mkdirSync(dirname(join(root, e.file)), { recursive: true });
      writeFileSync(join(root, e.file), e.text ?? '');
      if (e.mode !== undefined) chmodSync(join(root, e.file), e.mode);
    } else {
      mkdirSync(dirname(join(root, e.link)), { recursive: true });
      symlinkSync(e.to, join(root, e.link));
      lchownSync(join(root, e.link), 0, 0);
    }
  }
}

/** A scratch directory with `host/` (a fake host root) and `rootfs/`, removed by `dispose`. */
export interface Scratch {
  readonly dir: string;
  readonly host: string;
  readonly rootfs: string;
  dispose(): void;
}

/** The fake host root's API directories and the user's home (bypass paths need them). */
export const HOST_BASE: readonly TreeEntry[] = [
  { dir: 'proc' }, { dir: 'sys' }, { dir: 'dev' }, { dir: 'run' }, { dir: 'tmp', mode: 0o1777 }, { dir: 'home/user' },
];

/** Makes a scratch directory holding the two trees. `base` is the parent (default the temp dir). */
export function scratch(host: readonly TreeEntry[], rootfs: readonly TreeEntry[], base: string = tmpdir()): Scratch {
  const dir = mkdtempSync(join(base, 'vroot-rootfs-'));
  const s = { dir, host: join(dir, 'host'), rootfs: join(dir, 'rootfs') };
  makeTree(s.host, [...HOST_BASE, ...host]);
  makeTree(s.rootfs, rootfs);
  return { ...s, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

const decoder = new TextDecoder();

/** The whole content of a guest file, as text. */
export function readText(p: Process, path: string): string {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY);
  try {
    const chunks: Uint8Array[] = [];
    for (;;) {
      const buf = new Uint8Array(65536);
      const n = p.read(fd, buf);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
    }
    return chunks.map((c) => decoder.decode(c)).join('');
  } finally {
    p.close(fd);
  }
}

/** The names of a guest directory, sorted, without `.` and `..`. */
export function listDir(p: Process, path: string): string[] {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY);
  try {
    const names: string[] = [];
    for (;;) {
      const batch = p.getdents64(fd);
      if (batch.length === 0) break;
      for (const d of batch) if (d.name !== '.' && d.name !== '..') names.push(d.name);
    }
    return names.sort();
  } finally {
    p.close(fd);
  }
}
