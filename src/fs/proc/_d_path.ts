// This module is browser compatible.
/**
 * Paths as procfs shows them (Linux fs/d_path.c: prepend_path, d_path, __d_path,
 * dentry_path; lib/string_helpers.c: the octal escapes of seq_escape). These differ from
 * getcwd's (`VirtualFileSystem.pathOf`): an object outside the reader's root is shown by its
 * path from the namespace root without a marker, a deleted one ends in " (deleted)", and
 * objects of filesystems that are never mounted (pipes) have a made-up name (d_dname).
 */
import type { ByteString } from '../../vfs/bytes.js';
import type { Dentry } from '../../vfs/dentry.js';
import type { Mount, VirtualDentry } from '../../vfs/mount.js';

// How prependPath ended (the return values of Linux's __prepend_path).
/** `root` was met: the path is relative to it. */
const REACH_ROOT = 0;
/** The namespace's root was met instead: the path is from there. */
const REACH_GLOBAL_ROOT = 1;
/** A detached (lazily unmounted) mount's root was met. */
const REACH_DETACHED = 2;
/** A filesystem root that is not its mount's root: the dentry escaped a bind mount. */
const REACH_ESCAPED = 3;

/**
 * Linux prepend_path: the path of `target` climbing dentries and mounts until `root`.
 * Returns the path (at least "/") and how the climb ended.
 */
function prependPath(target: VirtualDentry, root: VirtualDentry): { path: ByteString; reach: number } {
  let m: Mount = target.mount;
  let d: Dentry = target.dentry;
  let path = '';
  let reach = REACH_ROOT;
  while (d !== root.dentry || m !== root.mount) {
    if (d === m.root) {
      if (m.parent !== null && m.mountpoint !== null && !m.detached) {
        d = m.mountpoint;
        m = m.parent;
        continue;
      }
      reach = m.detached ? REACH_DETACHED : REACH_GLOBAL_ROOT;
      break;
    }
    if (d.parent === d) {
      reach = REACH_ESCAPED;
      path = '';
      break;
    }
    path = '/' + d.name + path;
    d = d.parent;
  }
  return { path: path === '' ? '/' : path, reach };
}

/**
 * Linux d_path: what readlink of /proc/<pid>/{fd/N,cwd,root,exe} shows to a reader whose root
 * is `root`. Objects of unmounted filesystems use their `dname`; a removed name ends in
 * " (deleted)".
 */
export function dPath(target: VirtualDentry, root: VirtualDentry): ByteString {
  const d = target.dentry;
  const fs = d.inode.fs;
  if (fs.dname !== undefined && !(d.isRoot() && d === target.mount.root)) return fs.dname(d.inode);
  // d_unlinked: unhashed and not a filesystem root.
  const suffix = d.deleted && !d.isRoot() ? ' (deleted)' : '';
  return prependPath(target, root).path + suffix;
}

/**
 * Linux __d_path as seq_path_root uses it for /proc/<pid>/mounts: the path of `target` from
 * `root`, or null when `root` is not on the way (the mount is hidden from that reader).
 */
export function pathBelowRoot(target: VirtualDentry, root: VirtualDentry): ByteString | null {
  const r = prependPath(target, root);
  return r.reach === REACH_ROOT ? r.path : null;
}

/**
 * Linux dentry_path: the path of `dentry` from the root of its filesystem (mountinfo's root
 * field), with "//deleted" appended for a removed name.
 */
export function dentryPath(dentry: Dentry): ByteString {
  let path = '';
  for (let d = dentry; d.parent !== d; d = d.parent) path = '/' + d.name + path;
  if (path === '') path = '/';
  return dentry.deleted && !dentry.isRoot() ? path + '//deleted' : path;
}

/** seq_escape: each byte of `s` found in `chars` becomes a backslash and three octal digits. */
export function escapeOctal(s: ByteString, chars: string): ByteString {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    out += chars.includes(c) ? '\\' + c.charCodeAt(0).toString(8).padStart(3, '0') : c;
  }
  return out;
}
