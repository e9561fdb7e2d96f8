// This module is browser compatible.
/**
 * The one path walk (Linux fs/namei.c: `struct nameidata`, path_init, link_path_walk,
 * walk_component, step_into, pick_link, handle_dots, follow_dotdot, nd_jump_root). Every path
 * any front end hands to vroot is resolved here and nowhere else: components, `.` and `..`,
 * symlinks with the 40-link budget, mount crossings, the process root, trailing slashes and the
 * openat2 RESOLVE_* restrictions. Filesystems are only asked per-name questions (`lookup`).
 *
 * The walk is iterative: a symlink met mid-path pushes the rest of the current string on a
 * stack and continues with the link body, exactly as link_path_walk does, so `..` after a
 * symlink applies to where the symlink led, never to the text before it.
 */
import { S_ISVTX, S_IWOTH } from '../abi/constants.js';
import { MAXSYMLINKS, NAME_MAX, PATH_MAX } from '../abi/limits.js';
import type { ByteString } from './bytes.js';
import type { Cred } from './cred.js';
import { Dentry } from './dentry.js';
import { makeError, vfsError } from './errors.js';
import type { Inode } from './inode.js';
import type { Mount, VirtualDentry } from './mount.js';
import { MAY_EXEC, permissionErrno } from './permissions.js';

// Lookup flags (include/linux/namei.h), for this module and its callers.
export const LOOKUP_FOLLOW = 0x0001;
export const LOOKUP_DIRECTORY = 0x0002;
export const LOOKUP_EMPTY = 0x4000;
export const LOOKUP_NO_SYMLINKS = 0x010000;
export const LOOKUP_NO_MAGICLINKS = 0x020000;
export const LOOKUP_NO_XDEV = 0x040000;
export const LOOKUP_BENEATH = 0x080000;
export const LOOKUP_IN_ROOT = 0x100000;
export const LOOKUP_CACHED = 0x200000;
export const LOOKUP_IS_SCOPED = LOOKUP_BENEATH | LOOKUP_IN_ROOT;
/** Cross mounts stacked on the final position too (umount's "/" or "." on a covered dentry). */
export const LOOKUP_MOUNTPOINT = 0x0080;

// Last component types.
export const LAST_NORM = 0;
export const LAST_ROOT = 1;
export const LAST_DOT = 2;
export const LAST_DOTDOT = 3;

// walk_component flags.
const WALK_TRAILING = 1;
const WALK_MORE = 2;
const WALK_NOFOLLOW = 4;

/** What a walk needs from the process that walks. */
export interface WalkContext {
  readonly cred: Cred;
  /** The walking task's id (Linux current->pid): the tid /proc/thread-self names. */
  readonly pid: number;
  /** Its thread group id (current->tgid): the pid /proc/self names. */
  readonly tgid: number;
  /** The process root (chroot). */
  root(): VirtualDentry;
  /** The current working directory. */
  cwd(): VirtualDentry;
  /** The open file of a descriptor for use as a dirfd (O_PATH allowed). Errors: EBADF. */
  dirfdPath(fd: number): VirtualDentry;
  /** fs.protected_symlinks: refuse following others' symlinks in sticky world-writable dirs. */
  readonly protectedSymlinks: boolean;
  /** True when reading `inode` through `mount` must update its atime (relatime). */
  atimeNeedsUpdate(mount: Mount, inode: Inode): boolean;
  /** Updates the atime of `inode` (touch_atime). */
  touchAtime(mount: Mount, inode: Inode): void;
}

/**
 * A filesystem object that acts as a "magic link" (procfs /proc/<pid>/fd/N, cwd, root, exe):
 * following it jumps straight to the object instead of reading a path. Both methods get the
 * process that walks (Linux's `current`), which decides what it may see.
 */
export interface MagicLink {
  /**
   * Where the link leads (Linux proc_get_link). Errors: ENOENT (the object is gone), EACCES
   * (the walker may not look at the task: ptrace_may_access).
   */
  magicLink(ctx: WalkContext): VirtualDentry;
  /** What readlink shows (Linux proc_pid_readlink: d_path from the reader's root). */
  magicLinkText?(ctx: WalkContext): ByteString;
}

function isMagicLink(inode: object): inode is MagicLink {
  return typeof (inode as Partial<MagicLink>).magicLink === 'function';
}

