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
  /** Opens a layer given by a host path (`path`: the provider tells an image from a directory). */
  openLayer(layer: { path: string } | { image: string } | { dir: string }): FileSystem;
  /** Serves a host directory read-write as the upper layer (creating it if missing). */
  openUpper(dir: string): FileSystem;
  /**
   * Serves the host object of a bind: a directory as the root of a filesystem (`name` null), a
   * file as the entry `name` of its directory's root.
   */
  openBind(host: string, readOnly: boolean): { fs: FileSystem; name: string | null };
  /** Copies a host file or tree to `guest` (whose parent exists) through `p`. */
  copyIn(p: Process, host: string, guest: string): void;
}

/** A composed root: its namespace and the process the guest acts as. */
export interface ComposedRoot {
  vfs: VirtualFileSystem;
  process: Process;
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

function openLayer(layer: LayerSpec, providers: RootProviders): FileSystem {
  return 'fs' in layer ? layer.fs : providers.openLayer(layer);
}

/** Opens the upper; an in-memory one gets a 0755 root owned by `owner`. */
function openUpper(upper: UpperSpec, providers: RootProviders, owner: { uid: number; gid: number }): FileSystem {
  if ('fs' in upper) return upper.fs;
  if ('dir' in upper) return providers.openUpper(upper.dir);
  const options = { mode: 0o755, uid: owner.uid, gid: owner.gid };
  return new Tmpfs(upper.size === undefined ? options : { ...options, size: upper.size });
}

/**
 * Merges read-only layers (topmost first) under a writable upper (null: none) into one
 * filesystem.
 */
function mergeLayers(lowers: FileSystem[], upper: FileSystem | null): FileSystem {
  if (lowers.length === 1 && upper === null) return lowers[0]!;
  throw new Error('layers under an upper, or more than one layer, need the overlay filesystem, which this build lacks');
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
  const lowers = layers.map((l) => step(`layer ${describeLayer(l)}`, () => openLayer(l, providers))).reverse();
  // A single layer of a read-only root needs no upper unless mount points must be made in it.
  const explicitUpper = spec.upper !== undefined;
  const upperSpec = spec.upper ?? { tmpfs: true as const };
  let rootFs: FileSystem;
  if (lowers.length === 0) {
    // An empty in-memory root belongs to the guest, as a tmpfs a user mounts belongs to them.
    const owner = spec.fakeRoot || spec.user === undefined ? { uid: 0, gid: 0 } : spec.user;
    rootFs = step('upper', () => openUpper(upperSpec, providers, owner));
  } else if (spec.readOnly && !explicitUpper && lowers.length === 1 && !needsMountPoints(spec, lowers[0]!)) {
    rootFs = lowers[0]!;
  } else {
    rootFs = mergeLayers(lowers, step('upper', () => openUpper(upperSpec, providers, { uid: 0, gid: 0 })));
  }

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
          const { fs, name } = providers.openBind(b.host, b.readOnly ?? false);
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
          admin.mount(new Tmpfs(t.size === undefined ? {} : { size: t.size }), t.guest);
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
    if (spec.readOnly) admin.remount('/', { readOnly: true });
  } finally {
    admin.exit();
  }
  const cwd = spec.cwd === undefined ? {} : { cwd: spec.cwd };
  const process = vfs.createProcess(spec.user === undefined ? cwd : { ...cwd, cred: spec.user });
  return { vfs, process };
}

/** True when a bind or tmpfs mount point is missing in `fs` (so a read-only root needs an upper). */
function needsMountPoints(spec: RootSpec, fs: FileSystem): boolean {
  const guests = [...(spec.binds ?? []).map((b) => b.guest), ...(spec.tmpfs ?? []).map((t) => t.guest)];
  if (guests.length === 0 && (spec.copyIn ?? []).length === 0) return false;
  const probe = new VirtualFileSystem();
  probe.mount(fs, '/');
  const p = probe.createProcess();
  try {
    if ((spec.copyIn ?? []).length > 0) return true;
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
