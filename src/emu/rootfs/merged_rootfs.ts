// This module is browser compatible.
/**
 * The merged RootFS preset: an emulator's guest RootFS over the host's root, as FEX-Emu and
 * pressure-vessel present it, built from vroot's own pieces so that the guest only ever sees
 * guest paths.
 *
 * The guest's `/` is an Overlay: a writable upper (tmpfs, or a host directory that keeps the
 * changes) over the RootFS over the host root (read-only layers, never written). Every path walk
 * is the core's, inside the guest root, so:
 * - an absolute symlink in the RootFS resolves in the guest root: in the RootFS first, then on
 *   the host, through the merge; a symlink to `/` stays a symlink to the guest root; a host
 *   symlink into a path that only the RootFS has resolves in the merged view; readlink returns
 *   the stored text, never a rewritten, host-prefixed path;
 * - a directory present on both sides lists the union (whiteouts hide what the guest deleted);
 * - /proc/self/fd/N, /proc/self/cwd and getcwd show guest paths, because they are computed from
 *   the guest's mounts, and the RootFS is not a mount of the guest at all but a layer;
 * - the host may change underneath while the guest runs: the overlay revalidates every cached
 *   name against every layer on each lookup.
 *
 * Bypass paths (default /proc /sys /dev /run /tmp and the user's home) are served straight from
 * the host and never looked up in the RootFS: each is a bind mount of the host directory (host
 * symlinks on the way resolved inside the host root), writable through to the host. /proc is
 * the exception: it is vroot's procfs, whose magic links show guest paths and guest pids (the
 * host's /proc would show host paths and the host's processes).
 *
 * Emulated files present generated content at fixed guest paths, read-only: an EmulatedFs
 * mounted over the object the path names; a name that does not exist is first given a
 * placeholder in a private "skeleton" layer of the overlay (the topmost lower) or, under a
 * filesystem that cannot hold one (procfs, a host directory), added to a read-only view of its
 * directory.
 *
 * The blessed API (`locate`, `hostPathOf`, `rootfsHostPath`) is for trusted code only: it is a
 * method of this object, not a path or a system call, so no guest can reach it.
 */
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, O_CREAT, O_EXCL, O_WRONLY, S_IFDIR, S_IFMT,
} from '../../abi/constants.js';
import { toByteString, type ByteString, type PathLike } from '../../vfs/bytes.js';
import { rootDentryOf, type Dentry } from '../../vfs/dentry.js';
import { VfsError, vfsError } from '../../vfs/errors.js';
import type { FileSystem, Inode } from '../../vfs/inode.js';
import type { Mount, VirtualDentry } from '../../vfs/mount.js';
import { LOOKUP_DIRECTORY, LOOKUP_FOLLOW } from '../../vfs/path_walk.js';
import type { Process } from '../../vfs/process.js';
import type { Stat } from '../../vfs/stat.js';
import { VirtualFileSystem, type ProcessOptions, type VfsOptions } from '../../vfs/virtual_filesystem.js';
import { Tmpfs } from '../../fs/tmpfs/tmpfs.js';
import { ProcFs } from '../../fs/proc/proc_fs.js';
import { Overlay } from '../../fs/overlay/overlay.js';
import type { Layer, OverlayLayerSpec } from '../../fs/overlay/layer.js';
import { OverlayDirectory, OverlayFile } from '../../fs/overlay/overlay_inode.js';
import { pathComponents } from '../_guest_paths.js';
import { bypassList, isBypassed } from './bypass.js';
import { EmulatedFs, emulatedFileSpec, type EmulatedContent, type EmulatedFileSpec } from './emulated_file.js';
import { AugmentedFs } from './_augmented_dir.js';
import { trustedProcess } from './_trusted_process.js';

/** A filesystem (or a directory `root` of one) and where it lies on the host, if it does. */
export interface HostBackedFs {
  readonly fs: FileSystem;
  /** A directory of `fs` to use instead of its root. */
  readonly root?: Inode;
  /**
   * The host path of the directory used (its real path, symlinks resolved), or null when it is
   * not a host directory (an image, an in-memory filesystem). Default null.
   */
  readonly hostPath?: PathLike | null;
}