/**
 * Finds the child dentry `name` of `parent` (Linux lookup_fast, then lookup_slow): the cache
 * first (by `key`, the name's d_hash: see `Dentry.keyOf`), revalidated for volatile
 * filesystems, then the filesystem. Returns null when absent. Errors: EINVAL (from the key of a
 * name a casefolded directory refuses), EAGAIN when `cachedOnly` and the entry is not cached
 * (RESOLVE_CACHED), ENAMETOOLONG (a component over NAME_MAX bytes, not in the cache), and what
 * the filesystem's lookup throws (EIO...).
 */
export function lookupChild(parent: Dentry, name: ByteString, cachedOnly = false, key: ByteString = parent.keyOf(name)): Dentry | null {
  const dir = parent.inode;
  const cached = parent.children?.get(key);
  if (cached !== undefined) {
    cached.referenced = true;
    const fs = dir.fs;
    if (!fs.volatile) return cached;
    const now = fs.revalidate(dir, cached.name, cached.inode);
    if (now === cached.inode) return cached;
    if (cached.mounted === 0) {
      // The host changed it: the old dentry is stale, keep it only for its holders.
      cached.markDeleted();
    } else if (now !== null) {
      return cached;
    }
    if (now !== null) {
      const fresh = new Dentry(cached.name, parent, now, key);
      parent.addChild(fresh);
      return fresh;
    }
    // The stored name is gone. In a directory that folds names another spelling may hold the
    // entry now (renamed on the host to another case): look it up afresh, as Linux does after a
    // failed d_revalidate. Elsewhere the name is simply gone.
    if (dir.foldName === undefined || cached.mounted !== 0) return null;
  }
  // RESOLVE_CACHED: a name not in the cache needs the filesystem, which a cached-only lookup may
  // not ask (Linux: try_to_unlazy fails, EAGAIN). vroot keeps no negative dentries, as tmpfs
  // keeps none (simple_dentry_operations: always_delete_dentry).
  if (cachedOnly) throw vfsError('EAGAIN');
  // The length limit is the filesystem's lookup's check (simple_lookup), after the cache.
  if (name.length > NAME_MAX) throw vfsError('ENAMETOOLONG');
  const inode = dir.lookup(name);
  if (inode === null) return null;
  const stored = dir.foldName !== undefined && dir.storedName !== undefined ? dir.storedName(name) ?? name : name;
  const d = new Dentry(stored, parent, inode, key);
  parent.addChild(d);
  return d;
}

/**
 * The state of one path walk (Linux `struct nameidata`). Create one per lookup.
 */
export class PathWalk {
  mount!: Mount;
  dentry!: Dentry;
  rootMount!: Mount;
  rootDentry!: Dentry;
  flags: number;
  /** The last component (valid after `linkPathWalk`). */
  last: ByteString = '';
  /** The dentry-cache key of `last` in its directory, when `lastType` is LAST_NORM. */
  lastKey: ByteString = '';
  lastType = LAST_ROOT;
  /** The last component was followed by a slash. */
  lastTrailing = false;
  /**
   * Mode and owner of the directory holding the last component, recorded when the walk of a
   * path ends (nd->dir_mode, nd->dir_vfsuid); 0 for a path of slashes only. Used by the
   * protected_symlinks/fifos/regular checks.
   */
  dirMode = 0;
  dirUid = 0;
  private linkCount = 0;
  /**
   * Whether the walk's root is known yet (nd->root.mnt != NULL). Linux sets it lazily: at the
   * start of absolute and scoped lookups, and before the first `..`. RESOLVE_NO_XDEV refuses a
   * root jump while it is unset, so an absolute symlink met in a relative lookup is EXDEV.
   */
  private rootSet = false;
  /** Resume points of paths whose walk a symlink body interrupted (nd->stack). */
  private stack: { path: ParsedPath; next: number }[] = [];
  private readonly ctx: WalkContext;

  constructor(ctx: WalkContext, flags: number) {
    this.ctx = ctx;
    this.flags = flags;
  }

  /** The position reached. */
  get path(): VirtualDentry {
    return { mount: this.mount, dentry: this.dentry };
  }

