/**
 * Runs a differential case on vroot (a fresh tmpfs root, one process) and normalizes the
 * results exactly as kernel_oracle.py does, so the two can be compared with deepEqual.
 */
import {
  AT_FDCWD, O_PATH, S_IFDIR, S_IFMT, Tmpfs, UTIME_NOW, UTIME_OMIT, VfsError, VirtualFileSystem,
  Cred, byteStringToBytes, bytesToByteString, type FileSystem, type Process, type Stat, type VfsOptions,
} from '../../src/mod.js';
import { WOULD_BLOCK } from '../../src/vfs/devices.js';
import type { Op, OpResult, StatValue } from './ops.js';

/** Normalizes stat results as kernel_oracle.py does. */
export class Normalizer {
  private readonly labels = new Map<string, string>();
  private readonly seen = new Map<string, [number, number][]>();
  readonly explicit = new Set<string>();

  stat(st: Stat): StatValue {
    const key = `${st.dev}:${st.ino}`;
    let label = this.labels.get(key);
    if (label === undefined) {
      label = `i${this.labels.size}`;
      this.labels.set(key, label);
    }
    const cur: [number, number][] = [[st.atime.sec, st.atime.nsec], [st.mtime.sec, st.mtime.nsec], [st.ctime.sec, st.ctime.nsec]];
    const prev = this.seen.get(label);
    const times = cur.map((t, i): string | [number, number] => {
      if (this.explicit.has(`${t[0]}:${t[1]}`)) return [t[0], t[1]];
      if (prev === undefined) return 'new';
      const p = prev[i]!;
      return p[0] !== t[0] || p[1] !== t[1] ? 'changed' : 'same';
    });
    this.seen.set(label, cur);
    return {
      id: label, mode: st.mode, nlink: st.nlink, uid: st.uid, gid: st.gid,
      size: st.size, blocks: st.blocks, rdev: st.rdev, times,
    };
  }
}

function bs(s: string): Uint8Array {
  return byteStringToBytes(s);
}

/**
 * Runs `ops` on a fresh vroot whose root is `makeRoot()` (a tmpfs by default) and returns
 * results in the oracle's format.
 */
export function runOnVroot(ops: Op[], options: VfsOptions = {}, makeRoot: () => FileSystem = () => new Tmpfs()): OpResult[] {
  const vfs = new VirtualFileSystem(options);
  vfs.mount(makeRoot(), '/');
  const p = vfs.createProcess({ umask: 0o022 });
  // Occupy 0, 1 and 2 as a real process's stdio does, so the first open gives 3.
  for (let i = 0; i < 3; i++) p.openat(AT_FDCWD, '/', O_PATH);
  const norm = new Normalizer();
  const results: OpResult[] = [];
  for (const op of ops) {
    try {
      results.push(['ok', runOp(p, op, norm)]);
    } catch (e) {
      if (!(e instanceof VfsError)) throw e;
      // Where Linux blocks (a fifo without a peer), vroot answers EAGAIN "would block".
      results.push(['err', e.code === 'EAGAIN' && e.message.includes(WOULD_BLOCK) ? 'BLOCKS' : e.code]);
    }
  }
  return results;
}