/** Options of `mergedRootfs`. */
export interface MergedRootfsOptions {
  /** The guest RootFS: a host directory (HostFs), an image (Erofs) or any filesystem. Never written. */
  readonly rootfs: FileSystem | HostBackedFs;
  /**
   * The host's root directory as a filesystem: the bottom layer of the guest's `/`. Never
   * written through the merge. Its `hostPath` is '/' for the machine's real root.
   */
  readonly host: FileSystem | HostBackedFs;
  /**
   * The same host tree, writable, that bypass paths are bound from, so writes in a bypassed
   * directory reach the host (default: `host` itself, whose own write access then applies).
   */
  readonly hostWritable?: FileSystem;
  /** Guest paths served from the host (default ROOTFS_DEFAULT_BYPASS); `home` is added. */
  readonly bypass?: readonly PathLike[];
  /** The user's home directory, bypassed too (default none). */
  readonly home?: PathLike | null;
  /** Where the guest's writes outside bypass paths go (default: a new tmpfs). */
  readonly upper?: FileSystem | HostBackedFs;
  /** The upper's work directory (see OverlayOptions.work). */
  readonly work?: OverlayLayerSpec;
  /**
   * Mount vroot's procfs at /proc (default true); `/proc` in `bypass` then means this procfs.
   * With false, a `/proc` in `bypass` is bound from the host like any other path.
   */
  readonly procfs?: boolean;
  /**
   * Re-check cached names against the RootFS and the host on every lookup (default true), so
   * changes made to them while the guest runs are seen; false assumes they do not change, and
   * lookups are faster (bypass paths are always checked).
   */
  readonly revalidate?: boolean;
  /** Generated read-only files at fixed guest paths (absolute). */
  readonly emulatedFiles?: Readonly<Record<string, EmulatedContent | EmulatedFileSpec>>;
  /** Options of the VirtualFileSystem made. */
  readonly vfs?: VfsOptions;
  /** Options of the guest process made (credentials, cwd, umask). */
  readonly process?: ProcessOptions;
}

/** Where a guest object comes from. */
export type RootfsSource =
  /** The RootFS layer. */
  | 'rootfs'
  /** The host root layer (a host object the guest sees through the merge, read-only). */
  | 'host'
  /** The upper layer: something the guest created or changed. */
  | 'upper'
  /** A bypass bind mount of a host directory. */
  | 'bypass'
  /** An emulated file. */
  | 'emulated'
  /** vroot's procfs. */
  | 'procfs'
  /** Anything else (a mount the guest made, the preset's own placeholders). */
  | 'other';

/** Where a guest object is: its source, and its real host path when it has one. */
export interface GuestLocation {
  readonly source: RootfsSource;
  /** The object's path on the host (a byte string), or null (tmpfs, an image, procfs, emulated). */
  readonly hostPath: ByteString | null;
}

/** A bypass path as mounted: the guest path and the host directory bound there (null: procfs). */
export interface BypassMount {
  readonly guest: ByteString;
  readonly host: ByteString | null;
  readonly mount: Mount;
}

/** Options of `locate` and `hostPathOf`. */
export interface LocateOptions {
  /** Resolve as this process does (its root, cwd, credentials). Default: a trusted lookup from the guest root. */
  readonly process?: Process;
  /** Follow a final symlink (default true). */
  readonly follow?: boolean;
}

interface LayerRole {
  readonly source: 'rootfs' | 'host' | 'upper' | 'skeleton';
  readonly hostPath: ByteString | null;
}

interface MountRole {
  readonly source: RootfsSource;
  readonly hostPath: ByteString | null;
}