  /**
   * Sets the start of the walk (Linux path_init) and returns the string to walk. Errors: ENOENT
   * (empty path without LOOKUP_EMPTY), ENAMETOOLONG, EXDEV (absolute with RESOLVE_BENEATH),
   * EBADF, ENOTDIR (dirfd not a directory).
   */
  init(dirfd: number, path: ByteString): ByteString {
    if (path.length === 0 && !(this.flags & LOOKUP_EMPTY)) throw vfsError('ENOENT');
    if (path.length >= PATH_MAX) throw vfsError('ENAMETOOLONG');
    const flags = this.flags;
    if (!(flags & LOOKUP_IS_SCOPED)) {
      const root = this.ctx.root();
      this.rootMount = root.mount;
      this.rootDentry = root.dentry;
    }
    if (path.charCodeAt(0) === 47 && !(flags & LOOKUP_IN_ROOT)) {
      if (flags & LOOKUP_BENEATH) throw vfsError('EXDEV');
      this.rootSet = true;
      this.mount = this.rootMount;
      this.dentry = this.rootDentry;
      return path;
    }
    const start = dirfd === AT_FDCWD_VALUE ? this.ctx.cwd() : this.ctx.dirfdPath(dirfd);
    if (path.length !== 0 && !start.dentry.inode.isDir()) throw vfsError('ENOTDIR');
    this.mount = start.mount;
    this.dentry = start.dentry;
    if (flags & LOOKUP_IS_SCOPED) {
      this.rootMount = start.mount;
      this.rootDentry = start.dentry;
      this.rootSet = true;
    }
    return path;
  }

  /**
   * Walks every component but the last (Linux link_path_walk), leaving the last one in
   * `last`/`lastType`/`lastTrailing`. Errors: EACCES, ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG,
   * EXDEV, EAGAIN.
   */
  linkPathWalk(input: ByteString | ParsedPath): void {
    let path = typeof input === 'string' ? splitPath(input) : input;
    let parts = path.parts;
    if (parts.length === 0) {
      this.dirMode = 0;
      return;
    }
    let i = 0;
    for (;;) {
      this.mayLookup();
      const name = parts[i]!;
      let type = LAST_NORM;
      if (name.charCodeAt(0) === 46) {
        if (name.length === 1) type = LAST_DOT;
        else if (name.length === 2 && name.charCodeAt(1) === 46) type = LAST_DOTDOT;
      }
      this.last = name;
      this.lastType = type;
      // Linux link_path_walk hashes each component here (d_hash): a casefolded directory with
      // strict encoding refuses a name before anything else looks at it.
      if (type === LAST_NORM) this.lastKey = this.dentry.keyOf(name);
      i++;
      const isLast = i === parts.length;
      this.lastTrailing = isLast ? path.trailing : true;
      let link: ParsedPath | null;
      if (isLast) {
        if (this.stack.length === 0) {
          this.dirMode = this.dentry.inode.mode;
          this.dirUid = this.dentry.inode.uid;
          return;
        }
        // The last component of a symlink body met mid-path: walk it and resume the outer path.
        const top = this.stack.pop()!;
        path = top.path;
        parts = path.parts;
        i = top.next;
        link = this.walkComponent(0);
      } else {
        link = this.walkComponent(WALK_MORE);
      }
      if (link !== null) {
        this.stack.push({ path, next: i });
        path = link;
        parts = path.parts;
        i = 0;
        continue;
      }
      if (!this.dentry.inode.isDir()) throw vfsError(this.flags & LOOKUP_CACHED ? 'EAGAIN' : 'ENOTDIR');
    }
  }

  /**
   * Resolves the final component for a plain lookup (Linux lookup_last): a trailing slash
   * demands a directory and follows a final symlink. Returns a symlink body to continue with
   * (call `linkPathWalk` on it and then `lookupLast` again), or null when done.
   */
  lookupLast(): ParsedPath | null {
    if (this.lastType === LAST_NORM && this.lastTrailing) this.flags |= LOOKUP_FOLLOW | LOOKUP_DIRECTORY;
    return this.walkComponent(WALK_TRAILING);
  }

  /**
   * The whole lookup (Linux path_lookupat): returns the object the path names.
   * Errors: everything `linkPathWalk` throws, ENOENT, ENOTDIR (trailing slash on a non-directory).
   */
  lookup(dirfd: number, path: ByteString): VirtualDentry {
    let s: ByteString | ParsedPath | null = this.init(dirfd, path);
    while (s !== null) {
      this.linkPathWalk(s);
      s = this.lookupLast();
    }
    if (this.flags & LOOKUP_MOUNTPOINT) {
      // handle_lookup_down: the final position may itself be covered by mounts.
      for (;;) {
        const top = this.mount.children.get(this.dentry);
        if (top === undefined) break;
        this.mount = top;
        this.dentry = top.root;
      }
    }
    if (this.flags & LOOKUP_DIRECTORY && !this.dentry.inode.isDir()) throw vfsError('ENOTDIR');
    return this.path;
  }

