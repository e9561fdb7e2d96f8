// Replays the operation language of tools/casefold/record.py against vroot (see that file for the
// meaning of each operation and answer), so recorded kernel answers can be compared one by one.
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import {
  AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, O_CREAT, O_DIRECTORY, O_EXCL, O_NONBLOCK, O_RDONLY, O_WRONLY,
  Tmpfs, VfsError, VirtualFileSystem, bytesToByteString, type Process,
} from '../../src/mod.js';
import { getCasefoldFlag, setCasefoldFlag } from '../../src/emu/casefold/flags.js';

/** One recorded operation: its name, then arguments (paths as hex bytes, numbers as numbers). */
export type Op = [string, ...(string | number)[]];
/** One recorded case. */
export interface RecordedCase {
  fs: 'relaxed' | 'strict' | 'plain';
  ops: Op[];
  res: unknown[];
}

/** Reads a gzip'd JSON-lines recording: a header line, then one case per line. */
export function loadRecording(url: URL): { header: Record<string, unknown>; cases: RecordedCase[] } {
  const lines = gunzipSync(readFileSync(url)).toString('ascii').trimEnd().split('\n');
  return { header: JSON.parse(lines[0]!), cases: lines.slice(1).map((l) => JSON.parse(l) as RecordedCase) };
}

const hexToBytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const bytesHex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

/** The filesystem a recorded case ran on, as a vroot tmpfs. */
export function tmpfsFor(fs: RecordedCase['fs']): Tmpfs {
  return new Tmpfs({ casefold: fs === 'plain' ? false : 'per-directory', strictEncoding: fs === 'strict' });
}

/** Runs a case's operations on a fresh tmpfs and returns vroot's answers. */
export function replay(c: RecordedCase): unknown[] {
  const vfs = new VirtualFileSystem();
  vfs.mount(tmpfsFor(c.fs), '/');
  const p = vfs.createProcess();
  const labels = new Map<number, string>();
  const path = (h: string | number): Uint8Array => {
    const b = hexToBytes(h as string);
    const out = new Uint8Array(b.length + 1);
    out[0] = 0x2f;
    out.set(b, 1);
    return out;
  };
  const ino = (pth: Uint8Array): number => p.fstatat(AT_FDCWD, pth, AT_SYMLINK_NOFOLLOW).ino;
  const label = (i: number): string => labels.get(i) ?? '?';
  const fdPath = (fd: number): string => {
    const f = p.files.get(fd);
    return bytesHex(vfs.pathOf({ mount: f.mount, dentry: f.dentry }, p.fsContext.root).path);
  };
  const res: unknown[] = [];
  c.ops.forEach((op, i) => {
    try {
      res.push(step(op, i));
    } catch (e) {
      if (!(e instanceof VfsError)) throw e;
      res.push(e.code);
    }
  });
  return res;

  function step(op: Op, i: number): unknown {
    const [kind, a, b, flags] = op;
    switch (kind) {
      case 'mkdir':
        p.mkdirat(AT_FDCWD, path(a!), 0o755);
        labels.set(ino(path(a!)), `#${i}`);
        return null;
      case 'creat':
      case 'excl': {
        let existed = false;
        if (kind === 'creat') {
          try { ino(path(a!)); existed = true; } catch { /* absent */ }
        }
        const fd = p.openat(AT_FDCWD, path(a!), O_CREAT | O_WRONLY | (kind === 'excl' ? O_EXCL : 0), 0o644);
        try {
          const n = p.fstat(fd).ino;
          if (!existed || !labels.has(n)) labels.set(n, `#${i}`);
          return labels.get(n);
        } finally {
          p.close(fd);
        }
      }
      case 'symlink':
        p.symlinkat('t', AT_FDCWD, path(a!));
        labels.set(ino(path(a!)), `#${i}`);
        return null;
      case 'link':
        p.linkat(AT_FDCWD, path(a!), AT_FDCWD, path(b!));
        return null;
      case 'rename':
        p.renameat2(AT_FDCWD, path(a!), AT_FDCWD, path(b!), flags as number);
        return null;
      case 'unlink':
        p.unlinkat(AT_FDCWD, path(a!));
        return null;
      case 'rmdir':
        p.unlinkat(AT_FDCWD, path(a!), AT_REMOVEDIR);
        return null;
      case 'stat':
        return label(ino(path(a!)));
      case 'open': {
        const fd = p.openat(AT_FDCWD, path(a!), O_RDONLY);
        try {
          return [label(p.fstat(fd).ino), fdPath(fd)];
        } finally {
          p.close(fd);
        }
      }
      case 'cwd':
        p.chdir(path(a!));
        try {
          return bytesHex(p.getcwdRaw());
        } finally {
          p.chdir('/');
        }
      case 'list': {
        const fd = p.openat(AT_FDCWD, path(a!), O_RDONLY | O_DIRECTORY);
        const names: string[] = [];
        try {
          for (;;) {
            const batch = p.getdents64(fd);
            if (batch.length === 0) break;
            for (const d of batch) if (d.rawName !== '.' && d.rawName !== '..') names.push(d.rawName);
          }
        } finally {
          p.close(fd);
        }
        const dir = bytesToByteString(path(a!));
        return names.map((n) => bytesHex(n)).sort()
          .map((h) => [h, label(p.fstatat(AT_FDCWD, hexToBytes(bytesHex(dir) + '2f' + h), AT_SYMLINK_NOFOLLOW).ino)]);
      }
      case 'getcf':
      case 'setcf': {
        const fd = p.openat(AT_FDCWD, path(a!), O_RDONLY | O_NONBLOCK);
        try {
          if (kind === 'getcf') return getCasefoldFlag(p, fd) ? 1 : 0;
          setCasefoldFlag(p, fd, b === 1);
          return null;
        } finally {
          p.close(fd);
        }
      }
      case 'drop':
        // The kernel dropped its dentry cache here; tmpfs (Linux's too) never drops dentries.
        return null;
      default:
        throw new Error(`unknown recorded operation ${kind}`);
    }
  }
}

export type { Process };
