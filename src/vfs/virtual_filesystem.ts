// This module is browser compatible.
/**
 * The VirtualFileSystem: one mount namespace with its processes, device drivers and options.
 *
 * @example
 * import { VirtualFileSystem, Tmpfs, AT_FDCWD, O_RDONLY } from 'vroot';
 * const vfs = new VirtualFileSystem();
 * vfs.mount(new Tmpfs(), '/');
 * const p = vfs.createProcess();
 * p.mkdirat(AT_FDCWD, '/etc', 0o755);
 */
import { AT_FDCWD } from '../abi/constants.js';
import { toByteString, type ByteString, type PathLike } from './bytes.js';
import { systemClock, type Clock } from './clock.js';
import { Cred, type CredOptions } from './cred.js';
import type { Dentry } from './dentry.js';
import { rootDentryOf } from './dentry.js';
import { Pipe, defaultDevices, type DeviceOpener } from './devices.js';
import { vfsError } from './errors.js';
import { FdTable } from './fd_table.js';
import { FsContext } from './fs_context.js';
import type { FileSystem, Inode } from './inode.js';
import { Mount, mountFlags, type MountOptions, type VirtualDentry } from './mount.js';
import { LOOKUP_DIRECTORY, LOOKUP_FOLLOW, PathWalk } from './path_walk.js';
import { PipeFs } from './pipefs.js';
import { Process } from './process.js';

/** Options of a VirtualFileSystem. */
export interface VfsOptions {
  /** Time source for timestamps set by the core (default: the system clock). */
  clock?: Clock;
  /** fs.protected_hardlinks (default true, as most distributions set it). */
  protectedHardlinks?: boolean;
  /** fs.protected_symlinks (default true, as most distributions set it). */
  protectedSymlinks?: boolean;
  /** fs.protected_fifos: 0, 1 (default, as systemd sets it) or 2. */
  protectedFifos?: number;
  /** fs.protected_regular: 0, 1 (default, as systemd sets it) or 2. */
  protectedRegular?: number;
  /** RLIMIT_NOFILE of new processes (default 1024). */
  maxFds?: number;
}

/** Options of `createProcess`. */
export interface ProcessOptions {
  /** Credentials (default: uid 0 with every capability). */
  cred?: Cred | CredOptions;
  /** The process root, a path in the namespace (default '/'). */
  root?: PathLike;
  /** The working directory, relative to the new root (default '/'). */
  cwd?: PathLike;
  /** The umask (default 0o022). */
  umask?: number;
}

/** A path as d_path computes it. */
export interface DPath {
  path: ByteString;
  /** False when the object is not below the root the path was computed from. */
  reachable: boolean;
}

export class VirtualFileSystem {
  readonly options: Required<Omit<VfsOptions, 'clock'>>;
  readonly clock: Clock;
  /** Character device drivers by device number (see devices.ts). */
  readonly devices: Map<number, DeviceOpener> = defaultDevices();
  /** O_TMPFILE inodes that may still be given a name with linkat (I_LINKABLE). */
  readonly linkable = new WeakSet<Inode>();
  private rootMount: Mount | null = null;
  private readonly processes = new Map<number, Process>();
  private nextPid = 1;
  private readonly pipes = new WeakMap<Inode, Pipe>();
  private pipefs: PipeFs | null = null;
  private readonly exitObservers: ((p: Process) => void)[] = [];

  constructor(options: VfsOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.options = {
      protectedHardlinks: options.protectedHardlinks ?? true,
      protectedSymlinks: options.protectedSymlinks ?? true,
      protectedFifos: options.protectedFifos ?? 1,
      protectedRegular: options.protectedRegular ?? 1,
      maxFds: options.maxFds ?? 1024,
    };
  }

  /**
   * Whole seconds of the clock, for relatime's one-day rule, which asks on every read and every
   * symlink followed. Reading the system clock costs more than that rule's whole check, so the
   * system clock is read once per 256 calls: an atime due after a day may then be updated a few
   * calls late, which the rule tolerates.
   */
  clockSeconds(): number {
    if (this.clock !== systemClock) return this.clock().sec;
    if (--this.coarseCalls <= 0) {
      this.coarseSec = Math.floor(Date.now() / 1000);
      this.coarseCalls = 256;
    }
    return this.coarseSec;
  }
  private coarseSec = 0;
  private coarseCalls = 0;

