// Node-specific: fs.cpSync of the facade, built on its other sync calls.
/**
 * node:fs's recursive copy: files (copyFile, then the source's mode), directories (made, filled,
 * then given the source's mode), symlinks (re-created, relative targets made absolute unless
 * `verbatimSymlinks`), with node:fs's checks and SystemErrors (ERR_FS_CP_EINVAL for a copy
 * into itself, ERR_FS_CP_DIR_TO_NON_DIR, ERR_FS_EISDIR without `recursive`...). Paths are
 * compared textually after resolving against the process's working directory, as Node resolves
 * against its own.
 */
import { posix } from 'node:path';
import { errno } from '../abi/errno.js';
import { pathToString, toBoolean, toFunction, toInt32, toObject, toPath } from './_args.js';
import { codedError, systemError } from './errors.js';
import type { NodeFs } from './node_fs.js';
import type { BigIntStats } from './stats.js';
import { withCallerStack } from './_stack.js';

/** Options of fs.cp / fs.cpSync. */
export interface CpOptions {
  dereference?: boolean;
  errorOnExist?: boolean;
  filter?: (src: string, dest: string) => boolean;
  force?: boolean;
  preserveTimestamps?: boolean;
  recursive?: boolean;
  verbatimSymlinks?: boolean;
  mode?: number;
}

type Resolved = Required<Omit<CpOptions, 'filter'>> & { filter: CpOptions['filter'] };

function cpError(key: string, prefix: string, message: string, path: string, code: string, errnoValue: number): Error {
  return systemError(key, prefix, { code, message, path, syscall: 'cp', errno: errnoValue });
}

function validate(options: unknown): Resolved {
  const o = { dereference: false, errorOnExist: false, filter: undefined, force: true, preserveTimestamps: false,
    recursive: false, verbatimSymlinks: false, mode: 0, ...toObject<CpOptions>(options) } as Resolved;
  for (const k of ['dereference', 'errorOnExist', 'force', 'preserveTimestamps', 'recursive', 'verbatimSymlinks'] as const) {
    toBoolean(o[k], `options.${k}`);
  }
  o.mode = o.mode === undefined || o.mode === null ? 0 : toInt32(o.mode, 'mode', 0, 7);
  if (o.dereference && o.verbatimSymlinks) {
    throw codedError('ERR_INCOMPATIBLE_OPTION_PAIR', 'Option "dereference" cannot be used in combination with option "verbatimSymlinks"', 'TypeError');
  }
  if (o.filter !== undefined) toFunction(o.filter, 'options.filter');
  return o;
}

/**
 * The copy is written once, as generators that yield where node:fs's asynchronous variant
 * awaits the caller's filter: the sync driver resumes at once (a promise from the filter is
 * an error there, as in cpSync), the async driver awaits it.
 */
type Steps<T> = Generator<unknown, T, unknown>;

/** Copies `src` to `dest` as fs.cpSync does. */
export function cpSync(fs: NodeFs, src: unknown, dest: unknown, options?: unknown): void {
  const o = validate(options);
  const steps = new Copier(fs, o, false).run(pathToString(toPath(src, 'src')), pathToString(toPath(dest, 'dest')));
  for (let r = steps.next(); !r.done; r = steps.next(r.value)) {
    if (r.value instanceof Promise) {
      throw codedError('ERR_INVALID_RETURN_VALUE',
        'Expected boolean to be returned from the "filter" function but got an instance of Promise.', 'TypeError');
    }
  }
}

/** Copies `src` to `dest` as fs.cp and fs.promises.cp do. */
export async function cpAsync(fs: NodeFs, src: unknown, dest: unknown, options?: unknown): Promise<void> {
  const o = validate(options);
  const steps = new Copier(fs, o, true).run(pathToString(toPath(src, 'src')), pathToString(toPath(dest, 'dest')));
  for (let r = steps.next(); !r.done; r = steps.next(await r.value)) { /* each step is the filter's answer */ }
}

function identical(a: BigIntStats, b: BigIntStats | undefined): boolean {
  return b !== undefined && b.ino !== 0n && b.dev !== 0n && a.ino === b.ino && a.dev === b.dev;
}

class Copier {
  private readonly fs: NodeFs;
  private readonly o: Resolved;
  /** node:fs's asynchronous variant (cp/promises.cp), whose checks differ in small ways from cpSync's. */
  private readonly async: boolean;

