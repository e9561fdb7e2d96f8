// Node-specific (Buffer): a seeded generator of fs call sequences for the differential test against Node's fs.
import { Prng } from '../emu/_prng.js';
import type { Api, Op, PathSpec, Sequence } from './_fs_ops.js';

/** The shared seeded generator, with a weighted choice. */
class Rng extends Prng {
  weighted<T extends string>(table: Readonly<Record<T, number>>): T {
    const entries = Object.entries(table) as [T, number][];
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.next() * total;
    for (const [k, w] of entries) {
      x -= w;
      if (x < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }
}

const NAMES = ['a', 'b', 'c', 'd', 'l1', 'l2', 'é', 'a b'] as const;
const MODES = [0o644, 0o600, 0o755, 0o777, 0o000, 0o400, 0o500, 0o4755, 0o2755, 0o1777, 0o711, 0o222] as const;
const FLAGS = ['w', 'wx', 'a', 'ax', 'r+', 'w+', 'a+', 'xw', 'r'] as const;
const OPEN_FLAGS = ['r', 'r+', 'w', 'wx', 'a', 'a+', 'w+', 'ax'] as const;
const TIMES = [1000000.5, 123456789.123456, 5, 86400, 1e9 + 0.000001] as const;

function data(r: Rng): string {
  const n = r.pick([0, 1, 3, 5, 8, 12]);
  let s = '';
  for (let i = 0; i < n; i++) s += r.pick(['a', 'b', 'c', 'x', 'y', 'é', '\n']);
  return s;
}

/** Paths the sequence has tried to create so far (and the directories among them): picking them again reaches past ENOENT. */
let known: string[] = [];
let knownDirs: string[] = [];

function remember(p: string, dir: boolean): void {
  if (!known.includes(p)) known.push(p);
  if (dir && !knownDirs.includes(p)) knownDirs.push(p);
}

/** The setup of an unprivileged case keeps to plain names, so it never changes the scratch root itself. */
let plain = false;

/** A path: mostly one made before (or a new name in a directory made before, for calls that create). */
function path(r: Rng, creates: false | 'file' | 'dir' = false, dots = true): PathSpec {
  const comps: string[] = [];
  const x = r.next();
  if (creates !== false && knownDirs.length > 0 && x < 0.55) {
    comps.push(...r.pick(knownDirs).split('/'), r.pick(NAMES));
  } else if (creates !== false && x < 0.8) {
    comps.push(r.pick(NAMES));
  } else if (creates === false && known.length > 0 && x < 0.75) {
    comps.push(...r.pick(known).split('/'));
  } else {
    const depth = r.pick([1, 1, 1, 1, 2, 2, 3]);
    for (let i = 0; i < depth; i++) comps.push(r.pick(NAMES));
  }
  if (creates !== false) remember(comps.join('/'), creates === 'dir');
  if (plain) return { p: comps.join('/'), kind: 'rel' };
  // '.' and '..' only after a real component, so the text never climbs above the scratch root.
  if (dots && r.chance(0.08)) comps.splice(r.int(1, comps.length), 0, r.pick(['.', '..']));
  let p = comps.join('/');
  if (r.chance(0.07)) p += '/';
  let kind = r.weighted({ rel: 40, abs: 45, buf: 8, url: 7 });
  if (r.chance(0.04)) {
    p = `./${p}`;
    kind = 'rel';
  }
  if (r.chance(0.008)) return { p: '', kind: r.pick(['rel', 'abs']) };
  if (r.chance(0.004)) p = 'n'.repeat(256);
  return { p: kind === 'rel' ? p : `/${p}`, kind };
}

function api(r: Rng): Api {
  return r.weighted({ sync: 50, cb: 25, promise: 25 });
}

/** Handles the sequence has opened (and not closed) so far: descriptor calls mostly use one. */
let opened: number[] = [];

function handle(r: Rng): number {
  return opened.length > 0 && r.chance(0.85) ? r.pick(opened) : r.int(0, 2);
}

function fdApi(r: Rng): 'sync' | 'cb' {
  return r.chance(0.65) ? 'sync' : 'cb';
}

function position(r: Rng): number | null {
  return r.chance(0.6) ? null : r.pick([0, 1, 2, 5, 100]);
}

/** Weights of the calls made as the tested process (root: ownership changes are worth trying too). */
const WEIGHTS = {
  mkdir: 10, writeFile: 10, appendFile: 4, readFile: 6, readdir: 5, stat: 6, lstat: 4, rename: 5, rm: 4, rmdir: 2,
  unlink: 3, symlink: 6, readlink: 3, realpath: 4, link: 3, chmod: 3, chown: 2, lchown: 1, utimes: 2, lutimes: 1,
  truncate: 2, copyFile: 3, cp: 1, access: 3, exists: 2, mkdtemp: 1, open: 4, read: 3, write: 3, close: 3,
  fstat: 2, fsync: 1, readv: 1, writev: 1, ftruncate: 1, futimes: 1, fchmod: 1, handle: 1, writeStream: 1,
  readStream: 1, opendir: 1, statfs: 0.3,
} as const;

/** Weights of the root-made setup of an unprivileged case: a tree of varied owners and modes. */
const SETUP_WEIGHTS = { mkdir: 6, writeFile: 6, chmod: 5, chown: 5, symlink: 3, lchown: 1, link: 1 } as const;

function op(r: Rng, kind: keyof typeof WEIGHTS): Op {
  switch (kind) {
    case 'mkdir':
      return { op: 'mkdir', api: api(r), path: path(r, 'dir'), recursive: r.chance(0.3), ...(r.chance(0.3) ? { mode: r.pick([...MODES, '700']) } : {}) };
    case 'writeFile': {
      const o: Op = { op: 'writeFile', api: api(r), path: path(r, 'file'), data: data(r) };
      if (r.chance(0.4)) o.flag = r.pick(FLAGS);
      if (r.chance(0.2)) o.mode = r.pick(MODES);
      if (r.chance(0.2)) o.encoding = r.pick(['utf8', 'latin1', 'hex', 'base64', 'buffer']);
      return o;
    }
    case 'appendFile': {
      const o: Op = { op: 'appendFile', api: api(r), path: path(r), data: data(r) };
      if (r.chance(0.2)) o.flag = r.pick(FLAGS);
      return o;
    }
    case 'readFile': {
      const o: Op = { op: 'readFile', api: api(r), path: path(r) };
      if (r.chance(0.5)) o.encoding = r.pick(['utf8', 'latin1', 'hex', 'base64']);
      if (r.chance(0.15)) o.flag = r.pick(['r', 'r+', 'a+', 'w+']);
      return o;
    }
    case 'readdir': {
      // A recursive listing of names follows symlinks (node:fs 20 stats each entry), so through
      // a symlink cycle it runs to the 40-link limit, where the kernel's answer has been seen
      // to vary between runs: recursive listings here are of Dirents, which follow nothing.
      const recursive = r.chance(0.15);
      const o: Op = { op: 'readdir', api: api(r), path: path(r), withFileTypes: recursive || r.chance(0.5), recursive };
      if (r.chance(0.1)) o.encoding = r.pick(['hex', 'latin1']);
      return o;
    }
    case 'stat':
    case 'lstat': {
      const o: Op = { op: kind, api: api(r), path: path(r), bigint: r.chance(0.4) };
      if (r.chance(0.1)) o.throwIfNoEntry = false;
      return o;
    }
    case 'rename':
    case 'link':
      return { op: kind, api: api(r), from: path(r), to: path(r, 'file') };
    case 'copyFile':
      return { op: 'copyFile', api: api(r), from: path(r), to: path(r, 'file'), mode: r.pick([0, 0, 1, 2, 4]) };
    case 'cp':
      return { op: 'cp', api: api(r), from: path(r), to: path(r, 'file'), recursive: r.chance(0.7), force: r.chance(0.7), errorOnExist: r.chance(0.3) };
    case 'rm':
      // No '..' for rm: node:fs's asynchronous rm -r works on all children at once, so removing
      // 'x/..' races its own siblings' paths.
      return { op: 'rm', api: api(r), path: path(r, false, false), recursive: r.chance(0.5), force: r.chance(0.4) };
    case 'rmdir':
    case 'unlink':
    case 'readlink':
    case 'realpath':
    case 'exists':
    case 'opendir':
    case 'statfs':
      return { op: kind, api: api(r), path: path(r) };
    case 'symlink': {
      const absTarget = !plain && r.chance(0.3);
      const target = absTarget ? `/${r.pick(NAMES)}${r.chance(0.3) ? `/${r.pick(NAMES)}` : ''}`
        : plain ? r.pick(NAMES) : r.pick([r.pick(NAMES), `${r.pick(NAMES)}/${r.pick(NAMES)}`, `../${r.pick(NAMES)}`, '.', 'l1', 'l2']);
      return { op: 'symlink', api: api(r), target, absTarget, path: path(r, 'file') };
    }
    case 'chmod':
      return { op: 'chmod', api: api(r), path: path(r), mode: r.pick([...MODES, '755']) };
    case 'chown':
    case 'lchown':
      return { op: kind, api: api(r), path: path(r), uid: r.pick([0, 1000, 1001, -1]), gid: r.pick([0, 100, 1000, 1001, -1]) };
    case 'utimes':
    case 'lutimes':
      return { op: kind, api: api(r), path: path(r), atime: r.pick(TIMES), mtime: r.pick(TIMES) };
    case 'truncate':
      return { op: 'truncate', api: api(r), path: path(r), len: r.pick([0, 1, 3, 10, 5000]) };
    case 'access':
      return { op: 'access', api: api(r), path: path(r), mode: r.int(0, 7) };
    case 'mkdtemp':
      return { op: 'mkdtemp', api: api(r), path: r.chance(0.7) ? { p: '', kind: 'abs' } : { p: `${r.pick(NAMES)}/`, kind: 'abs' } };
    case 'open': {
      const h = r.int(0, 2);
      if (!opened.includes(h)) opened.push(h);
      const o: Op = { op: 'open', api: fdApi(r), h, path: path(r, 'file'), flags: r.pick(OPEN_FLAGS) };
      if (r.chance(0.3)) o.mode = r.pick(MODES);
      return o;
    }
    case 'read':
      return { op: 'read', api: fdApi(r), h: handle(r), length: r.pick([1, 4, 16]), position: position(r) };
    case 'write':
      return { op: 'write', api: fdApi(r), h: handle(r), data: data(r) || 'w', position: position(r), asString: r.chance(0.4) };
    case 'readv':
      return { op: 'readv', api: fdApi(r), h: handle(r), sizes: [r.int(0, 3), r.int(1, 4)], data: '', position: position(r) };
    case 'writev': {
      const d = data(r) || 'vv';
      const cut = r.int(0, d.length);
      return { op: 'writev', api: fdApi(r), h: handle(r), sizes: [Buffer.byteLength(d.slice(0, cut)), Buffer.byteLength(d.slice(cut))], data: d, position: position(r) };
    }
    case 'close': {
      const h = handle(r);
      opened = opened.filter((x) => x !== h);
      return { op: 'close', api: fdApi(r), h };
    }
    case 'fstat':
    case 'fsync':
      return { op: kind, api: fdApi(r), h: handle(r) };
    case 'ftruncate':
      return { op: 'ftruncate', api: fdApi(r), h: handle(r), len: r.pick([0, 2, 7]) };
    case 'futimes':
      return { op: 'futimes', api: fdApi(r), h: handle(r), atime: r.pick(TIMES), mtime: r.pick(TIMES) };
    case 'fchmod':
      return { op: 'fchmod', api: fdApi(r), h: handle(r), mode: r.pick(MODES) };
    case 'handle':
      return { op: 'handle', path: path(r), flags: r.pick(['r', 'r+', 'w+', 'a+']), data: data(r) || 'h', position: position(r) };
    case 'writeStream': {
      const o: Op = { op: 'writeStream', path: path(r, 'file'), chunks: [data(r), data(r)], flags: r.pick(['w', 'a', 'r+', 'wx']) };
      if (r.chance(0.3)) o.start = r.pick([0, 2, 4]);
      return o;
    }
    case 'readStream': {
      const o: Op = { op: 'readStream', path: path(r) };
      if (r.chance(0.4)) o.start = r.pick([0, 1, 3]);
      if (r.chance(0.3)) o.end = r.pick([0, 2, 5]);
      if (r.chance(0.3)) o.encoding = 'utf8';
      return o;
    }
  }
}

/** A sequence for `seed`: `count` calls, after a root-made setup of `setupCount` calls. */
export function generate(seed: number, count: number, setupCount = 0, timed = false): Sequence {
  const r = new Rng(seed);
  known = [];
  knownDirs = [];
  opened = [];
  const setup: Op[] = [];
  plain = true;
  for (let i = 0; i < setupCount; i++) {
    const o = op(r, r.weighted(SETUP_WEIGHTS));
    // The setup always succeeds in making things: sync and recursive where it can.
    if (o.op === 'mkdir') o.recursive = true;
    setup.push({ ...o, api: 'sync' } as Op);
  }
  plain = false;
  const ops: Op[] = [];
  // A prelude that makes a small tree, so later calls find things to act on.
  for (const [kind, p] of [['mkdir', 'a/b'], ['mkdir', 'c'], ['writeFile', 'a/f'], ['writeFile', 'c/g'], ['writeFile', 'd'],
    ['symlink', 'l1']] as const) {
    if (ops.length >= count || !r.chance(0.7)) continue;
    remember(p, kind === 'mkdir');
    const spec: PathSpec = { p: r.chance(0.5) ? p : `/${p}`, kind: r.chance(0.5) ? 'rel' : 'abs' };
    if (spec.kind === 'rel') spec.p = p;
    if (kind === 'mkdir') ops.push({ op: 'mkdir', api: 'sync', path: spec, recursive: true });
    else if (kind === 'writeFile') ops.push({ op: 'writeFile', api: 'sync', path: spec, data: data(r) });
    else ops.push({ op: 'symlink', api: 'sync', target: r.pick(['a', 'c/g', 'a/b', 'nowhere']), absTarget: r.chance(0.3), path: spec });
  }
  while (ops.length < count) ops.push(op(r, r.weighted(WEIGHTS)));
  return { seed, setup, ops, timed };
}
