// Node-specific: runs generated fs call sequences on any node:fs-shaped object and records
// normalized outcomes, so the vroot facade and Node's own fs can be compared call by call.
import { pathToFileURL } from 'node:url';

/** Which of node:fs's three APIs makes a call. */
export type Api = 'sync' | 'cb' | 'promise';

/** A path as the generator describes it: relative to the scratch root `P` or absolute under it. */
export interface PathSpec {
  /** 'a/b', '/a/b' (under P), '' ... */
  p: string;
  /** How it is passed: a relative string, an absolute string, a Buffer or a file: URL. */
  kind: 'rel' | 'abs' | 'buf' | 'url';
}

/** One generated call. */
export type Op =
  | { op: 'mkdir'; api: Api; path: PathSpec; recursive: boolean; mode?: number | string }
  | { op: 'writeFile'; api: Api; path: PathSpec; data: string; flag?: string; mode?: number; encoding?: string }
  | { op: 'appendFile'; api: Api; path: PathSpec; data: string; flag?: string }
  | { op: 'readFile'; api: Api; path: PathSpec; encoding?: string; flag?: string }
  | { op: 'readdir'; api: Api; path: PathSpec; withFileTypes: boolean; recursive: boolean; encoding?: string }
  | { op: 'stat' | 'lstat'; api: Api; path: PathSpec; bigint: boolean; throwIfNoEntry?: boolean }
  | { op: 'rename' | 'link' | 'copyFile'; api: Api; from: PathSpec; to: PathSpec; mode?: number }
  | { op: 'cp'; api: Api; from: PathSpec; to: PathSpec; recursive: boolean; force: boolean; errorOnExist: boolean }
  | { op: 'rm'; api: Api; path: PathSpec; recursive: boolean; force: boolean }
  | { op: 'rmdir' | 'unlink' | 'readlink' | 'realpath' | 'exists' | 'opendir' | 'statfs'; api: Api; path: PathSpec }
  | { op: 'symlink'; api: Api; target: string; absTarget: boolean; path: PathSpec }
  | { op: 'chmod'; api: Api; path: PathSpec; mode: number | string }
  | { op: 'chown' | 'lchown'; api: Api; path: PathSpec; uid: number; gid: number }
  | { op: 'utimes' | 'lutimes'; api: Api; path: PathSpec; atime: number; mtime: number }
  | { op: 'truncate'; api: Api; path: PathSpec; len: number }
  | { op: 'access'; api: Api; path: PathSpec; mode: number }
  | { op: 'mkdtemp'; api: Api; path: PathSpec }
  | { op: 'open'; api: 'sync' | 'cb'; h: number; path: PathSpec; flags: string | number; mode?: number }
  | { op: 'close' | 'fstat' | 'fsync'; api: 'sync' | 'cb'; h: number }
  | { op: 'read'; api: 'sync' | 'cb'; h: number; length: number; position: number | null }
  | { op: 'write'; api: 'sync' | 'cb'; h: number; data: string; position: number | null; asString: boolean }
  | { op: 'readv' | 'writev'; api: 'sync' | 'cb'; h: number; sizes: number[]; data: string; position: number | null }
  | { op: 'ftruncate'; api: 'sync' | 'cb'; h: number; len: number }
  | { op: 'futimes'; api: 'sync' | 'cb'; h: number; atime: number; mtime: number }
  | { op: 'fchmod'; api: 'sync' | 'cb'; h: number; mode: number }
  | { op: 'handle'; path: PathSpec; flags: string; data: string; position: number | null }
  | { op: 'writeStream'; path: PathSpec; chunks: string[]; flags: string; start?: number }
  | { op: 'readStream'; path: PathSpec; start?: number; end?: number; encoding?: string };

/** A call's normalized outcome: its result, or the error's observable shape. */
export type Outcome = { ok: unknown } | { err: Record<string, unknown> };

/** A generated test case: root-made setup calls, then the calls under test. */
export interface Sequence {
  seed: number;
  setup: Op[];
  ops: Op[];
  /**
   * Compare how times move ("later than last seen"). Linux stamps files with a coarse clock
   * (a tick is milliseconds) unless the old time was looked at, and some calls copy one
   * inode's new ctime to another, so relations only hold with a tick between calls: a timed
   * sequence sleeps between calls on the kernel side.
   */
  timed: boolean;
}

/** The pause between calls of a timed sequence, longer than a kernel clock tick. */
export const TICK_MS = 12;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fs = any;