  /** The namespace's root mount. Errors: ENOENT before anything is mounted on '/'. */
  get root(): VirtualDentry {
    const m = this.rootMount;
    if (m === null) throw vfsError('ENOENT', 'nothing is mounted on /');
    let top = m;
    for (;;) {
      const over = top.children.get(top.root);
      if (over === undefined) break;
      top = over;
    }
    return { mount: top, dentry: top.root };
  }

  /**
   * Mounts `fs` at `path` of the namespace (the first mount must be '/'). Mounting on a path
   * that already has a mount stacks the new one on top, as Linux does.
   *
   * @example
   * vfs.mount(new Tmpfs(), '/');
   * vfs.mount(new Tmpfs({ size: 1 << 20 }), '/tmp', { nosuid: true });
   */
  mount(fs: FileSystem, path: PathLike = '/', options: MountOptions = {}): Mount {
    const flags = mountFlags(options);
    if (this.rootMount === null) {
      if (toByteString(path) !== '/') throw vfsError('ENOENT', 'mount "/" first');
      fs.attachTo(this);
      this.rootMount = new Mount(fs, rootDentryOf(fs), null, null, flags);
      return this.rootMount;
    }
    const admin = this.adminProcess();
    try {
      const target = new PathWalk(admin, LOOKUP_FOLLOW | LOOKUP_DIRECTORY).lookup(AT_FDCWD, toByteString(path));
      return this.attachMount(fs, rootDentryOf(fs), target, flags);
    } finally {
      admin.exit();
    }
  }

  /**
   * Makes a process. Its root and cwd are resolved in the namespace as root would resolve them.
   *
   * @example
   * const p = vfs.createProcess({ cred: { uid: 1000, gid: 1000 }, cwd: '/home/user' });
   */
  createProcess(options: ProcessOptions = {}): Process {
    const cred = options.cred instanceof Cred ? options.cred : new Cred(options.cred ?? {});
    const nsRoot = this.root;
    const boot = new FsContext(nsRoot, nsRoot, options.umask ?? 0o022);
    try {
      // Root and cwd are resolved with root's credentials, as the parent that sets them up would.
      const admin = new Process(this, 0, 0, new Cred(), boot, new FdTable(this.options.maxFds));
      if (options.root !== undefined) {
        const r = new PathWalk(admin, LOOKUP_FOLLOW | LOOKUP_DIRECTORY).lookup(AT_FDCWD, toByteString(options.root));
        boot.setRoot(r);
        boot.setCwd(r);
      }
      if (options.cwd !== undefined) {
        boot.setCwd(new PathWalk(admin, LOOKUP_FOLLOW | LOOKUP_DIRECTORY).lookup(AT_FDCWD, toByteString(options.cwd)));
      }
    } catch (e) {
      boot.release();
      throw e;
    }
    return this.registerProcess(0, cred, boot, new FdTable(this.options.maxFds));
  }

  /** @internal Adds a process to the table; `tgid` makes it a thread of that group. */
  registerProcess(ppid: number, cred: Cred, fsContext: FsContext, files: FdTable, tgid?: number): Process {
    const pid = this.nextPid++;
    const p = new Process(this, pid, ppid, cred, fsContext, files, tgid ?? pid);
    this.processes.set(pid, p);
    return p;
  }

  /** @internal */
  unregisterProcess(p: Process): void {
    this.processes.delete(p.pid);
    for (const observer of this.exitObservers) observer(p);
  }

  /**
   * Calls `observer` with every process that leaves the table from now on (procfs forgets its
   * entries then, as Linux's proc_flush_pid does). Returns a function that stops the calls.
   */
  observeExits(observer: (p: Process) => void): () => void {
    this.exitObservers.push(observer);
    return () => {
      const i = this.exitObservers.indexOf(observer);
      if (i >= 0) this.exitObservers.splice(i, 1);
    };
  }

  /** The process with `pid`, if it is alive. */
  process(pid: number): Process | undefined {
    return this.processes.get(pid);
  }

  /** Every live process. */
  allProcesses(): Process[] {
    return [...this.processes.values()];
  }

  /** @internal True when another live process shares `p`'s descriptor table. */
  sharesFiles(p: Process): boolean {
    for (const q of this.processes.values()) if (q !== p && q.files === p.files) return true;
    return false;
  }

  /** @internal True when another live process shares `p`'s fs context. */
  sharesFsContext(p: Process): boolean {
    for (const q of this.processes.values()) if (q !== p && q.fsContext === p.fsContext) return true;
    return false;
  }

