// This module is browser compatible.
/**
 * A process for the embedder's own lookups in a namespace: root's credentials at the
 * namespace root, never entered in the process table, so no guest sees it in /proc and no
 * guest action (chroot, chdir, a change of credentials) moves it.
 */
import { Cred } from '../../vfs/cred.js';
import { FdTable } from '../../vfs/fd_table.js';
import { FsContext } from '../../vfs/fs_context.js';
import { Process } from '../../vfs/process.js';
import type { VirtualFileSystem } from '../../vfs/virtual_filesystem.js';

/** A process of `vfs` that is not in its process table, rooted at the namespace root. */
export function trustedProcess(vfs: VirtualFileSystem): Process {
  const root = vfs.root;
  return new Process(vfs, 0, 0, new Cred(), new FsContext(root, root, 0o022), new FdTable(vfs.options.maxFds));
}
