/**
 * The procfs differential cases: their operations, and their run on vroot with the same
 * normalization proc_oracle.py applies to the kernel's answers.
 */
import {
  AT_FDCWD, F_GETFL, F_SETFL, PROC_SUPER_MAGIC, MS_NOATIME, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, O_DIRECTORY, O_NONBLOCK, O_PATH, O_RDONLY,
  ProcFs, S_IFDIR, S_IFLNK, S_IFMT, Tmpfs, VfsError, VirtualFileSystem, byteStringToBytes, bytesToByteString,
  type MountOptions, type Process, type VfsOptions,
} from '../../src/mod.js';
import { WOULD_BLOCK } from '../../src/vfs/devices.js';
import { Normalizer, runOp } from '../oracle/vroot_runner.js';
import type { Op, OpResult } from '../oracle/ops.js';

/**
 * Operations that read procfs. Path arguments may hold "{pid}" (the case's process) and
 * "{other}" (another live process owned by root: pid 1 on the kernel side).
 */
export type ProcOp =
  | ['preadlink', number, string]
  | ['fdlink', number]
  | ['pipe2', number]
  | ['fdinfo', number]
  | ['readfile', string, 'mountinfo' | 'status' | 'raw']
  | ['lsdir', string, string[] | null]
  | ['pstat', string, boolean]
  | ['mount_proc', string, number]
  | ['mount_tmpfs_flags', string, number]
  | ['mount_bind', string, string, boolean]
  | ['remount_bind', string, number]
  | ['writefile', string, number, string]
  /**
   * Opens /proc/self/fd/N ('open': openat; 'openat2': with `resolve`; 'dirfd': openat2 of "N"
   * in an O_PATH descriptor of /proc/self/fd), then reports the new descriptor's fstat, fdinfo
   * flags and first bytes (read without blocking), and closes it.
   */
  | ['reopen', 'open' | 'openat2' | 'dirfd', number, number, number];

/** Any operation of a procfs case. */
export type AnyOp = Op | ProcOp;

/** Descriptors the kernel oracle holds for itself (stdio, its result pipe, the other process's pipe). */
const HIDDEN_FDS = new Set([0, 1, 2, 900, 901, 902]);
/** The status lines both systems fill deterministically (see proc_oracle.py). */
const STATUS_FIELDS = new Set(['Umask', 'State', 'Uid', 'Gid', 'Groups', 'Kthread', 'Threads', 'TracerPid', 'Ngid']);

function mountOptions(flags: number): MountOptions {
  const o: MountOptions = {
    readOnly: (flags & MS_RDONLY) !== 0,
    nosuid: (flags & MS_NOSUID) !== 0,
    nodev: (flags & MS_NODEV) !== 0,
    noexec: (flags & MS_NOEXEC) !== 0,
  };
  if (flags & MS_NOATIME) o.noatime = true;
  return o;
}

/**
 * Replaces the task's own ids where procfs puts them (/proc/self's body, thread-self's, and
 * /proc/<pid>/... paths), as proc_oracle.py's normalize_pid.
 */
export function normalizePid(text: string, pid: number, tid: number): string {
  if (text === String(pid)) return 'PID';
  if (text === `${pid}/task/${tid}`) return 'PID/task/TID';
  return text
    .replace(new RegExp(`/proc/${pid}/task/${tid}(?=[/ ]|$)`, 'g'), '/proc/PID/task/TID')
    .replace(new RegExp(`/proc/${pid}(?=[/ ]|$)`, 'g'), '/proc/PID');
}

/** Mountinfo lines as fields, ids and devices replaced by labels (proc_oracle.py parse_mountinfo). */
export function parseMountinfo(text: string): string[][] {
  const lines = text.split('\n').filter((l) => l !== '').map((l) => l.split(' '));
  const ids = new Map<string, string>();
  const devs = new Map<string, string>();
  for (const f of lines) if (!ids.has(f[0]!)) ids.set(f[0]!, `m${ids.size}`);
  return lines.map((f) => {
    const parent = f[1] === f[0] || !ids.has(f[1]!) ? 'x' : ids.get(f[1]!)!;
    if (!devs.has(f[2]!)) devs.set(f[2]!, `d${devs.size}`);
    return [ids.get(f[0]!)!, parent, devs.get(f[2]!)!, ...f.slice(3)];
  });
}