function fsSpec(spec: FileSystem | HostBackedFs): { layer: OverlayLayerSpec; hostPath: ByteString | null; root: Inode } {
  if ('fs' in spec) {
    const root = spec.root ?? spec.fs.root;
    const hostPath = spec.hostPath === undefined || spec.hostPath === null ? null : toByteString(spec.hostPath);
    return { layer: { fs: spec.fs, root }, hostPath, root };
  }
  return { layer: spec, hostPath: null, root: spec.root };
}

/** `base` + `inner` ('/'-rooted), as one host path. */
function joinHost(base: ByteString, inner: ByteString): ByteString {
  if (inner === '/') return base;
  if (base === '/') return inner;
  return base.endsWith('/') ? base + inner.slice(1) : base + inner;
}

function split(path: ByteString): { parent: ByteString; name: ByteString } {
  const parts = pathComponents(path);
  const name = parts.pop();
  if (name === undefined) throw vfsError('EINVAL', 'a path naming the root directory');
  return { parent: '/' + parts.join('/'), name };
}

/** The path of a dentry from its filesystem's root (the layers of an overlay share it). */
function pathInFs(d: Dentry): ByteString {
  const parts: ByteString[] = [];
  for (let x = d; !x.isRoot(); x = x.parent) parts.push(x.name);
  return '/' + parts.reverse().join('/');
}

function depth(path: ByteString): number {
  return pathComponents(path).length;
}

function isAbsent(e: unknown): boolean {
  return e instanceof VfsError && (e.code === 'ENOENT' || e.code === 'ENOTDIR');
}

/**
 * A guest RootFS merged over the host root. Make one with `mergedRootfs`.
 */
export class MergedRootfs {
  /** The guest's mount namespace. */
  readonly vfs: VirtualFileSystem;
  /** The guest's first process. */
  readonly process: Process;
  /** The merge at the guest's `/`. */
  readonly overlay: Overlay;
  /** The mount of `overlay` at `/`. */
  readonly rootMount: Mount;
  /** The RootFS directory on the host, or null when the RootFS is not a host directory. */
  readonly rootfsHostPath: ByteString | null;
  /** The bypass paths mounted, shallowest first. */
  readonly bypassed: BypassMount[] = [];
  /** Bypass paths not mounted because the host has nothing there. */
  readonly missingBypass: ByteString[] = [];
  /** The host root's path on the host (null when `host` is not a host directory). */
  readonly hostRootPath: ByteString | null;
  private readonly trusted: Process;
  private readonly hostTrusted: Process;
  private readonly skeleton: Process;
  private readonly layers = new Map<Layer, LayerRole>();
  /** Roles of the mounts whose paths are not those of their filesystem (procfs, directory views). */
  private readonly mountRoles = new Map<Mount, MountRole>();
  private readonly hostWritable: FileSystem;

