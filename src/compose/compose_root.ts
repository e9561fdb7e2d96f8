// This module is browser compatible.
/**
 * Builds the root a RootSpec describes (see root_spec.ts for the order of the steps). What is
 * host-specific (opening an image file, serving a host directory, copying host files) is asked
 * of `RootProviders`, so the same builder serves Node (node_providers.ts) and other hosts.
 *
 * @example
 * import { composeRoot } from 'vroot';
 * import { nodeRootProviders } from 'vroot/node';
 * const { vfs, process } = composeRoot({ layers: [{ image: 'base.erofs' }], tmpfs: [{ guest: '/tmp' }] }, nodeRootProviders);
 */
import { AT_FDCWD, O_CREAT, O_EXCL, O_WRONLY } from '../abi/constants.js';
import { FakeOwnership } from '../emu/fake_owner/fake_ownership.js';
import { fakeRootProcess } from '../emu/fake_owner/fake_root.js';
import { Overlay } from '../fs/overlay/overlay.js';
import { ProcFs } from '../fs/proc/proc_fs.js';
import { Tmpfs } from '../fs/tmpfs/tmpfs.js';
import { VfsError } from '../vfs/errors.js';
import type { FileSystem } from '../vfs/inode.js';
import { LOOKUP_FOLLOW } from '../vfs/path_walk.js';
import type { Process } from '../vfs/process.js';
import { VirtualFileSystem, type VfsOptions } from '../vfs/virtual_filesystem.js';
import { mountFlags } from '../vfs/mount.js';
import type { LayerSpec, RootSpec, UpperSpec } from './root_spec.js';

/** The host-specific parts of composing a root. */
export interface RootProviders {
  /**
   * Opens a layer given by a host path (`path`: the provider tells an image from a directory);
   * with `casefold`, one whose directories fold names.
   */
  openLayer(layer: { path: string } | { image: string } | { dir: string }, casefold?: boolean): FileSystem;
  /** Serves a host directory read-write as the upper layer (creating it if missing). */
  openUpper(dir: string, casefold?: boolean): FileSystem;
  /**
   * Serves the host object of a bind: a directory as the root of a filesystem (`name` null), a
   * file as the entry `name` of its directory's root.
   */
  openBind(host: string, readOnly: boolean, casefold?: boolean): { fs: FileSystem; name: string | null };
  /** Copies a host file or tree to `guest` (whose parent exists) through `p`. */
  copyIn(p: Process, host: string, guest: string): void;
}

/** A composed root: its namespace and the process the guest acts as. */
export interface ComposedRoot {
  vfs: VirtualFileSystem;
  process: Process;
  /**
   * Releases what composing opened on the host (image files, host directory descriptors); the
   * root must not be used afterwards. A long-running program composing many roots calls it, a
   * command that exits need not.
   */
  close(): void;
}

/** Closes filesystems that hold host resources (those with a close method), ignoring failures. */
function closeAll(opened: readonly FileSystem[]): void {
  for (const fs of opened) {
    try {
      (fs as FileSystem & { close?: () => void }).close?.();
    } catch {
      // Releasing is best effort: an error here must not hide the one being reported.
    }
  }
}

/** Options of `composeRoot` beyond the spec. */
export interface ComposeOptions {
  /** Options of the VirtualFileSystem made. */
  vfs?: VfsOptions;
}

/** Providers for specs whose layers, upper and binds are all `{ fs }` (no host access). */
export const noHostProviders: RootProviders = {
  openLayer: (layer) => { throw new Error(`no host provider to open layer ${JSON.stringify(layer)}`); },
  openUpper: (dir) => { throw new Error(`no host provider to open upper directory '${dir}'`); },
  openBind: (host) => { throw new Error(`no host provider to bind '${host}'`); },
  copyIn: (_p, host) => { throw new Error(`no host provider to copy '${host}'`); },
};

function openLayer(layer: LayerSpec, providers: RootProviders, casefold: boolean): FileSystem {
  return 'fs' in layer ? layer.fs : providers.openLayer(layer, casefold);
}

/**
 * Opens the upper. A new in-memory one gets a root directory with `root`'s mode and owner: the
 * top layer's root, so the merged root looks like the image's (overlayfs shows the upper root's
 * attributes), or for a root without layers 0755 and the guest's ids.
 */
function openUpper(upper: UpperSpec, providers: RootProviders, root: { mode: number; uid: number; gid: number }, casefold: boolean): FileSystem {
  if ('fs' in upper) return upper.fs;
  if ('dir' in upper) return providers.openUpper(upper.dir, casefold);
  const options = { mode: root.mode & 0o7777, uid: root.uid, gid: root.gid, casefold };
  return new Tmpfs(upper.size === undefined ? options : { ...options, size: upper.size });
}