function readAll(p: Process, path: string): string {
  const fd = p.openat(AT_FDCWD, byteStringToBytes(path), O_RDONLY);
  try {
    let text = '';
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = p.read(fd, buf);
      if (n === 0) return text;
      text += bytesToByteString(buf.subarray(0, n));
    }
  } finally {
    p.close(fd);
  }
}

function mountPointOf(id: number, mountinfo: string): string {
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f[0] === String(id)) return f[4]!;
  }
  return '?';
}

/** Inode numbers in fd link names (pipes, O_TMPFILE files) checked against fstat and hidden. */
function fdlinkValue(text: string, ino: number): string {
  const m = /^pipe:\[(\d+)\]$/.exec(text) ?? /#(\d+) \(deleted\)$/.exec(text);
  if (m === null) return text;
  const at = m.index + m[0].indexOf(m[1]!);
  return text.slice(0, at) + (Number(m[1]) === ino ? 'ino' : `${m[1]} != ${ino}`) + text.slice(at + m[1]!.length);
}

/** A fresh vroot like the oracle's: a tmpfs root, procfs on /proc, its descriptors taken, another root process. */
function boot(options: VfsOptions): { p: Process; other: Process } {
  const vfs = new VirtualFileSystem(options);
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess({ umask: 0o022 });
  for (let i = 0; i < 3; i++) p.openat(AT_FDCWD, '/', O_PATH);
  // The oracle's result pipe and its end of the other process's pipe count in /proc/self/fd's size.
  p.dup2(0, 900);
  p.dup2(0, 902);
  // The oracle runs as python3.
  p.comm = 'python3';
  p.mkdirat(AT_FDCWD, '/proc', 0o555);
  p.mount(new ProcFs(), '/proc');
  const other = vfs.createProcess();
  return { p, other };
}

/** Runs a procfs case on vroot; results in proc_oracle.py's format. */
export function runProcCaseOnVroot(ops: AnyOp[], options: VfsOptions = {}): OpResult[] {
  const { p, other } = boot(options);
  const norm = new Normalizer();
  const results: OpResult[] = [];
  for (const raw of ops) {
    const op = raw.map((a) => (typeof a === 'string' ? a.replaceAll('{pid}', String(p.tgid)).replaceAll('{other}', String(other.pid)) : a)) as AnyOp;
    try {
      results.push(['ok', runProcOp(p, op, norm)]);
    } catch (e) {
      if (!(e instanceof VfsError)) throw e;
      results.push(['err', e.code === 'EAGAIN' && e.message.includes(WOULD_BLOCK) ? 'BLOCKS' : e.code]);
    }
  }
  return results;
}