  /** Builds the merged root; see `mergedRootfs`. */
  constructor(options: MergedRootfsOptions) {
    const vfs = new VirtualFileSystem(options.vfs);
    this.vfs = vfs;
    const rootfs = fsSpec(options.rootfs);
    const host = fsSpec(options.host);
    // The upper's root gives the guest's `/` its attributes: the RootFS root's, by default.
    const upper = fsSpec(options.upper ?? new Tmpfs({
      mode: rootfs.root.mode & 0o7777, uid: rootfs.root.uid, gid: rootfs.root.gid, clock: vfs.clock,
    }));
    const skeleton = new Tmpfs({ mode: 0o755, clock: vfs.clock });
    this.overlay = new Overlay({
      upper: upper.layer, lowers: [skeleton, rootfs.layer, host.layer], clock: vfs.clock, revalidate: options.revalidate ?? true,
      ...(options.work === undefined ? {} : { work: options.work }),
    });
    this.rootfsHostPath = rootfs.hostPath;
    this.hostRootPath = host.hostPath;
    const [skeletonLayer, rootfsLayer, hostLayer] = this.overlay.lowers;
    this.layers.set(this.overlay.upper!, { source: 'upper', hostPath: upper.hostPath });
    this.layers.set(skeletonLayer!, { source: 'skeleton', hostPath: null });
    this.layers.set(rootfsLayer!, { source: 'rootfs', hostPath: rootfs.hostPath });
    this.layers.set(hostLayer!, { source: 'host', hostPath: host.hostPath });
    this.rootMount = vfs.mount(this.overlay, '/');
    this.trusted = trustedProcess(vfs);
    const skeletonVfs = new VirtualFileSystem({ clock: vfs.clock });
    skeletonVfs.mount(skeleton, '/');
    this.skeleton = trustedProcess(skeletonVfs);
    const hostVfs = new VirtualFileSystem({ clock: vfs.clock });
    const hostWritable = options.hostWritable ?? ('fs' in options.host ? options.host.fs : options.host);
    this.hostWritable = hostWritable;
    hostVfs.mount(hostWritable, '/');
    this.hostTrusted = trustedProcess(hostVfs);

    const procfs = options.procfs ?? true;
    for (const guest of bypassList(options.bypass, options.home ?? null)) {
      // With procfs, /proc and everything below it are procfs's.
      if (procfs && isBypassed(['/proc'], guest)) continue;
      const m = this.bindHost(guest, hostWritable);
      if (m === null) this.missingBypass.push(guest);
      else this.bypassed.push(m);
    }
    if (procfs) {
      const proc = new ProcFs({ clock: vfs.clock });
      const mount = vfs.attachMount(proc, rootDentryOf(proc), this.mountPoint('/proc', true), MS_NOSUID | MS_NODEV | MS_NOEXEC);
      this.mountRoles.set(mount, { source: 'procfs', hostPath: null });
      this.bypassed.push({ guest: '/proc', host: null, mount });
      this.bypassed.sort((a, b) => depth(a.guest) - depth(b.guest));
    }
    if (options.emulatedFiles !== undefined) this.emulate(options.emulatedFiles);
    this.process = vfs.createProcess(options.process);
  }

  // ---- the blessed API ----

  /**
   * Where the object `guestPath` names comes from and where it lies on the host. A directory
   * merged from several layers is reported at the topmost read-only layer that has it (the
   * RootFS before the host): the upper holds only what the guest changed in it.
   * Errors: those of the lookup (ENOENT, ENOTDIR, ELOOP, EACCES with `options.process`).
   *
   * @example
   * rootfs.locate('/usr/lib/libc.so.6'); // { source: 'rootfs', hostPath: '/srv/rootfs/usr/lib/libc.so.6' }
   */
  locate(guestPath: PathLike, options: LocateOptions = {}): GuestLocation {
    const p = options.process ?? this.trusted;
    const found = p.lookupPath(AT_FDCWD, guestPath, options.follow === false ? 0 : LOOKUP_FOLLOW, 0);
    return this.locateDentry(found);
  }

  /**
   * The real host path of the object `guestPath` names (a byte string), or null when it has
   * none (it lives in a tmpfs upper, an image, procfs, or is emulated). For trusted code: the
   * guest can never reach this. Errors: as `locate`.
   *
   * @example
   * const host = rootfs.hostPathOf('/usr/bin/python3'); // run it natively from there
   */
  hostPathOf(guestPath: PathLike, options: LocateOptions = {}): ByteString | null {
    return this.locate(guestPath, options).hostPath;
  }

  /**
   * Where an object found in the guest's namespace comes from (see `locate`): by the filesystem
   * the mount shows (so a bind mount the guest made of a merged or bypassed directory is located
   * too). An object whose name was removed has no host path.
   */
  locateDentry(found: VirtualDentry): GuestLocation {
    const m = found.mount;
    const d = found.dentry;
    if (d.inode.fs instanceof EmulatedFs) return { source: 'emulated', hostPath: null };
    if (m.fs === this.overlay) return this.locateInOverlay(d.inode, d.deleted ? null : pathInFs(d));
    if (m.fs === this.hostWritable) {
      const hostPath = d.deleted || this.hostRootPath === null ? null : joinHost(this.hostRootPath, pathInFs(d));
      return { source: 'bypass', hostPath };
    }
    const role = this.mountRoles.get(m);
    if (role === undefined) return { source: 'other', hostPath: null };
    if (role.hostPath === null || d.deleted) return { source: role.source, hostPath: null };
    return { source: role.source, hostPath: joinHost(role.hostPath, this.vfs.pathOf(found, { mount: m, dentry: m.root }).path) };
  }