/**
 * Merges read-only layers (topmost first) under a writable upper (null: none) into one
 * filesystem: an overlay, or the one layer itself when there is nothing to merge.
 */
function mergeLayers(lowers: FileSystem[], upper: FileSystem | null): FileSystem {
  if (lowers.length === 1 && upper === null) return lowers[0]!;
  return upper === null ? new Overlay({ lowers }) : new Overlay({ lowers, upper });
}

/** The number of components of a guest path, to mount parents before children. */
function depth(path: string): number {
  return path.split('/').filter((c) => c !== '' && c !== '.').length;
}

/** mkdir -p through `p`: creates every missing directory of `path`. */
export function mkdirs(p: Process, path: string, mode = 0o755): void {
  let at = '';
  for (const part of path.split('/')) {
    if (part === '') continue;
    at += '/' + part;
    try {
      p.mkdirat(AT_FDCWD, at, mode);
    } catch (e) {
      if (!(e instanceof VfsError) || e.code !== 'EEXIST') throw e;
    }
  }
}

function parentOf(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * Makes sure `guest` exists to mount on: a directory (`dir`) or a file. Existing objects are
 * left alone (the mount itself checks their type).
 */
function ensureMountPoint(p: Process, guest: string, dir: boolean): void {
  try {
    p.fstatat(AT_FDCWD, guest);
    return;
  } catch (e) {
    if (!(e instanceof VfsError) || e.code !== 'ENOENT') throw e;
  }
  if (dir) {
    mkdirs(p, guest);
    return;
  }
  mkdirs(p, parentOf(guest));
  p.close(p.openat(AT_FDCWD, guest, O_CREAT | O_EXCL | O_WRONLY, 0o644));
}

/** Adds the context of a failed step to its error. */
function step<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VfsError) throw new Error(`${what}: ${e.message}`, { cause: e });
    if (e instanceof Error && !e.message.startsWith(what)) throw new Error(`${what}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Builds a root: a VirtualFileSystem with everything the spec describes mounted, and a process
 * in it. Errors: an Error naming the step that failed (with the VfsError or host error as its
 * cause); nothing is left half-mounted that the caller could see, as the namespace is new.
 *
 * @example
 * const { process: p } = composeRoot({ tmpfs: [{ guest: '/tmp' }], readOnly: true }, noHostProviders);
 * p.mkdirat(AT_FDCWD, '/x');      // EROFS
 * p.mkdirat(AT_FDCWD, '/tmp/x');  // fine
 */
export function composeRoot(spec: RootSpec, providers: RootProviders, options: ComposeOptions = {}): ComposedRoot {
  const layers = spec.layers ?? [];
  const casefold = spec.casefold === true;
  if (casefold && spec.fakeRoot) throw new Error('casefold and fakeRoot cannot be combined');
  // Everything opened through the providers, closed if composing fails or by `close`.
  const opened: FileSystem[] = [];
  const mine = <T extends FileSystem>(fs: T, given: boolean): T => {
    if (!given) opened.push(fs);
    return fs;
  };
  try {
    return composeOpened(spec, providers, options, casefold, layers, opened, mine);
  } catch (e) {
    closeAll(opened);
    throw e;
  }
}

function composeOpened(
  spec: RootSpec, providers: RootProviders, options: ComposeOptions, casefold: boolean, layers: LayerSpec[],
  opened: FileSystem[], mine: <T extends FileSystem>(fs: T, given: boolean) => T,
): ComposedRoot {
  const lowers = layers.map((l) => step(`layer ${describeLayer(l)}`, () => mine(openLayer(l, providers, casefold), 'fs' in l))).reverse();
  // A single layer of a read-only root needs no upper unless mount points must be made in it.
  const explicitUpper = spec.upper !== undefined;
  const upperSpec = spec.upper ?? { tmpfs: true as const };
  let rootFs: FileSystem;
  if (lowers.length === 0) {
    // An empty in-memory root belongs to the guest, as a tmpfs a user mounts belongs to them.
    const owner = spec.fakeRoot || spec.user === undefined ? { uid: 0, gid: 0 } : spec.user;
    rootFs = step('upper', () => mine(openUpper(upperSpec, providers, { mode: 0o755, ...owner }, casefold), 'fs' in upperSpec));
  } else if (spec.readOnly && !explicitUpper && !needsMountPoints(spec, lowers)) {
    // Nothing will be written: the layers alone (an overlay without upper is read-only).
    rootFs = mergeLayers(lowers, null);
  } else {
    rootFs = mergeLayers(lowers, step('upper', () => mine(openUpper(upperSpec, providers, lowers[0]!.root, casefold), 'fs' in upperSpec)));
  }
  // Fake ownership records chown and chmod in the upper's xattrs when it is a host directory
  // (they persist with it), in memory otherwise.
  const upperOnHost = spec.upper !== undefined && 'dir' in spec.upper;
  if (spec.fakeRoot) rootFs = new FakeOwnership(rootFs, { store: upperOnHost ? 'xattr' : 'memory' });

  const vfs = new VirtualFileSystem(options.vfs);
  vfs.mount(rootFs, '/');
  const admin = vfs.createProcess();
  try {
    type Mounting = { guest: string; run: () => void };
    const mounts: Mounting[] = [];
    for (const b of spec.binds ?? []) {
      mounts.push({
        guest: b.guest,
        run: () => step(`bind ${b.host}:${b.guest}`, () => {
          const bound = providers.openBind(b.host, b.readOnly ?? false, casefold);
          mine(bound.fs, false);
          const fs = spec.fakeRoot && !b.readOnly ? new FakeOwnership(bound.fs) : bound.fs;
          const name = bound.name;
          ensureMountPoint(admin, b.guest, name === null);
          if (name === null) admin.mount(fs, b.guest, { readOnly: b.readOnly ?? false });
          else bindEntry(vfs, admin, fs, name, b.guest, b.readOnly ?? false);
        }),
      });
    }
    for (const t of spec.tmpfs ?? []) {
      mounts.push({
        guest: t.guest,
        run: () => step(`tmpfs ${t.guest}`, () => {
          ensureMountPoint(admin, t.guest, true);
          admin.mount(new Tmpfs(t.size === undefined ? { casefold } : { size: t.size, casefold }), t.guest);
        }),
      });
    }
    mounts.sort((a, b) => depth(a.guest) - depth(b.guest));
    for (const m of mounts) m.run();
    for (const c of spec.copyIn ?? []) {
      step(`copy-in ${c.host}:${c.guest}`, () => {
        mkdirs(admin, parentOf(c.guest));
        providers.copyIn(admin, c.host, c.guest);
      });
    }
    if (spec.proc) {
      step('proc', () => {
        ensureMountPoint(admin, '/proc', true);
        admin.mount(new ProcFs(), '/proc', { nosuid: true, nodev: true, noexec: true });
      });
    }
    if (spec.readOnly) admin.remount('/', { readOnly: true });
  } finally {
    admin.exit();
  }
  const cwd = spec.cwd === undefined ? {} : { cwd: spec.cwd };
  let process: Process;
  if (spec.fakeRoot) process = fakeRootProcess(vfs, cwd);
  else process = vfs.createProcess(spec.user === undefined ? cwd : { ...cwd, cred: spec.user });
  return {
    vfs,
    process,
    close: () => {
      process.exit();
      closeAll(opened);
    },
  };
}

/**
 * True when the root must be written while it is built: a bind, tmpfs or /proc mount point is
 * missing in the layers, or files are copied in (so a read-only root still needs an upper).
 */
function needsMountPoints(spec: RootSpec, lowers: FileSystem[]): boolean {
  if ((spec.copyIn ?? []).length > 0) return true;
  const guests = [...(spec.binds ?? []).map((b) => b.guest), ...(spec.tmpfs ?? []).map((t) => t.guest)];
  if (spec.proc) guests.push('/proc');
  if (guests.length === 0) return false;
  const probe = new VirtualFileSystem();
  probe.mount(mergeLayers(lowers, null), '/');
  const p = probe.createProcess();
  try {
    for (const g of guests) {
      try {
        p.fstatat(AT_FDCWD, g);
      } catch {
        return true;
      }
    }
    return false;
  } finally {
    p.exit();
  }
}

/**
 * Bind-mounts the entry `name` of `fs`'s root (a host file) at `guest`, as `mount --bind` of a
 * file does: the entry is found through a namespace of its own, and only that entry is shown.
 */
function bindEntry(vfs: VirtualFileSystem, admin: Process, fs: FileSystem, name: string, guest: string, readOnly: boolean): void {
  const side = new VirtualFileSystem();
  side.mount(fs, '/');
  const q = side.createProcess();
  try {
    const source = q.lookupPath(AT_FDCWD, '/' + name, 0, 0);
    const target = admin.lookupPath(AT_FDCWD, guest, LOOKUP_FOLLOW, 0);
    if (target.dentry.inode.isDir()) throw new Error(`'${guest}' is a directory, and '${name}' is not`);
    vfs.attachMount(fs, source.dentry, target, mountFlags({ readOnly }));
  } finally {
    q.exit();
  }
}

function describeLayer(layer: LayerSpec): string {
  if ('fs' in layer) return layer.fs.type;
  if ('path' in layer) return layer.path;
  if ('image' in layer) return layer.image;
  return layer.dir;
}
