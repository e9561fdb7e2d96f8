// This module is browser compatible.
/**
 * What procfs asks about the tasks it shows (Linux fs/proc/base.c and kernel/ptrace.c).
 */
import type { ByteString } from '../../vfs/bytes.js';
import type { WalkContext } from '../../vfs/path_walk.js';
import type { Process } from '../../vfs/process.js';

/** True while `task` is in its VFS's process table (Linux get_proc_task succeeds). */
export function taskAlive(task: Process): boolean {
  return task.vfs.process(task.pid) === task;
}

/** True when `ctx` is a live task of the same thread group as `task` (same_thread_group). */
export function sameThreadGroup(ctx: WalkContext, task: Process): boolean {
  return ctx.tgid === task.tgid && task.vfs.process(ctx.pid) === ctx;
}

/**
 * Linux ptrace_may_access(task, PTRACE_MODE_READ_FSCREDS), as /proc/<pid>/{fd/N,cwd,root,exe}
 * and fdinfo ask it: the same thread group, or a caller whose fsuid and fsgid equal the task's
 * real, effective and saved ids, or CAP_SYS_PTRACE. vroot tasks are always dumpable (no
 * set-user-ID execution), so the dumpable check never refuses.
 */
export function ptraceMayRead(ctx: WalkContext, task: Process): boolean {
  if (sameThreadGroup(ctx, task)) return true;
  const c = ctx.cred;
  const t = task.cred;
  if (c.fsuid === t.uid && c.fsuid === t.euid && c.fsgid === t.gid && c.fsgid === t.egid) return true;
  return c.capable('CAP_SYS_PTRACE');
}

/**
 * Linux name_to_int: a decimal number without leading zeros that fits in 32 bits, or -1 for
 * any other name (which then names no pid and no descriptor).
 */
export function nameToInt(name: ByteString): number {
  if (name.length === 0 || (name.length > 1 && name.charCodeAt(0) === 48)) return -1;
  let n = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    if (n >= Math.floor((0xffffffff - 9) / 10)) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** The live tasks of `task`'s thread group, by tid (the leader, whose tid is smallest, first). */
export function threadsOf(task: Process): Process[] {
  return task.vfs.allProcesses().filter((p) => p.tgid === task.tgid).sort((a, b) => a.pid - b.pid);
}