  /**
   * True when the host root itself has an object at `hostPath` (symlinks followed inside the
   * host root), whatever the guest sees there.
   */
  hostHas(hostPath: PathLike): boolean {
    try {
      this.hostTrusted.fstatat(AT_FDCWD, hostPath);
      return true;
    } catch (e) {
      if (e instanceof VfsError) return false;
      throw e;
    }
  }

  /** Ends the preset's own processes (the guest's are the caller's). */
  close(): void {
    this.trusted.exit();
    this.skeleton.exit();
    this.hostTrusted.exit();
  }

  private locateInOverlay(inode: Inode, inner: ByteString | null): GuestLocation {
    let layer: Layer | null = null;
    if (inode instanceof OverlayFile) {
      layer = inode.upper !== null ? this.overlay.upper : inode.lowerLayer;
    } else if (inode instanceof OverlayDirectory) {
      layer = inode.lowerLayers.find((l) => {
        const s = this.layers.get(l)?.source;
        return s === 'rootfs' || s === 'host';
      }) ?? (inode.upper !== null ? this.overlay.upper : null);
    }
    const role = layer === null ? undefined : this.layers.get(layer);
    if (role === undefined || role.source === 'skeleton') return { source: 'other', hostPath: null };
    return { source: role.source, hostPath: role.hostPath === null || inner === null ? null : joinHost(role.hostPath, inner) };
  }

  // ---- building ----

  /**
   * Binds the host object at `guest` (symlinks resolved inside the host root) over the same
   * guest path; null when the host has nothing there.
   */
  private bindHost(guest: ByteString, hostWritable: FileSystem): BypassMount | null {
    let source: VirtualDentry;
    try {
      source = this.hostTrusted.lookupPath(AT_FDCWD, guest, LOOKUP_FOLLOW, 0);
    } catch (e) {
      if (isAbsent(e)) return null;
      throw e;
    }
    const hostVfs = this.hostTrusted.vfs;
    const inHost = hostVfs.pathOf(source, hostVfs.root).path;
    const hostPath = this.hostRootPath === null ? null : joinHost(this.hostRootPath, inHost);
    const target = this.mountPoint(guest, source.dentry.inode.isDir());
    const mount = this.vfs.attachMount(hostWritable, source.dentry, target, 0);
    return { guest, host: hostPath, mount };
  }

