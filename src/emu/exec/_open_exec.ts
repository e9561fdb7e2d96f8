// This module is browser compatible.
/**
 * The exec side of opening a file (fs/exec.c:do_open_execat with may_open's MAY_EXEC rules):
 * a path walk that follows symlinks, then the file must be a regular file on a mount without
 * noexec, with execute permission for the caller. Reading needs no read permission, as the
 * kernel reads the file itself.
 */
import { AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW, O_RDONLY, S_IFLNK, S_IFMT, S_IFREG } from '../../abi/constants.js';
import type { ByteString } from '../../vfs/bytes.js';
import { vfsError } from '../../vfs/errors.js';
import type { VirtualDentry } from '../../vfs/mount.js';
import { LOOKUP_FOLLOW } from '../../vfs/path_walk.js';
import { MAY_EXEC } from '../../vfs/permissions.js';
import type { Process } from '../../vfs/process.js';
import type { ByteSource } from './byte_source.js';

/** A file opened for exec: where it is, and its bytes until `close`. */
export interface ExecFile {
  readonly path: VirtualDentry;
  readonly source: ByteSource;
  close(): void;
}

/**
 * Opens `path` for execution. `flags` may hold AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH. An empty
 * `path` with `emptyIsCwd` names the directory walked from, as the kernel's open_exec does for an
 * empty interpreter name (it never passes through getname's empty-path check).
 * Errors, in Linux's order: those of the walk (ENOENT, ENOTDIR, ELOOP, EACCES, ENAMETOOLONG,
 * EBADF), ELOOP (a final symlink not followed), EACCES (not a regular file, noexec mount, no
 * execute permission).
 */
export function openExec(p: Process, dirfd: number, path: ByteString, flags: number, emptyIsCwd = false): ExecFile {
  const atFlags = flags & AT_EMPTY_PATH || (emptyIsCwd && path.length === 0) ? AT_EMPTY_PATH : 0;
  const at = p.lookupPath(dirfd, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW, atFlags);
  const inode = at.dentry.inode;
  const st = p.statOf(at.mount, inode);
  switch (st.mode & S_IFMT) {
    case S_IFLNK:
      throw vfsError('ELOOP');
    case S_IFREG:
      if (at.mount.noexec) throw vfsError('EACCES', 'mounted noexec');
      break;
    default:
      // Directories, devices, fifos and sockets: may_open refuses MAY_EXEC.
      throw vfsError('EACCES');
  }
  p.inodePermission(inode, MAY_EXEC);
  const handle = inode.open(O_RDONLY);
  const size = st.size;
  return {
    path: at,
    source: { size, pread: (buf, position) => handle.read(buf, 0, buf.length, position) },
    close: () => handle.release(),
  };
}
