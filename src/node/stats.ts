// Node-specific: fs.Stats, fs.BigIntStats and fs.StatFs of the facade.
/**
 * File status objects that behave like Node's: the same fields (`dev`, `mode`, ... `atimeMs`,
 * and `atimeNs` for bigint stats), `isFile()` and friends, and `atime`/`mtime`/`ctime`/
 * `birthtime` Dates. The Dates are made on first use, as Node 22 does, so a stat that only looks
 * at `size` or `mtimeMs` never builds four Date objects.
 */
import { S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from '../abi/constants.js';
import type { Stat, StatFs as CoreStatFs, Timespec } from '../vfs/stat.js';

/** Node's Date for a millisecond time: rounded, since Date() truncates toward zero. */
function dateFromMs(ms: number | bigint): Date {
  return new Date(Math.round(Number(ms)));
}

/** What Stats and BigIntStats share: the fields Node lists first, the lazy Dates, the type tests. */
abstract class StatsBase<T extends number | bigint> {
  dev: T;
  mode: T;
  nlink: T;
  uid: T;
  gid: T;
  rdev: T;
  blksize: T;
  ino: T;
  size: T;
  blocks: T;
  abstract atimeMs: T;
  abstract mtimeMs: T;
  abstract ctimeMs: T;
  abstract birthtimeMs: T;
  /** The Dates, made on first use: atime, mtime, ctime, birthtime (one slot, so a Stats is cheap to make). */
  #dates: (Date | undefined)[] | undefined;

  constructor(dev: T, mode: T, nlink: T, uid: T, gid: T, rdev: T, blksize: T, ino: T, size: T, blocks: T) {
    this.dev = dev;
    this.mode = mode;
    this.nlink = nlink;
    this.uid = uid;
    this.gid = gid;
    this.rdev = rdev;
    this.blksize = blksize;
    this.ino = ino;
    this.size = size;
    this.blocks = blocks;
  }

  private date(i: number, ms: T): Date {
    const dates = this.#dates ??= [undefined, undefined, undefined, undefined];
    return dates[i] ??= dateFromMs(ms);
  }

  private setDate(i: number, value: Date): void {
    (this.#dates ??= [undefined, undefined, undefined, undefined])[i] = value;
  }

  get atime(): Date { return this.date(0, this.atimeMs); }
  set atime(value: Date) { this.setDate(0, value); }
  get mtime(): Date { return this.date(1, this.mtimeMs); }
  set mtime(value: Date) { this.setDate(1, value); }
  get ctime(): Date { return this.date(2, this.ctimeMs); }
  set ctime(value: Date) { this.setDate(2, value); }
  get birthtime(): Date { return this.date(3, this.birthtimeMs); }
  set birthtime(value: Date) { this.setDate(3, value); }

  private type(): number { return Number(this.mode) & S_IFMT; }
  isFile(): boolean { return this.type() === S_IFREG; }
  isDirectory(): boolean { return this.type() === S_IFDIR; }
  isSymbolicLink(): boolean { return this.type() === S_IFLNK; }
  isBlockDevice(): boolean { return this.type() === S_IFBLK; }
  isCharacterDevice(): boolean { return this.type() === S_IFCHR; }
  isFIFO(): boolean { return this.type() === S_IFIFO; }
  isSocket(): boolean { return this.type() === S_IFSOCK; }
}

/** File status with numbers (what `stat` returns without `bigint: true`). */
export class Stats extends StatsBase<number> {
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number;

  /** Node's positional constructor (times in milliseconds). */
  constructor(dev: number, mode: number, nlink: number, uid: number, gid: number, rdev: number, blksize: number,
    ino: number, size: number, blocks: number, atimeMs: number, mtimeMs: number, ctimeMs: number, birthtimeMs: number) {
    super(dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks);
    this.atimeMs = atimeMs;
    this.mtimeMs = mtimeMs;
    this.ctimeMs = ctimeMs;
    this.birthtimeMs = birthtimeMs;
  }
}

function ms(t: Timespec): number {
  return t.sec * 1000 + t.nsec / 1e6;
}

/** Node's Stats for a core Stat. */
export function statsFrom(st: Stat): Stats {
  const b = st.btime;
  return new Stats(st.dev, st.mode, st.nlink, st.uid, st.gid, st.rdev, st.blksize, st.ino, st.size, st.blocks,
    ms(st.atime), ms(st.mtime), ms(st.ctime), b === undefined ? 0 : ms(b));
}

const NS_PER_SEC = 1000000000n;
const NS_PER_MS = 1000000n;

function ns(t: Timespec | undefined): bigint {
  return t === undefined ? 0n : BigInt(t.sec) * NS_PER_SEC + BigInt(t.nsec);
}

/** File status with bigints and nanosecond times (what `stat(path, { bigint: true })` returns). */
export class BigIntStats extends StatsBase<bigint> {
  atimeMs: bigint;
  mtimeMs: bigint;
  ctimeMs: bigint;
  birthtimeMs: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  birthtimeNs: bigint;

  /** Node's positional constructor (times in nanoseconds). */
  constructor(dev: bigint, mode: bigint, nlink: bigint, uid: bigint, gid: bigint, rdev: bigint, blksize: bigint,
    ino: bigint, size: bigint, blocks: bigint, atimeNs: bigint, mtimeNs: bigint, ctimeNs: bigint, birthtimeNs: bigint) {
    super(dev, mode, nlink, uid, gid, rdev, blksize, ino, size, blocks);
    this.atimeMs = atimeNs / NS_PER_MS;
    this.mtimeMs = mtimeNs / NS_PER_MS;
    this.ctimeMs = ctimeNs / NS_PER_MS;
    this.birthtimeMs = birthtimeNs / NS_PER_MS;
    this.atimeNs = atimeNs;
    this.mtimeNs = mtimeNs;
    this.ctimeNs = ctimeNs;
    this.birthtimeNs = birthtimeNs;
  }
}

/** Node's BigIntStats for a core Stat. */
export function bigIntStatsFrom(st: Stat): BigIntStats {
  return new BigIntStats(BigInt(st.dev), BigInt(st.mode), BigInt(st.nlink), BigInt(st.uid), BigInt(st.gid),
    BigInt(st.rdev), BigInt(st.blksize), BigInt(st.ino), BigInt(st.size), BigInt(st.blocks),
    ns(st.atime), ns(st.mtime), ns(st.ctime), ns(st.btime));
}

/** Filesystem statistics as `fs.statfs` returns them. */
export class StatFs<T extends number | bigint = number> {
  type: T;
  bsize: T;
  blocks: T;
  bfree: T;
  bavail: T;
  files: T;
  ffree: T;

  constructor(type: T, bsize: T, blocks: T, bfree: T, bavail: T, files: T, ffree: T) {
    this.type = type;
    this.bsize = bsize;
    this.blocks = blocks;
    this.bfree = bfree;
    this.bavail = bavail;
    this.files = files;
    this.ffree = ffree;
  }
}

/** Node's StatFs for a core statfs result. */
export function statFsFrom(st: CoreStatFs, bigint: boolean): StatFs<number> | StatFs<bigint> {
  if (bigint) {
    return new StatFs<bigint>(BigInt(st.type), BigInt(st.bsize), BigInt(st.blocks), BigInt(st.bfree), BigInt(st.bavail),
      BigInt(st.files), BigInt(st.ffree));
  }
  return new StatFs<number>(st.type, st.bsize, st.blocks, st.bfree, st.bavail, st.files, st.ffree);
}