  /**
   * Shows each emulated file at its path: mounted over the object there (any but a directory:
   * EISDIR); a missing name gets a skeleton placeholder in the overlay, or, in a directory of
   * another filesystem, a read-only view of that directory with the file added (replacing the
   * preset's own mount when the directory is its root). Paths must be static: a path through
   * /proc/self names no process while the preset is built (ENOENT).
   */
  private emulate(files: Readonly<Record<string, EmulatedContent | EmulatedFileSpec>>): void {
    const clock = this.vfs.clock;
    const entries = Object.entries(files).map(([path, value]): [ByteString, EmulatedFileSpec] => {
      const p = toByteString(path);
      if (!p.startsWith('/')) throw vfsError('EINVAL', `emulated file path '${path}' is not absolute`);
      return [p, emulatedFileSpec(value)];
    }).sort((a, b) => depth(a[0]) - depth(b[0]));
    const groups: { dir: VirtualDentry; extras: Map<ByteString, Inode> }[] = [];
    const over: [ByteString, EmulatedFileSpec][] = [];
    for (const [path, spec] of entries) {
      const { parent, name } = split(path);
      const dir = this.directory(parent);
      const child = this.child(dir, name);
      if (child !== null && child.dentry.inode.isDir()) throw vfsError('EISDIR', `emulated file ${path} is a directory`);
      if (child === null && dir.mount !== this.rootMount) {
        let g = groups.find((x) => x.dir.mount === dir.mount && x.dir.dentry === dir.dentry);
        if (g === undefined) groups.push(g = { dir, extras: new Map() });
        g.extras.set(name, new EmulatedFs(spec, clock).root);
        continue;
      }
      if (child === null) this.skeletonEntry(dir, name, false);
      over.push([path, spec]);
    }
    for (const { dir, extras } of groups) {
      const view = new AugmentedFs(dir.dentry.inode.fs, dir.dentry.inode, extras);
      const where = this.locateDentry(dir);
      const m = dir.mount;
      const i = this.bypassed.findIndex((b) => b.mount === m);
      let mount: Mount;
      if (i >= 0 && dir.dentry === m.root && m.parent !== null && m.mountpoint !== null && m.children.size === 0) {
        // The directory is the root of a mount the preset made: the view takes its place.
        const at = { mount: m.parent, dentry: m.mountpoint };
        this.vfs.detachMount(m, false);
        this.mountRoles.delete(m);
        mount = this.vfs.attachMount(view, rootDentryOf(view), at, m.flags | MS_RDONLY);
        this.bypassed[i] = { ...this.bypassed[i]!, mount };
      } else {
        mount = this.vfs.attachMount(view, rootDentryOf(view), dir, MS_RDONLY);
      }
      this.mountRoles.set(mount, where);
      if (dir.dentry.inode === dir.dentry.inode.fs.root && dir.dentry.inode.fs instanceof ProcFs) this.flushOnExit(rootDentryOf(view));
    }
    for (const [path, spec] of over) {
      const target = this.trusted.lookupPath(AT_FDCWD, path, 0, 0);
      const fs = new EmulatedFs(spec, clock);
      this.vfs.attachMount(fs, rootDentryOf(fs), target, 0);
    }
  }

  /**
   * Forgets the cached /proc entries of a task that exits, below a view of procfs's root, as
   * procfs does below its own (proc_flush_pid): otherwise they would keep the task reachable.
   */
  private flushOnExit(root: Dentry): void {
    this.vfs.observeExits((task) => {
      root.cachedChild(String(task.pid))?.markDeleted();
      root.cachedChild(String(task.tgid))?.cachedChild('task')?.cachedChild(String(task.pid))?.markDeleted();
    });
  }

  /**
   * The guest position to mount on at `path`: the object there when it is of the right kind
   * (a directory for `dir`, anything else otherwise); when it is missing, or of the wrong kind
   * in the merge, a placeholder of the right kind in the skeleton layer (which lies above the
   * RootFS and the host) is made first. Errors: ENOTDIR/EISDIR when the upper holds an object of
   * the wrong kind there, EINVAL for '/'.
   */
  private mountPoint(path: ByteString, dir: boolean): VirtualDentry {
    const { parent, name } = split(path);
    const dirVd = this.directory(parent);
    let child = this.child(dirVd, name);
    if (child === null || child.dentry.inode.isDir() !== dir) {
      if (dirVd.mount !== this.rootMount) {
        if (child !== null) throw vfsError(dir ? 'ENOTDIR' : 'EISDIR', `cannot mount on ${path}`);
        throw vfsError('ENOENT', `no mount point at ${path}`);
      }
      this.skeletonEntry(dirVd, name, dir);
      child = this.child(dirVd, name);
      if (child === null || child.dentry.inode.isDir() !== dir) throw vfsError(dir ? 'ENOTDIR' : 'EISDIR', `cannot mount on ${path}`);
    }
    return child;
  }

