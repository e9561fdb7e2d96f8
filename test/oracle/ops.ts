/**
 * The operations of a differential case, shared by the kernel oracle (kernel_oracle.py) and the
 * vroot runner. Each op is [name, ...args]; paths are byte strings (one char per byte).
 */

export type Op =
  | ['become', number, number, number[]]
  | ['umask', number]
  | ['open', number, string, number, number]
  | ['openat2', number, string, number, number, number]
  | ['close', number]
  | ['read', number, number]
  | ['pread', number, number, number]
  | ['write', number, string]
  | ['pwrite', number, string, number]
  | ['lseek', number, number, number]
  | ['fstat', number]
  | ['fstatat', number, string, number]
  | ['mkdir', number, string, number]
  | ['mknod', number, string, number, number]
  | ['symlink', string, number, string]
  | ['readlink', number, string]
  | ['unlink', number, string, number]
  | ['rename', number, string, number, string, number]
  | ['link', number, string, number, string, number]
  | ['chmod', number, string, number, number]
  | ['fchmod', number, number]
  | ['chown', number, string, number, number, number]
  | ['utimens', number, string | null, [[number, number], [number, number]] | null, number]
  | ['truncate', string, number]
  | ['ftruncate', number, number]
  | ['fallocate', number, number, number, number]
  | ['access', number, string, number, number]
  | ['chdir', string]
  | ['fchdir', number]
  | ['getcwd']
  | ['chroot', string]
  | ['getdents', number, number]
  | ['dup', number]
  | ['dup3', number, number, number]
  | ['fcntl', number, number, number]
  | ['setxattr', string, string, string, number, boolean]
  | ['getxattr', string, string, boolean]
  | ['listxattr', string, boolean]
  | ['removexattr', string, string, boolean]
  | ['mount_tmpfs', string]
  | ['umount', string, number];

/** Normalized stat: identity label, raw fields, and time observations. */
export interface StatValue {
  id: string;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  blocks: number;
  rdev: number;
  times: (string | [number, number])[];
}

export type OpResult = ['ok', unknown] | ['err', string];
