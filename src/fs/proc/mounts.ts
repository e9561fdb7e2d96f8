// This module is browser compatible.
/**
 * /proc/<pid>/mounts and /proc/<pid>/mountinfo (Linux fs/proc_namespace.c: show_vfsmnt,
 * show_mountinfo). Mounts are listed in the order they were made (Linux 6.8+ keeps a
 * namespace's mounts ordered by their unique id); a mount whose mount point is not below the
 * task's root is left out, as seq_path_root skips it; mount points are shown from that root.
 * vroot has no mount propagation, so no "shared:"/"master:" tags appear, as for private mounts.
 */
import { MS_RDONLY, major, minor } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import type { Mount, VirtualDentry } from '../../vfs/mount.js';
import type { VirtualFileSystem } from '../../vfs/virtual_filesystem.js';
import { dentryPath, escapeOctal, pathBelowRoot } from './_d_path.js';

/** Linux mangle(): escapes for device names and types. */
const MANGLE = ' \t\n\\#';
/** Escapes for paths (seq_path_root, seq_dentry). */
const PATH_ESCAPES = ' \t\n\\';

/** Linux show_mnt_opts: the per-mount flags after rw/ro (mounts are relatime unless noatime). */
function mountFlagsText(m: Mount): string {
  let s = '';
  if (m.nosuid) s += ',nosuid';
  if (m.nodev) s += ',nodev';
  if (m.noexec) s += ',noexec';
  s += m.noatime ? ',noatime' : ',relatime';
  return s;
}

/** The filesystem's own options (show_options), with their leading comma. */
function fsOptionsText(m: Mount): string {
  const o = m.fs.mountOptions;
  return o === '' ? '' : ',' + o;
}

/** The mounts `root` can see, each with its mount point's path from `root`. */
function visibleMounts(vfs: VirtualFileSystem, root: VirtualDentry): [Mount, ByteString][] {
  const out: [Mount, ByteString][] = [];
  for (const m of [...vfs.mounts()].sort((a, b) => a.id - b.id)) {
    const at = pathBelowRoot({ mount: m, dentry: m.root }, root);
    if (at !== null) out.push([m, at]);
  }
  return out;
}

/** Linux show_vfsmnt: `source mountpoint type options 0 0` per mount. */
export function showMounts(vfs: VirtualFileSystem, root: VirtualDentry): ByteString {
  let text = '';
  for (const [m, at] of visibleMounts(vfs, root)) {
    const ro = m.readOnly ? 'ro' : 'rw';
    text += `${escapeOctal(m.fs.source, MANGLE)} ${escapeOctal(at, PATH_ESCAPES)} ${escapeOctal(m.fs.type, MANGLE)} ` +
      `${ro}${mountFlagsText(m)}${fsOptionsText(m)} 0 0\n`;
  }
  return text;
}

/**
 * Linux show_mountinfo: `id parent major:minor root mountpoint mount-options - type source
 * super-options` per mount. The root field is the mount's top directory within its filesystem
 * (a bind mount of /a shows /a); a mount without a parent names itself as its parent.
 */
export function showMountinfo(vfs: VirtualFileSystem, root: VirtualDentry): ByteString {
  let text = '';
  for (const [m, at] of visibleMounts(vfs, root)) {
    const parent = m.parent === null ? m.id : m.parent.id;
    const dev = m.fs.dev;
    const mountRo = m.flags & MS_RDONLY ? 'ro' : 'rw';
    const superRo = m.fs.isReadOnly() ? 'ro' : 'rw';
    text += `${m.id} ${parent} ${major(dev)}:${minor(dev)} ${escapeOctal(dentryPath(m.root), PATH_ESCAPES)} ` +
      `${escapeOctal(at, PATH_ESCAPES)} ${mountRo}${mountFlagsText(m)} - ${escapeOctal(m.fs.type, MANGLE)} ` +
      `${escapeOctal(m.fs.source, MANGLE)} ${superRo}${fsOptionsText(m)}\n`;
  }
  return text;
}