  /** The directory `path` resolves to in the guest, made in the skeleton where missing. */
  private directory(path: ByteString): VirtualDentry {
    let at = this.trusted.lookupPath(AT_FDCWD, '/', LOOKUP_FOLLOW, 0);
    for (const name of pathComponents(path)) {
      let next: VirtualDentry | null = null;
      try {
        next = this.trusted.lookupPath(AT_FDCWD, this.guestPathOf(at) + '/' + name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, 0);
      } catch (e) {
        if (!isAbsent(e)) throw e;
      }
      if (next === null) {
        if (at.mount !== this.rootMount) throw vfsError('ENOENT', `no directory ${path} to mount in`);
        this.skeletonEntry(at, name, true);
        next = this.trusted.lookupPath(AT_FDCWD, this.guestPathOf(at) + '/' + name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, 0);
      }
      at = next;
    }
    return at;
  }

  /** The child `name` of a guest directory, mounts crossed, symlinks not followed; null when absent. */
  private child(dir: VirtualDentry, name: ByteString): VirtualDentry | null {
    try {
      return this.trusted.lookupPath(AT_FDCWD, this.guestPathOf(dir) + '/' + name, 0, 0);
    } catch (e) {
      if (isAbsent(e)) return null;
      throw e;
    }
  }

  private guestPathOf(vd: VirtualDentry): ByteString {
    const p = this.vfs.pathOf(vd, this.vfs.root).path;
    return p === '/' ? '' : p;
  }

  /**
   * Makes `name` in the skeleton at the guest directory `dir` (a directory of the overlay): a
   * directory with the attributes the host has for it (or 0755 root), or an empty read-only
   * file. The skeleton's directories on the way take the attributes the guest sees for them, so
   * the merge still shows the same owners, modes and times.
   */
  private skeletonEntry(dir: VirtualDentry, name: ByteString, isDir: boolean): void {
    const s = this.skeleton;
    let at = '';
    for (const part of pathComponents(this.guestPathOf(dir))) {
      at += '/' + part;
      if (this.skeletonHas(at)) continue;
      s.mkdirat(AT_FDCWD, at, 0o755);
      this.copyAttrs(at, this.trusted.fstatat(AT_FDCWD, at));
    }
    const path = `${at}/${name}`;
    if (!isDir) {
      s.close(s.openat(AT_FDCWD, path, O_CREAT | O_EXCL | O_WRONLY, 0o444));
      return;
    }
    s.mkdirat(AT_FDCWD, path, 0o755);
    let hostStat: Stat | null = null;
    try {
      hostStat = this.hostTrusted.fstatat(AT_FDCWD, path);
    } catch (e) {
      if (!isAbsent(e)) throw e;
    }
    if (hostStat !== null && (hostStat.mode & S_IFMT) === S_IFDIR) this.copyAttrs(path, hostStat);
  }

  private skeletonHas(path: ByteString): boolean {
    try {
      this.skeleton.fstatat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
      return true;
    } catch (e) {
      if (isAbsent(e)) return false;
      throw e;
    }
  }

  private copyAttrs(path: ByteString, st: Stat): void {
    const s = this.skeleton;
    s.fchownat(AT_FDCWD, path, st.uid, st.gid);
    s.fchmodat(AT_FDCWD, path, st.mode & 0o7777);
    s.utimensat(AT_FDCWD, path, [st.atime, st.mtime]);
  }
}

/**
 * Builds a merged RootFS: the guest's namespace with the RootFS over the host root, bypass
 * paths bound from the host, vroot's procfs at /proc and the emulated files, and the guest's
 * first process.
 *
 * @example
 * import { mergedRootfs } from 'vroot';
 * import { HostFs } from 'vroot/node';
 * const rootfs = mergedRootfs({
 *   rootfs: { fs: new HostFs('/srv/rootfs', { readOnly: true }), hostPath: '/srv/rootfs' },
 *   host: { fs: new HostFs('/', { readOnly: true }), hostPath: '/' },
 *   hostWritable: new HostFs('/'),
 *   home: homedir(),
 *   emulatedFiles: { '/proc/cpuinfo': () => cpuinfoText() },
 * });
 * rootfs.process.openat(AT_FDCWD, '/usr/lib/os-release', O_RDONLY);
 */
export function mergedRootfs(options: MergedRootfsOptions): MergedRootfs {
  return new MergedRootfs(options);
}