/** Per-sequence normalization state: object identities and time observations. */
class Normalizer {
  readonly P: string;
  private readonly inos = new Map<string, number>();
  private readonly devs = new Map<string, number>();
  private readonly seen = new Map<number, { m: number; c: number; a: number }>();
  private readonly startMs: number;
  private readonly relations: boolean;

  constructor(P: string, startMs: number, relations: boolean) {
    this.P = P;
    this.startMs = startMs;
    this.relations = relations;
  }

  /** Replaces the scratch prefix and mkdtemp's random suffixes. */
  text(s: string): string {
    // (also in hex, for names listed with encoding 'hex')
    return s.split(this.P).join('<P>').replace(/mt-[A-Za-z0-9]{6}/g, 'mt-######').replace(/6d742d[0-9a-f]{12}/g, '6d742d######');
  }

  private ordinal(map: Map<string, number>, key: string): number {
    let n = map.get(key);
    if (n === undefined) {
      n = map.size;
      map.set(key, n);
    }
    return n;
  }

  /** A time: its exact value when set in the past by utimes, else its relation to the last look at the same object. */
  private time(ms: number, last: number | undefined): string {
    if (ms < this.startMs - 10_000) return `t=${ms}`;
    if (last === undefined || !this.relations) return 'recent';
    return ms === last ? 'same' : ms > last ? 'later' : 'earlier';
  }

  stat(s: Record<string, unknown>): Record<string, unknown> {
    const num = (v: unknown): number => Number(v);
    const ino = this.ordinal(this.inos, String(s.ino));
    const mode = num(s.mode);
    // Bigint stats have whole-millisecond *Ms fields: rebuild Node's float milliseconds
    // (sec * 1e3 + nsec / 1e6) from the nanoseconds, so both kinds compare alike.
    const ms = (name: string): number => {
      const ns = s[`${name}Ns`];
      if (typeof ns !== 'bigint') return num(s[`${name}Ms`]);
      return Number(ns / 1000000000n) * 1000 + Number(ns % 1000000000n) / 1e6;
    };
    const [a, m, c] = [ms('atime'), ms('mtime'), ms('ctime')];
    const isLink = (mode & 0o170000) === 0o120000;
    const last = this.seen.get(ino);
    const out = {
      type: (mode & 0o170000).toString(8), perm: (mode & 0o7777).toString(8), nlink: num(s.nlink), uid: num(s.uid),
      gid: num(s.gid), size: num(s.size), blocks: num(s.blocks), blksize: num(s.blksize), rdev: num(s.rdev), ino,
      dev: this.ordinal(this.devs, String(s.dev)), bigint: typeof s.mode === 'bigint',
      // Not compared: whether mtime equals ctime (Linux stamps two changes made within one
      // clock tick alike unless the first was looked at in between: multigrain timestamps),
      // and how atime moved (Linux stamps atime with the coarse clock, so relatime may see an
      // atime older than a fine-grained mtime and update it again on the next read).
      // A symlink's atime is not compared either: Linux touches it whenever a walk follows the
      // link (pick_link), vroot's walk does not.
      mtime: this.time(m, last?.m), ctime: this.time(c, last?.c), atime: isLink ? 'link' : a < this.startMs - 10_000 ? `t=${a}` : 'recent',
      birth: this.time(ms('birthtime'), undefined),
      ns: typeof s.mtimeNs === 'bigint' && m < this.startMs - 10_000 ? String(s.mtimeNs) : undefined,
      isFile: (s.isFile as () => boolean).call(s), isDir: (s.isDirectory as () => boolean).call(s),
      isLink: (s.isSymbolicLink as () => boolean).call(s),
    };
    this.seen.set(ino, { m, c, a });
    return out;
  }

