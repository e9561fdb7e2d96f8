// This module is browser compatible.
/**
 * /proc/<pid>/status (Linux fs/proc/array.c: proc_pid_status, task_state, task_sig, task_cap),
 * with the fields a vroot process has: name, umask, state, ids, credentials, descriptor table
 * size, groups, thread count and capabilities. Memory (Vm*), signal masks, seccomp, CPU and
 * context-switch lines describe a real task vroot does not have and are left out, as Linux
 * leaves the memory lines out for tasks without an mm; NSpgid and NSsid are left out because
 * vroot has no process groups or sessions.
 */
import type { ByteString } from '../../vfs/bytes.js';
import type { Capability } from '../../vfs/cred.js';
import type { WalkContext } from '../../vfs/path_walk.js';
import type { Process } from '../../vfs/process.js';
import { threadsOf } from './_task.js';

/** Capability numbers (include/uapi/linux/capability.h) of those vroot knows. */
const CAP_BITS: Record<Capability, number> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_ADMIN: 21,
  CAP_MKNOD: 27,
};

/** A capability set as render_cap_t prints it: 16 hex digits. */
function capText(caps: Iterable<Capability>): string {
  let bits = 0n;
  for (const c of caps) bits |= 1n << BigInt(CAP_BITS[c]);
  return bits.toString(16).padStart(16, '0');
}

/**
 * Linux's fdtable size (FDSize): 64 slots until a descriptor needs more, then grown as
 * expand_fdtable does (a power of two of 128-slot blocks). vroot tables never shrink either,
 * but the size is computed from the highest open descriptor.
 */
function fdTableSize(task: Process): number {
  const fds = task.files.fds();
  const highest = fds.length === 0 ? 0 : fds[fds.length - 1]!;
  if (highest < 64) return 64;
  let blocks = 1;
  while (blocks <= Math.floor(highest / 128)) blocks *= 2;
  return blocks * 128;
}

/** Linux proc_task_name with escaping: only newline and backslash are escaped. */
function escapeName(comm: ByteString): ByteString {
  return comm.replace(/[\n\\]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** The text of /proc/<pid>/status for `task`, as `reader` sees it. */
export function showStatus(task: Process, reader: WalkContext): ByteString {
  const c = task.cred;
  const umask = task.fsContext.umask.toString(8).padStart(4, '0');
  // A vroot task runs only inside its own calls: the reader is running, every other task waits.
  const state = reader.pid === task.pid && task.vfs.process(reader.pid) === reader ? 'R (running)' : 'S (sleeping)';
  // set_groups keeps the supplementary groups sorted (groups_sort).
  const groups = [...c.groups].sort((a, b) => a - b).map((g) => `${g} `).join('');
  const all = c.capabilities();
  return `Name:\t${escapeName(task.comm)}\n` +
    `Umask:\t${umask}\n` +
    `State:\t${state}\n` +
    `Tgid:\t${task.tgid}\n` +
    'Ngid:\t0\n' +
    `Pid:\t${task.pid}\n` +
    `PPid:\t${task.ppid}\n` +
    'TracerPid:\t0\n' +
    `Uid:\t${c.uid}\t${c.euid}\t${c.euid}\t${c.fsuid}\n` +
    `Gid:\t${c.gid}\t${c.egid}\t${c.egid}\t${c.fsgid}\n` +
    `FDSize:\t${fdTableSize(task)}\n` +
    `Groups:\t${groups === '' ? ' ' : groups}\n` +
    `NStgid:\t${task.tgid}\n` +
    `NSpid:\t${task.pid}\n` +
    'Kthread:\t0\n' +
    `Threads:\t${threadsOf(task).length}\n` +
    `CapInh:\t${capText([])}\n` +
    `CapPrm:\t${capText(all)}\n` +
    `CapEff:\t${capText(all)}\n` +
    `CapBnd:\t${capText(Object.keys(CAP_BITS) as Capability[])}\n` +
    `CapAmb:\t${capText([])}\n`;
}