function runProcOp(p: Process, op: AnyOp, norm: Normalizer): unknown {
  const bs = byteStringToBytes;
  switch (op[0]) {
    case 'fstat': {
      const v = runOp(p, op, norm) as { mode: number; times: unknown };
      // Whether a time moves is decided by the kernel's coarse clock for procfs objects (made
      // and changed within one tick) and followed symlinks: those are hidden.
      if ((v.mode & S_IFMT) === S_IFLNK || p.fstatfs(op[1] as number).type === PROC_SUPER_MAGIC) v.times = null;
      return v;
    }
    case 'getcwd':
      return normalizePid(p.getcwdRaw(), p.tgid, p.pid);
    case 'preadlink':
      return normalizePid(p.readlinkRaw(op[1], bs(op[2])), p.tgid, p.pid).replace(/^pipe:\[\d+\]$/, 'pipe:[#]');
    case 'fdlink': {
      const text = p.readlinkRaw(AT_FDCWD, `/proc/self/fd/${op[1]}`);
      return normalizePid(fdlinkValue(text, p.fstat(op[1]).ino), p.tgid, p.pid);
    }
    case 'pipe2':
      return p.pipe2(op[1]);
    case 'fdinfo': {
      const fd = op[1];
      const text = readAll(p, `/proc/self/fdinfo/${fd}`);
      const fields = new Map(text.split('\n').slice(0, 4).map((l) => l.split(':\t') as [string, string]));
      const st = p.fstat(fd);
      return {
        pos: (st.mode & S_IFMT) === S_IFDIR ? null : Number(fields.get('pos')),
        flags: fields.get('flags'),
        mnt: normalizePid(mountPointOf(Number(fields.get('mnt_id')), readAll(p, '/proc/self/mountinfo')), p.tgid, p.pid),
        ino: Number(fields.get('ino')) === st.ino,
      };
    }
    case 'readfile': {
      const text = readAll(p, op[1]);
      if (op[2] === 'mountinfo') return parseMountinfo(text);
      if (op[2] === 'status') return text.split('\n').filter((l) => l !== '' && STATUS_FIELDS.has(l.split(':')[0]!));
      return normalizePid(text, p.tgid, p.pid);
    }
    case 'lsdir': {
      const [, path, names] = op;
      const fd = p.openat(AT_FDCWD, bs(path), O_RDONLY | O_DIRECTORY);
      const entries: [string, number][] = [];
      try {
        for (;;) {
          const batch = p.getdents64(fd, 65536);
          if (batch.length === 0) break;
          for (const e of batch) entries.push([e.rawName, e.type]);
        }
      } finally {
        p.close(fd);
      }
      const fdDir = /\/fd(info)?\/?$/.test(path);
      const out: [string, number][] = [];
      for (const [n, t] of entries) {
        if (n === '.' || n === '..') continue;
        if (fdDir) {
          if (!HIDDEN_FDS.has(Number(n))) out.push([n, t]);
        } else if (n === String(p.tgid)) {
          out.push(['PID', t]);
        } else if (names === null || names.includes(n)) {
          out.push([n, t]);
        }
      }
      return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    }
    case 'pstat': {
      const st = p.fstatat(AT_FDCWD, bs(op[1]), op[2] ? 0 : 0x100);
      const v: Record<string, number> = { mode: st.mode, uid: st.uid, gid: st.gid };
      if ((st.mode & S_IFMT) !== S_IFDIR) {
        v.nlink = st.nlink;
        v.size = st.size;
      }
      return v;
    }
    case 'mount_proc':
      p.mount(new ProcFs(), bs(op[1]), mountOptions(op[2]));
      return null;
    case 'mount_tmpfs_flags':
      p.mount(new Tmpfs(), bs(op[1]), mountOptions(op[2]));
      return null;
    case 'mount_bind':
      p.mount({ bind: bs(op[1]), recursive: op[3] }, bs(op[2]));
      return null;
    case 'remount_bind':
      p.remount(bs(op[1]), mountOptions(op[2]));
      return null;
    case 'reopen': {
      const [, how, target, flags, resolve] = op;
      let fd: number;
      if (how === 'open') {
        fd = p.openat(AT_FDCWD, `/proc/self/fd/${target}`, flags, 0o600);
      } else if (how === 'openat2') {
        fd = p.openat2(AT_FDCWD, `/proc/self/fd/${target}`, { flags, resolve });
      } else {
        const dir = p.openat(AT_FDCWD, '/proc/self/fd', O_PATH | O_DIRECTORY);
        try {
          fd = p.openat2(dir, String(target), { flags, resolve });
        } finally {
          p.close(dir);
        }
      }
      try {
        // Identity, type and size; the times move with reads by the kernel's coarse clock.
        const stat = { ...(runProcOp(p, ['fstat', fd], norm) as object), times: null };
        const info = readAll(p, `/proc/self/fdinfo/${fd}`).split('\n')[1];
        let data: string;
        try {
          p.fcntl(fd, F_SETFL, p.fcntl(fd, F_GETFL) | O_NONBLOCK);
          const buf = new Uint8Array(16);
          data = bytesToByteString(buf.subarray(0, p.read(fd, buf)));
        } catch (e) {
          if (!(e instanceof VfsError)) throw e;
          data = e.code;
        }
        return { stat, info, data };
      } finally {
        p.close(fd);
      }
    }
    case 'writefile': {
      const fd = p.openat(AT_FDCWD, bs(op[1]), op[2]);
      try {
        return p.write(fd, bs(op[3]));
      } finally {
        p.close(fd);
      }
    }
    default:
      return runOp(p, op, norm);
  }
}