  /** @internal The pipe buffer of a fifo inode. */
  pipeOf(inode: Inode): Pipe {
    let p = this.pipes.get(inode);
    if (p === undefined) {
      p = new Pipe();
      this.pipes.set(inode, p);
    }
    return p;
  }

  /** @internal The pipefs of anonymous pipes, made on first use. */
  get pipeFs(): PipeFs {
    return this.pipefs ??= new PipeFs(this.clock);
  }

  /**
   * The path of `target` as seen from `root` (Linux d_path / prepend_path): climbs dentries and
   * mounts until it meets `root`. When it never does, the path is from the namespace root and
   * `reachable` is false.
   */
  pathOf(target: VirtualDentry, root: VirtualDentry): DPath {
    const parts: ByteString[] = [];
    let m = target.mount;
    let d: Dentry = target.dentry;
    let reachable = true;
    for (;;) {
      if (d === root.dentry && m === root.mount) break;
      if (d === m.root) {
        if (m.parent === null || m.mountpoint === null) {
          reachable = false;
          break;
        }
        d = m.mountpoint;
        m = m.parent;
        continue;
      }
      if (d.parent === d) {
        reachable = false;
        break;
      }
      parts.push(d.name);
      d = d.parent;
    }
    let path = '';
    for (let i = parts.length - 1; i >= 0; i--) path += '/' + parts[i];
    if (path === '') path = '/';
    return { path: reachable ? path : '(unreachable)' + path, reachable };
  }

  /** @internal Attaches a mount of `fs` showing `root` at `target`. */
  attachMount(fs: FileSystem, root: Dentry, target: VirtualDentry, flags: number): Mount {
    fs.attachTo(this);
    const m = new Mount(fs, root, target.mount, target.dentry, flags);
    target.mount.children.set(target.dentry, m);
    target.dentry.mounted++;
    target.dentry.pins++;
    root.pins++;
    return m;
  }

  /**
   * @internal Copies the mounts below `source` onto the bind mount `copy` (MS_BIND|MS_REC).
   * Linux's copy_tree copies the source tree before the bind is attached; here `copy` is
   * already attached, possibly below `source` (a bind of a directory onto itself or into its
   * own subtree), so it and its copies are skipped rather than copied again and again.
   */
  copySubmounts(source: VirtualDentry, copy: Mount, made: Set<Mount> = new Set([copy])): void {
    for (const [mp, child] of [...source.mount.children]) {
      if (made.has(child) || !mp.isSubdirOf(source.dentry)) continue;
      const inner = this.attachMount(child.fs, child.root, { mount: copy, dentry: mp }, child.flags);
      made.add(inner);
      this.copySubmounts({ mount: child, dentry: child.root }, inner, made);
    }
  }

  /**
   * @internal Detaches a mount (umount2). Without `lazy`, a mount that is in use (open files,
   * working directories, mounts below it) gives EBUSY.
   */
  detachMount(m: Mount, lazy: boolean): void {
    if (!lazy && (m.refs > 0 || m.children.size > 0)) throw vfsError('EBUSY');
    // umount_tree: the mount and, for MNT_DETACH, every mount below it leave the namespace and
    // are disconnected from each other; holders of their dentries keep what they hold.
    const disconnect = (x: Mount): void => {
      for (const child of [...x.children.values()]) disconnect(child);
      x.detached = true;
      const parent = x.parent;
      const mp = x.mountpoint;
      if (parent === null || mp === null) return;
      if (parent.children.get(mp) === x) parent.children.delete(mp);
      mp.mounted--;
      mp.pins--;
      x.root.pins--;
      x.parent = null;
      x.mountpoint = null;
    };
    disconnect(m);
  }

  /** Every mount reachable from the namespace root, parents before children (for /proc/mounts). */
  mounts(): Mount[] {
    const out: Mount[] = [];
    const visit = (m: Mount): void => {
      out.push(m);
      for (const c of m.children.values()) visit(c);
    };
    if (this.rootMount !== null) visit(this.rootMount);
    return out;
  }

  /** Registers a character device driver for `rdev` (see `makedev`). */
  registerDevice(rdev: number, opener: DeviceOpener): void {
    this.devices.set(rdev, opener);
  }

  private adminProcess(): Process {
    const nsRoot = this.root;
    return this.registerProcess(0, new Cred(), new FsContext(nsRoot, nsRoot, 0o022), new FdTable(this.options.maxFds));
  }
}