  constructor(fs: NodeFs, o: Resolved, async: boolean) {
    this.fs = fs;
    this.o = o;
    this.async = async;
  }

  /** path.resolve against the process's working directory. */
  private resolve(...paths: string[]): string {
    return posix.resolve(this.fs.process.getcwd(), ...paths);
  }

  /** True when `dest` is `src` or lies below it, comparing resolved path components. */
  private isSubdir(src: string, dest: string): boolean {
    const a = this.resolve(src).split('/').filter(Boolean);
    const b = this.resolve(dest).split('/').filter(Boolean);
    return a.every((part, i) => b[i] === part);
  }

  private stat(p: string, throwIfNoEntry = true): BigIntStats | undefined {
    const options = { bigint: true, throwIfNoEntry };
    return (this.o.dereference ? this.fs.statSync(p, options) : this.fs.lstatSync(p, options)) as BigIntStats | undefined;
  }

  *run(src: string, dest: string): Steps<void> {
    const checked = yield* this.checkPaths(src, dest);
    if (checked === null) return;
    this.checkParentPaths(src, checked.srcStat, dest);
    const parent = posix.dirname(dest);
    if (!this.parentExists(parent)) this.fs.mkdirSync(parent, { recursive: true });
    yield* this.copy(checked.destStat, src, dest);
  }

  /** cpSync asks existsSync (any error means "no"); cp stats it, and only ENOENT means "no". */
  private parentExists(parent: string): boolean {
    if (!this.async) return this.fs.existsSync(parent);
    return this.fs.statSync(parent, { throwIfNoEntry: false }) !== undefined;
  }

  /** Node's checkPathsSync: the filter, then same-file and type-mismatch checks. Null when filtered out. */
  private *checkPaths(src: string, dest: string): Steps<{ srcStat: BigIntStats; destStat: BigIntStats | undefined } | null> {
    if (this.o.filter !== undefined) {
      const filter = this.o.filter;
      const keep = yield withCallerStack(() => filter(src, dest));
      if (!keep) return null;
    }
    const srcStat = this.stat(src)!;
    const destStat = this.stat(dest, false);
    if (destStat !== undefined) {
      if (identical(srcStat, destStat)) {
        throw cpError('ERR_FS_CP_EINVAL', 'Invalid src or dest', 'src and dest cannot be the same', dest, 'EINVAL', errno.EINVAL);
      }
      if (srcStat.isDirectory() && !destStat.isDirectory()) {
        throw cpError('ERR_FS_CP_DIR_TO_NON_DIR', 'Cannot overwrite non-directory with directory',
          `cannot overwrite non-directory ${dest} with directory ${src}`, dest, 'EISDIR', errno.EISDIR);
      }
      if (!srcStat.isDirectory() && destStat.isDirectory()) {
        throw cpError('ERR_FS_CP_NON_DIR_TO_DIR', 'Cannot overwrite directory with non-directory',
          `cannot overwrite directory ${dest} with non-directory ${src}`, dest, 'ENOTDIR', errno.ENOTDIR);
      }
    }
    if (srcStat.isDirectory() && this.isSubdir(src, dest)) {
      throw cpError('ERR_FS_CP_EINVAL', 'Invalid src or dest', `cannot copy ${src} to a subdirectory of self ${dest}`,
        dest, 'EINVAL', errno.EINVAL);
    }
    return { srcStat, destStat };
  }

  /** Node's checkParentPathsSync: no ancestor of dest may be src itself. */
  private checkParentPaths(src: string, srcStat: BigIntStats, dest: string): void {
    const srcParent = this.resolve(posix.dirname(src));
    const destParent = this.resolve(posix.dirname(dest));
    if (destParent === srcParent || destParent === '/') return;
    const st = this.fs.statSync(destParent, { bigint: true, throwIfNoEntry: false }) as BigIntStats | undefined;
    if (st === undefined) return;
    if (identical(srcStat, st)) {
      throw cpError('ERR_FS_CP_EINVAL', 'Invalid src or dest', `cannot copy ${src} to a subdirectory of self ${dest}`,
        dest, 'EINVAL', errno.EINVAL);
    }
    this.checkParentPaths(src, srcStat, destParent);
  }

