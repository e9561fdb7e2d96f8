// This module is browser compatible.
/**
 * Fake root: a process that believes it is root, over a FakeOwnership mount, as `fakeroot` or
 * `podman unshare` give one. It is uid and gid 0 and holds the capabilities that concern file
 * ownership and permission, which FakeOwnership honours without any host privilege:
 * CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_MKNOD, and
 * CAP_SYS_CHROOT (a vroot chroot only moves the process's own root). It lacks CAP_SYS_ADMIN
 * (mount, `trusted.` and `security.` xattrs) and CAP_LINUX_IMMUTABLE, which fakeroot cannot fake
 * either. What the host refuses the host process still refuses: the errors pass through.
 *
 * @example
 * const vfs = new VirtualFileSystem();
 * vfs.mount(new FakeOwnership(rootFs, { store: 'xattr', unrecordedOwner: { uid: 0, gid: 0 } }), '/');
 * const p = fakeRootProcess(vfs, { cwd: '/build' });
 * p.mknodat(AT_FDCWD, 'dev/null', S_IFCHR | 0o666, makedev(1, 3)); // no host privilege needed
 */
import { Cred, type Capability } from '../../vfs/cred.js';
import type { Process } from '../../vfs/process.js';
import type { ProcessOptions, VirtualFileSystem } from '../../vfs/virtual_filesystem.js';

/** The capabilities of a fake root. */
export const FAKE_ROOT_CAPABILITIES: readonly Capability[] = Object.freeze([
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_MKNOD',
  'CAP_SYS_CHROOT',
] as const);

/** Options of a fake-root process: those of `createProcess` without credentials. */
export interface FakeRootOptions extends Omit<ProcessOptions, 'cred'> {
  /** Supplementary groups (default none). */
  groups?: number[];
}

/**
 * Credentials of a fake root: uid and gid 0 with FAKE_ROOT_CAPABILITIES.
 *
 * @example
 * p.setCred(fakeRootCred()); // a process becomes fake root
 */
export function fakeRootCred(groups: number[] = []): Cred {
  return new Cred({ uid: 0, gid: 0, groups, capabilities: FAKE_ROOT_CAPABILITIES });
}

/**
 * A fake-root process (what `--fake-root` runs the guest as). Mount a FakeOwnership wherever
 * the guest should be able to chown and mknod first: elsewhere the lower's own rules apply.
 *
 * @example
 * const p = fakeRootProcess(vfs, { cwd: '/src', umask: 0o022 });
 */
export function fakeRootProcess(vfs: VirtualFileSystem, options: FakeRootOptions = {}): Process {
  const { groups, ...rest } = options;
  return vfs.createProcess({ ...rest, cred: fakeRootCred(groups) });
}