  value(v: unknown): unknown {
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') return this.text(v);
    if (typeof v === 'number' || typeof v === 'boolean') return v;
    if (typeof v === 'bigint') return `${v}n`;
    if (Buffer.isBuffer(v)) return { hex: v.toString('hex') };
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.isFile === 'function' && 'mode' in o) return this.stat(o);
      if (typeof o.isFile === 'function' && 'name' in o) {
        const kind = (o.isFile as () => boolean).call(o) ? 'f' : (o.isDirectory as () => boolean).call(o) ? 'd'
          : (o.isSymbolicLink as () => boolean).call(o) ? 'l' : '?';
        return { name: this.value(o.name), kind, parent: this.value(o.parentPath) };
      }
      if ('bsize' in o && 'ffree' in o) return { type: Number(o.type), bsize: Number(o.bsize) };
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o).sort()) out[k] = this.value(o[k]);
      return out;
    }
    return String(v);
  }

  error(e: unknown): Record<string, unknown> {
    if (!(e instanceof Error)) return { thrown: String(e) };
    const x = e as Error & Record<string, unknown>;
    return {
      name: x.name, code: x.code, errno: x.errno, syscall: x.syscall,
      path: typeof x.path === 'string' ? this.text(x.path) : x.path === undefined ? null : String(x.path),
      dest: typeof x.dest === 'string' ? this.text(x.dest) : null,
      message: this.text(x.message),
    };
  }
}

/** Materializes a path spec under the scratch root `P`. */
export function toArg(P: string, s: PathSpec): string | Buffer | URL {
  const abs = s.p.startsWith('/') ? P + s.p : `${P}/${s.p}`;
  switch (s.kind) {
    case 'rel': return s.p.startsWith('/') ? s.p.slice(1) || '.' : s.p;
    case 'abs': return s.p === '' ? '' : abs;
    case 'buf': return Buffer.from(s.p === '' ? '' : abs);
    case 'url': return pathToFileURL(abs);
  }
}

/** Calls `name` through one of node:fs's APIs and resolves with its result. */
async function call(fs: Fs, api: Api, name: string, args: unknown[]): Promise<unknown> {
  if (api === 'sync') return fs[`${name}Sync`](...args);
  if (api === 'promise') return fs.promises[name](...args);
  return new Promise((resolve, reject) => {
    fs[name](...args, (err: unknown, ...r: unknown[]) => (err ? reject(err) : resolve(r.length <= 1 ? r[0] : r)));
  });
}

/**
 * Runs calls on `fs` with the scratch root `P` as working directory, waiting `gapMs` between
 * them (timed sequences) and `settleMs` after an asynchronous rm that failed (kernel side).
 */
export async function runSequence(fs: Fs, P: string, ops: Op[], n: Normalizer, gapMs = 0, settleMs = 0): Promise<Outcome[]> {
  const fds = new Map<number, number>();
  const out: Outcome[] = [];
  const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));
  for (const op of ops) {
    if (gapMs > 0) await sleep(gapMs);
    try {
      out.push({ ok: n.value(await runOp(fs, P, op, fds, n)) });
    } catch (e) {
      out.push({ err: n.error(e) });
      // node:fs's asynchronous rm reports the first failing child while it goes on removing
      // the others: let them finish before the next call looks.
      if (settleMs > 0 && op.op === 'rm' && op.api !== 'sync') await sleep(settleMs);
    }
  }
  for (const fd of fds.values()) {
    try { fs.closeSync(fd); } catch { /* already closed by a failed call */ }
  }
  return out;
}

/** A normalizer for `P`, to share between a sequence's setup, its calls and the tree dump after it. */
export function normalizer(P: string, startMs: number, relations: boolean): Normalizer {
  return new Normalizer(P, startMs, relations);
}