  private *copy(destStat: BigIntStats | undefined, src: string, dest: string): Steps<void> {
    const srcStat = this.stat(src)!;
    if (srcStat.isDirectory()) {
      if (!this.o.recursive) {
        // cpSync reports errno EINVAL here, cp EISDIR.
        throw systemError('ERR_FS_EISDIR', 'Path is a directory', {
          code: 'EISDIR', message: `${src} is a directory (not copied)`, path: src, syscall: 'cp',
          errno: this.async ? errno.EISDIR : errno.EINVAL,
        });
      }
      if (destStat === undefined) {
        this.fs.mkdirSync(dest);
        yield* this.copyDir(src, dest);
        this.fs.chmodSync(dest, Number(srcStat.mode));
      } else {
        yield* this.copyDir(src, dest);
      }
      return;
    }
    if (srcStat.isFile() || srcStat.isCharacterDevice() || srcStat.isBlockDevice()) {
      if (destStat !== undefined) {
        if (this.o.force) {
          this.fs.unlinkSync(dest);
        } else {
          if (this.o.errorOnExist) {
            throw cpError('ERR_FS_CP_EEXIST', 'Target already exists', `${dest} already exists`, dest, 'EEXIST', errno.EEXIST);
          }
          return;
        }
      }
      this.copyFile(srcStat, src, dest);
      return;
    }
    if (srcStat.isSymbolicLink()) {
      this.copyLink(destStat, src, dest);
      return;
    }
    const [key, prefix, what] = srcStat.isSocket() ? ['ERR_FS_CP_SOCKET', 'Cannot copy a socket file', 'cannot copy a socket file']
      : srcStat.isFIFO() ? ['ERR_FS_CP_FIFO_PIPE', 'Cannot copy a FIFO pipe', 'cannot copy a FIFO pipe']
        : ['ERR_FS_CP_UNKNOWN', 'Cannot copy an unknown file type', 'cannot copy an unknown file type'];
    throw cpError(key, prefix, `${what}: ${dest}`, dest, 'EINVAL', errno.EINVAL);
  }

  private copyFile(srcStat: BigIntStats, src: string, dest: string): void {
    this.fs.copyFileSync(src, dest, this.o.mode);
    const mode = Number(srcStat.mode);
    if (this.o.preserveTimestamps) {
      if ((mode & 0o200) === 0) this.fs.chmodSync(dest, mode | 0o200);
      const now = this.fs.statSync(src)!;
      this.fs.utimesSync(dest, now.atime, now.mtime);
    }
    this.fs.chmodSync(dest, mode);
  }

  private *copyDir(src: string, dest: string): Steps<void> {
    const dir = this.fs.opendirSync(src);
    try {
      for (let d = dir.readSync(); d !== null; d = dir.readSync()) {
        const name = String(d.name);
        const srcItem = posix.join(src, name);
        const destItem = posix.join(dest, name);
        const checked = yield* this.checkPaths(srcItem, destItem);
        if (checked !== null) yield* this.copy(checked.destStat, srcItem, destItem);
      }
    } finally {
      dir.closeSync();
    }
  }

  private copyLink(destStat: BigIntStats | undefined, src: string, dest: string): void {
    let target = String(this.fs.readlinkSync(src));
    if (!this.o.verbatimSymlinks && !posix.isAbsolute(target)) target = this.resolve(posix.dirname(src), target);
    if (destStat === undefined) {
      this.fs.symlinkSync(target, dest);
      return;
    }
    let destTarget: string;
    try {
      destTarget = String(this.fs.readlinkSync(dest));
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'EINVAL' || code === 'UNKNOWN') {
        this.fs.symlinkSync(target, dest);
        return;
      }
      throw e;
    }
    if (!posix.isAbsolute(destTarget)) destTarget = this.resolve(posix.dirname(dest), destTarget);
    if (this.isSubdir(target, destTarget)) {
      throw cpError('ERR_FS_CP_EINVAL', 'Invalid src or dest', `cannot copy ${target} to a subdirectory of self ${destTarget}`,
        dest, 'EINVAL', errno.EINVAL);
    }
    // cpSync looks at what dest leads to, cp at what src leads to.
    if (this.fs.statSync(this.async ? src : dest)!.isDirectory() && this.isSubdir(destTarget, target)) {
      throw cpError('ERR_FS_CP_SYMLINK_TO_SUBDIRECTORY', 'Cannot overwrite symlink in subdirectory of self',
        `cannot overwrite ${destTarget} with ${target}`, dest, 'EINVAL', errno.EINVAL);
    }
    this.fs.unlinkSync(dest);
    this.fs.symlinkSync(target, dest);
  }
}

