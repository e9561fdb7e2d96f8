// This module is browser compatible.
/**
 * Credentials of a process (Linux `struct cred`). File access uses fsuid/fsgid and the
 * supplementary groups; capabilities follow Linux's rule that uid 0 holds them all unless the
 * caller narrows the set (as a rootless container does).
 */

/** The capabilities the VFS consults (include/uapi/linux/capability.h names). */
export type Capability =
  | 'CAP_CHOWN'
  | 'CAP_DAC_OVERRIDE'
  | 'CAP_DAC_READ_SEARCH'
  | 'CAP_FOWNER'
  | 'CAP_FSETID'
  | 'CAP_MKNOD'
  | 'CAP_SYS_ADMIN'
  | 'CAP_SYS_CHROOT'
  | 'CAP_SYS_PTRACE'
  | 'CAP_LINUX_IMMUTABLE';

/** Options for building credentials. */
export interface CredOptions {
  uid?: number;
  gid?: number;
  /** Supplementary groups. */
  groups?: number[];
  /** The capabilities held; default: all when uid is 0, none otherwise. */
  capabilities?: Iterable<Capability>;
}

const ALL_CAPS: Capability[] = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER',
  'CAP_FSETID', 'CAP_MKNOD', 'CAP_SYS_ADMIN', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_LINUX_IMMUTABLE'];

/**
 * Immutable credentials.
 *
 * @example
 * const user = new Cred({ uid: 1000, gid: 1000, groups: [27] });
 */
export class Cred {
  readonly uid: number;
  readonly gid: number;
  readonly euid: number;
  readonly egid: number;
  readonly fsuid: number;
  readonly fsgid: number;
  readonly groups: readonly number[];
  private readonly caps: ReadonlySet<Capability>;

  constructor(options: CredOptions = {}) {
    this.uid = this.euid = this.fsuid = options.uid ?? 0;
    this.gid = this.egid = this.fsgid = options.gid ?? 0;
    this.groups = Object.freeze([...(options.groups ?? [])]);
    this.caps = new Set(options.capabilities ?? (this.euid === 0 ? ALL_CAPS : []));
  }

  /** True when the credentials hold a capability (capable(), ns_capable()). */
  capable(cap: Capability): boolean {
    return this.caps.has(cap);
  }

  /** True when `gid` is the fsgid or a supplementary group (in_group_p). */
  inGroup(gid: number): boolean {
    return gid === this.fsgid || this.groups.includes(gid);
  }

  /** The capabilities held. */
  capabilities(): Capability[] {
    return [...this.caps];
  }
}

/** Credentials of uid 0 with every capability. */
export const ROOT_CRED = new Cred();