  /**
   * Walks to the parent of the last component (Linux path_parentat), leaving `last`,
   * `lastType` and `lastTrailing` for the caller.
   */
  parent(dirfd: number, path: ByteString): void {
    this.linkPathWalk(this.init(dirfd, path));
  }

  /** Continues after a final symlink body returned by `openLast` or `lookupLast`. */
  continueWith(body: ParsedPath): void {
    this.linkPathWalk(body);
  }

  /** Linux may_lookup: search permission on the directory being walked. */
  mayLookup(): void {
    const e = permissionErrno(this.ctx.cred, this.dentry.inode, MAY_EXEC);
    // Linux 6.x drops out of RCU mode to confirm a refusal; RESOLVE_CACHED cannot, so EAGAIN.
    if (e !== 0) throw this.flags & LOOKUP_CACHED ? vfsError('EAGAIN') : makeError(e);
  }

  /** Linux walk_component: `.`/`..` or a lookup, then step into the result. */
  walkComponent(flags: number): ParsedPath | null {
    if (this.lastType !== LAST_NORM) {
      if (this.lastType === LAST_DOTDOT) this.dotdot();
      return null;
    }
    const child = lookupChild(this.dentry, this.last, (this.flags & LOOKUP_CACHED) !== 0, this.lastKey);
    if (child === null) throw vfsError('ENOENT');
    return this.stepInto(flags, child);
  }

  /**
   * Linux step_into: crosses mounts stacked on `child`, then either moves there or, for a
   * symlink that must be followed, returns its body (after a root jump for absolute bodies).
   */
  stepInto(flags: number, child: Dentry, mount: Mount = this.mount): ParsedPath | null {
    let m = mount;
    let d = child;
    if (d.mounted > 0) {
      let jumped = false;
      for (;;) {
        const top = m.children.get(d);
        if (top === undefined) break;
        m = top;
        d = top.root;
        jumped = true;
      }
      // Under RESOLVE_CACHED the RCU walk gives up on the crossing before it can say EXDEV.
      if (jumped && this.flags & LOOKUP_NO_XDEV) throw vfsError(this.flags & LOOKUP_CACHED ? 'EAGAIN' : 'EXDEV');
    }
    const inode = d.inode;
    if (!inode.isSymlink() || (flags & WALK_TRAILING && !(this.flags & LOOKUP_FOLLOW)) || flags & WALK_NOFOLLOW) {
      this.mount = m;
      this.dentry = d;
      return null;
    }
    return this.pickLink(m, d, flags);
  }

  /** Linux may_follow_link (fs.protected_symlinks); the walk is still in the link's directory. */
  private mayFollowLink(link: Inode): void {
    const fsuid = this.ctx.cred.fsuid;
    if (link.uid === fsuid) return;
    if ((this.dirMode & (S_ISVTX | S_IWOTH)) !== (S_ISVTX | S_IWOTH)) return;
    if (this.dirUid === link.uid) return;
    throw vfsError('EACCES');
  }

  /** Linux pick_link: the symlink budget, RESOLVE_NO_SYMLINKS, magic links and root jumps. */
  private pickLink(m: Mount, d: Dentry, flags: number): ParsedPath | null {
    if (this.linkCount++ >= MAXSYMLINKS) throw vfsError('ELOOP');
    const inode = d.inode;
    if (flags & WALK_TRAILING && this.ctx.protectedSymlinks) this.mayFollowLink(inode);
    if (this.flags & LOOKUP_NO_SYMLINKS) throw vfsError('ELOOP');
    // Following a symlink reads it: its atime follows the relatime rule (touch_atime). Linux's
    // RCU walk hands a due update to the ref-walk, which RESOLVE_CACHED may not do: EAGAIN.
    if (this.ctx.atimeNeedsUpdate(m, inode)) {
      if (this.flags & LOOKUP_CACHED) throw vfsError('EAGAIN');
      this.ctx.touchAtime(m, inode);
    }
    if (isMagicLink(inode)) {
      // proc_pid_get_link finds the target first (ENOENT, EACCES), then nd_jump_link refuses it
      // under RESOLVE_NO_MAGICLINKS (ELOOP) and scoped lookups (EXDEV).
      const target = inode.magicLink(this.ctx);
      if (this.flags & LOOKUP_NO_MAGICLINKS) throw vfsError('ELOOP');
      if (this.flags & LOOKUP_NO_XDEV && this.mount !== target.mount) throw vfsError('EXDEV');
      if (this.flags & LOOKUP_IS_SCOPED) throw vfsError('EXDEV');
      this.mount = target.mount;
      this.dentry = target.dentry;
      return null;
    }
    const body = inode.readlink(this.ctx);
    if (body.length === 0) throw vfsError('ENOENT');
    if (body.charCodeAt(0) === 47) this.jumpRoot();
    // A body of slashes only is a pure jump to the root.
    const parsed = parsedBody(body);
    return parsed.parts.length === 0 ? null : parsed;
  }