/** Runs one op on `p` and returns its normalized value. */
export function runOp(p: Process, op: Op, norm: Normalizer): unknown {
  switch (op[0]) {
    case 'become': {
      const [, uid, gid, groups] = op;
      p.setCred(new Cred({ uid, gid, groups }));
      return null;
    }
    case 'umask':
      return p.umask(op[1]);
    case 'open':
      return p.openat(op[1], bs(op[2]), op[3], op[4]);
    case 'openat2':
      return p.openat2(op[1], bs(op[2]), { flags: op[3], mode: op[4], resolve: op[5] });
    case 'close':
      p.close(op[1]);
      return null;
    case 'read': {
      const buf = new Uint8Array(op[2]);
      const n = p.read(op[1], buf);
      return bytesToByteString(buf.subarray(0, n));
    }
    case 'pread': {
      const buf = new Uint8Array(op[2]);
      const n = p.pread(op[1], buf, op[3]);
      return bytesToByteString(buf.subarray(0, n));
    }
    case 'write':
      return p.write(op[1], bs(op[2]));
    case 'pwrite':
      return p.pwrite(op[1], bs(op[2]), op[3]);
    case 'lseek':
      return p.lseek(op[1], op[2], op[3]);
    case 'fstat':
      return norm.stat(p.fstat(op[1]));
    case 'fstatat':
      return norm.stat(p.fstatat(op[1], bs(op[2]), op[3]));
    case 'mkdir':
      p.mkdirat(op[1], bs(op[2]), op[3]);
      return null;
    case 'mknod':
      p.mknodat(op[1], bs(op[2]), op[3], op[4]);
      return null;
    case 'symlink':
      p.symlinkat(bs(op[1]), op[2], bs(op[3]));
      return null;
    case 'readlink':
      return p.readlinkRaw(op[1], bs(op[2]));
    case 'unlink':
      p.unlinkat(op[1], bs(op[2]), op[3]);
      return null;
    case 'rename':
      p.renameat2(op[1], bs(op[2]), op[3], bs(op[4]), op[5]);
      return null;
    case 'link':
      p.linkat(op[1], bs(op[2]), op[3], bs(op[4]), op[5]);
      return null;
    case 'chmod':
      p.fchmodat(op[1], bs(op[2]), op[3], op[4]);
      return null;
    case 'fchmod':
      p.fchmod(op[1], op[2]);
      return null;
    case 'chown':
      p.fchownat(op[1], bs(op[2]), op[3], op[4], op[5]);
      return null;
    case 'utimens': {
      const [, dirfd, path, times, flags] = op;
      if (times !== null) {
        for (const t of times) if (t[1] !== UTIME_NOW && t[1] !== UTIME_OMIT) norm.explicit.add(`${t[0]}:${t[1]}`);
      }
      p.utimensat(dirfd, path === null ? null : bs(path),
        times === null ? null : [{ sec: times[0][0], nsec: times[0][1] }, { sec: times[1][0], nsec: times[1][1] }], flags);
      return null;
    }
    case 'truncate':
      p.truncate(bs(op[1]), op[2]);
      return null;
    case 'ftruncate':
      p.ftruncate(op[1], op[2]);
      return null;
    case 'fallocate':
      p.fallocate(op[1], op[2], op[3], op[4]);
      return null;
    case 'access':
      p.faccessat2(op[1], bs(op[2]), op[3], op[4]);
      return null;
    case 'chdir':
      p.chdir(bs(op[1]));
      return null;
    case 'fchdir':
      p.fchdir(op[1]);
      return null;
    case 'getcwd':
      return p.getcwdRaw();
    case 'chroot':
      p.chroot(bs(op[1]));
      return null;
    case 'getdents':
      return p.getdents64(op[1], op[2]).map((e) => [e.rawName, e.type]);
    case 'dup':
      return p.dup(op[1]);
    case 'dup3':
      return p.dup3(op[1], op[2], op[3]);
    case 'fcntl':
      return p.fcntl(op[1], op[2], op[3]);
    case 'setxattr':
      p.setxattr(bs(op[1]), bs(op[2]), bs(op[3]), op[4], { nofollow: !op[5] });
      return null;
    case 'getxattr':
      return bytesToByteString(p.getxattr(bs(op[1]), bs(op[2]), { nofollow: !op[3] }));
    case 'listxattr': {
      const bytes = p.listxattr(bs(op[1]), { nofollow: !op[2] });
      return bytes.sort();
    }
    case 'removexattr':
      p.removexattr(bs(op[1]), bs(op[2]), { nofollow: !op[3] });
      return null;
    case 'mount_tmpfs':
      p.mount(new Tmpfs(), bs(op[1]));
      return null;
    case 'umount':
      p.umount2(bs(op[1]), op[2]);
      return null;
  }
}

void S_IFDIR; void S_IFMT;