async function runOp(fs: Fs, P: string, op: Op, fds: Map<number, number>, n: Normalizer): Promise<unknown> {
  const a = (s: PathSpec): string | Buffer | URL => toArg(P, s);
  const fd = (h: number): number => fds.get(h) ?? 9999;
  switch (op.op) {
    case 'mkdir': return call(fs, op.api, 'mkdir', [a(op.path), { recursive: op.recursive, mode: op.mode }]);
    case 'writeFile':
      return call(fs, op.api, 'writeFile', [a(op.path), op.encoding === 'buffer' ? Buffer.from(op.data) : op.data,
        { flag: op.flag, mode: op.mode, encoding: op.encoding === 'buffer' ? undefined : op.encoding }]);
    case 'appendFile': return call(fs, op.api, 'appendFile', [a(op.path), op.data, op.flag === undefined ? undefined : { flag: op.flag }]);
    case 'readFile': return call(fs, op.api, 'readFile', [a(op.path), { encoding: op.encoding, flag: op.flag }]);
    case 'readdir':
      return call(fs, op.api, 'readdir', [a(op.path), { withFileTypes: op.withFileTypes, recursive: op.recursive, encoding: op.encoding }]);
    case 'stat':
    case 'lstat': {
      const options = op.throwIfNoEntry === undefined ? { bigint: op.bigint } : { bigint: op.bigint, throwIfNoEntry: op.throwIfNoEntry };
      // throwIfNoEntry is a sync-only option.
      return call(fs, op.throwIfNoEntry === undefined ? op.api : 'sync', op.op, [a(op.path), options]);
    }
    case 'rename':
    case 'link': return call(fs, op.api, op.op, [a(op.from), a(op.to)]);
    case 'copyFile': return call(fs, op.api, 'copyFile', [a(op.from), a(op.to), op.mode ?? 0]);
    case 'cp': {
      // cp takes strings or URLs.
      const s = (p: PathSpec): string | URL => { const v = a(p); return Buffer.isBuffer(v) ? v.toString() : v; };
      return call(fs, op.api, 'cp', [s(op.from), s(op.to), { recursive: op.recursive, force: op.force, errorOnExist: op.errorOnExist }]);
    }
    case 'rm': return call(fs, op.api, 'rm', [a(op.path), { recursive: op.recursive, force: op.force }]);
    case 'rmdir':
    case 'unlink':
    case 'readlink':
    case 'statfs':
      return call(fs, op.api, op.op, [a(op.path)]);
    case 'realpath': {
      // The kernel's answer is realpath(3): node:fs's realpath.native (promises.realpath is native too).
      if (op.api === 'sync') return fs.realpathSync.native(a(op.path));
      if (op.api === 'promise') return fs.promises.realpath(a(op.path));
      return new Promise((res, rej) => fs.realpath.native(a(op.path), (e: unknown, r: unknown) => (e ? rej(e) : res(r))));
    }
    case 'exists':
      if (op.api === 'cb') return new Promise((res) => fs.exists(a(op.path), res));
      return fs.existsSync(a(op.path));
    case 'opendir': {
      const dir = op.api === 'promise' ? await fs.promises.opendir(a(op.path)) : fs.opendirSync(a(op.path));
      const names: unknown[] = [];
      if (op.api === 'promise') {
        for await (const d of dir) names.push(d);
      } else {
        for (let d = dir.readSync(); d !== null; d = dir.readSync()) names.push(d);
        dir.closeSync();
      }
      // Kernel order differs between Linux versions; compare the set.
      return (n.value(names) as { name: string }[]).sort((x, y) => (x.name < y.name ? -1 : 1));
    }
    case 'symlink': return call(fs, op.api, 'symlink', [op.absTarget ? P + op.target : op.target, a(op.path)]);
    case 'chmod': return call(fs, op.api, 'chmod', [a(op.path), op.mode]);
    case 'chown':
    case 'lchown': return call(fs, op.api, op.op, [a(op.path), op.uid, op.gid]);
    case 'utimes':
    case 'lutimes': return call(fs, op.api, op.op, [a(op.path), op.atime, op.mtime]);
    case 'truncate': return call(fs, op.api, 'truncate', [a(op.path), op.len]);
    case 'access': return call(fs, op.api, 'access', [a(op.path), op.mode]);
    case 'mkdtemp': {
      const prefix = `${P}/${op.path.p.replace(/^\//, '')}mt-`;
      return call(fs, op.api, 'mkdtemp', [prefix]);
    }
    case 'open': {
      const old = fds.get(op.h);
      if (old !== undefined) {
        fds.delete(op.h);
        fs.closeSync(old);
      }
      const d = await call(fs, op.api, 'open', [a(op.path), op.flags, op.mode]);
      fds.set(op.h, d as number);
      return 'fd';
    }
    case 'close': {
      const d = fd(op.h);
      fds.delete(op.h);
      return call(fs, op.api, 'close', [d]);
    }
    case 'fstat': return call(fs, op.api, 'fstat', [fd(op.h)]);
    case 'fsync': return call(fs, op.api, 'fsync', [fd(op.h)]);
    case 'read': {
      const buf = Buffer.alloc(op.length);
      const r = await call(fs, op.api, 'read', [fd(op.h), buf, 0, op.length, op.position]);
      const count = Array.isArray(r) ? (r[0] as number) : (r as number);
      return { count, data: buf.subarray(0, count).toString('hex') };
    }
    case 'write': {
      const r = op.asString
        ? await call(fs, op.api, 'write', [fd(op.h), op.data, op.position])
        : await call(fs, op.api, 'write', [fd(op.h), Buffer.from(op.data), 0, Buffer.byteLength(op.data), op.position]);
      return Array.isArray(r) ? r[0] : r;
    }
    case 'readv': {
      const bufs = op.sizes.map((s) => Buffer.alloc(s));
      const r = await call(fs, op.api, 'readv', [fd(op.h), bufs, op.position]);
      return { count: Array.isArray(r) ? r[0] : r, data: bufs.map((b) => b.toString('hex')) };
    }
    case 'writev': {
      const data = Buffer.from(op.data);
      const bufs: Buffer[] = [];
      let at = 0;
      for (const s of op.sizes) {
        bufs.push(data.subarray(at, at + s));
        at += s;
      }
      const r = await call(fs, op.api, 'writev', [fd(op.h), bufs, op.position]);
      return Array.isArray(r) ? r[0] : r;
    }
    case 'ftruncate': return call(fs, op.api, 'ftruncate', [fd(op.h), op.len]);
    case 'futimes': return call(fs, op.api, 'futimes', [fd(op.h), op.atime, op.mtime]);
    case 'fchmod': return call(fs, op.api, 'fchmod', [fd(op.h), op.mode]);
    case 'handle': {
      // A FileHandle round trip: each step's outcome is recorded.
      const steps: unknown[] = [];
      const fh = await fs.promises.open(a(op.path), op.flags);
      try {
        for (const step of [
          () => fh.write(Buffer.from(op.data), 0, Buffer.byteLength(op.data), op.position),
          () => fh.read(Buffer.alloc(16), 0, 16, 0),
          () => fh.stat(),
          () => fh.readFile('utf8'),
          () => fh.truncate(2),
          () => fh.writeFile('wf'),
        ]) {
          try {
            const r = await step();
            steps.push(r && typeof r === 'object' && 'bytesRead' in r ? { n: r.bytesRead, d: r.buffer.subarray(0, r.bytesRead).toString('hex') }
              : r && typeof r === 'object' && 'bytesWritten' in r ? r.bytesWritten : n.value(r));
          } catch (e) {
            steps.push(n.error(e));
          }
        }
      } finally {
        await fh.close();
      }
      return steps;
    }
    case 'writeStream': {
      const options: Record<string, unknown> = { flags: op.flags };
      if (op.start !== undefined) options.start = op.start;
      const ws = fs.createWriteStream(a(op.path), options);
      const errors: unknown[] = [];
      ws.on('error', (e: unknown) => errors.push(n.error(e)));
      for (const c of op.chunks) ws.write(c);
      ws.end();
      await new Promise((res) => ws.on('close', res));
      return { written: ws.bytesWritten, errors };
    }
    case 'readStream': {
      const options: Record<string, unknown> = { highWaterMark: 3 };
      if (op.start !== undefined) options.start = op.start;
      if (op.end !== undefined) options.end = op.end;
      if (op.encoding !== undefined) options.encoding = op.encoding;
      const rs = fs.createReadStream(a(op.path), options);
      const chunks: unknown[] = [];
      const errors: unknown[] = [];
      rs.on('data', (c: unknown) => chunks.push(typeof c === 'string' ? c : (c as Buffer).toString('hex')));
      rs.on('error', (e: unknown) => errors.push(n.error(e)));
      await new Promise((res) => rs.on('close', res));
      return { chunks, errors, bytesRead: rs.bytesRead };
    }
  }
}

/**
 * A listing of everything under `P` after a sequence: for each path (sorted), its lstat, its
 * link target or its contents.
 */
export function dumpTree(fs: Fs, P: string, n: Normalizer): unknown[] {
  const out: unknown[] = [];
  const visit = (rel: string): void => {
    const full = rel === '' ? P : `${P}/${rel}`;
    let entry: Record<string, unknown>;
    try {
      const st = fs.lstatSync(full);
      entry = { path: n.text(rel), stat: n.value(st) };
      if (st.isSymbolicLink()) entry.target = n.text(fs.readlinkSync(full));
      if (st.isFile()) {
        try { entry.data = fs.readFileSync(full).toString('hex'); } catch (e) { entry.data = n.error(e); }
      }
      if (st.isDirectory()) {
        let names: string[];
        try { names = fs.readdirSync(full); } catch (e) { entry.list = n.error(e); names = []; }
        out.push(entry);
        for (const name of names) visit(rel === '' ? name : `${rel}/${name}`);
        return;
      }
    } catch (e) {
      entry = { path: n.text(rel), err: n.error(e) };
    }
    out.push(entry);
  };
  visit('');
  return out;
}