  /** Linux nd_jump_root: an absolute symlink restarts at the walk's root. */
  private jumpRoot(): void {
    if (this.flags & LOOKUP_BENEATH) throw vfsError('EXDEV');
    if (this.flags & LOOKUP_NO_XDEV && (!this.rootSet || this.mount !== this.rootMount)) throw vfsError('EXDEV');
    this.rootSet = true;
    this.mount = this.rootMount;
    this.dentry = this.rootDentry;
  }

  /**
   * Linux follow_dotdot + step_into(WALK_NOFOLLOW): `..` stays put at the walk's root, climbs
   * from a mount's root to its mount point, then moves to the parent.
   */
  private dotdot(): void {
    this.rootSet = true;
    // In RCU mode Linux hands these refusals to the ref-walk to confirm (ECHILD), which
    // RESOLVE_CACHED may not do: EAGAIN.
    const refused = this.flags & LOOKUP_CACHED ? 'EAGAIN' : 'EXDEV';
    // At the root `..` stays put, and then, as any step does (step_into), goes down into what
    // is mounted on it: after a mount over the root directory, `..` there reaches the new mount.
    if (this.dentry === this.rootDentry && this.mount === this.rootMount) {
      if (this.flags & LOOKUP_BENEATH) throw vfsError(refused);
      this.stepInto(WALK_NOFOLLOW, this.dentry);
      return;
    }
    if (this.dentry === this.mount.root) {
      // choose_mountpoint: climb through mounts stacked at mount roots.
      let m: Mount = this.mount;
      let found: VirtualDentry | null = null;
      while (m.parent !== null && m.mountpoint !== null) {
        const mp: Dentry = m.mountpoint;
        m = m.parent;
        if (mp === this.rootDentry && m === this.rootMount) break;
        if (mp !== m.root) {
          found = { mount: m, dentry: mp };
          break;
        }
      }
      if (found === null) {
        if (this.flags & LOOKUP_BENEATH) throw vfsError(refused);
        this.stepInto(WALK_NOFOLLOW, this.dentry);
        return;
      }
      this.mount = found.mount;
      this.dentry = found.dentry;
      if (this.flags & LOOKUP_NO_XDEV) throw vfsError(refused);
    }
    this.stepInto(WALK_NOFOLLOW, this.dentry.parent);
  }
}

const AT_FDCWD_VALUE = -100;

/** A path split into its components (empty ones dropped), and whether it ended in a slash. */
export interface ParsedPath {
  readonly parts: readonly ByteString[];
  readonly trailing: boolean;
}

/** Splits a path at slashes; leading, repeated and trailing slashes leave no empty component. */
export function splitPath(s: ByteString): ParsedPath {
  const parts: ByteString[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    while (i < n && s.charCodeAt(i) === 47) i++;
    if (i === n) break;
    let j = s.indexOf('/', i);
    if (j < 0) j = n;
    parts.push(i === 0 && j === n ? s : s.slice(i, j));
    i = j;
  }
  return { parts, trailing: n > 0 && s.charCodeAt(n - 1) === 47 && parts.length > 0 };
}

/**
 * Symlink bodies split once: a filesystem returns the same body string each time a link is
 * followed, and its components, kept as the same strings, are hashed once for the dentry cache
 * instead of on every walk through the link. Bounded; cleared when full.
 */
const bodyCache = new Map<ByteString, ParsedPath>();
const BODY_CACHE_MAX = 4096;

function parsedBody(body: ByteString): ParsedPath {
  let p = bodyCache.get(body);
  if (p === undefined) {
    p = splitPath(body);
    if (bodyCache.size >= BODY_CACHE_MAX) bodyCache.clear();
    bodyCache.set(body, p);
  }
  return p;
}

/** walk_component flags, for the open path in the core. */
export const WALK = { TRAILING: WALK_TRAILING, MORE: WALK_MORE, NOFOLLOW: WALK_NOFOLLOW } as const;
