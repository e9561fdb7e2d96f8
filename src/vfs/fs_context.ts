// This module is browser compatible.
/**
 * A process's filesystem context (Linux `struct fs_struct`): root, working directory and umask.
 * Threads made with `clone({ fs: 'share' })` share one; `clone({ fs: 'copy' })` gives a thread its
 * own cwd and root (Darling's per-thread cwd).
 *
 * The context pins the dentries and mounts of its root and cwd so umount sees them as busy.
 */
import type { VirtualDentry } from './mount.js';

export class FsContext {
  private rootPath: VirtualDentry;
  private cwdPath: VirtualDentry;
  umask: number;

  constructor(root: VirtualDentry, cwd: VirtualDentry, umask: number) {
    this.rootPath = root;
    this.cwdPath = cwd;
    this.umask = umask;
    hold(root);
    hold(cwd);
  }

  get root(): VirtualDentry {
    return this.rootPath;
  }

  get cwd(): VirtualDentry {
    return this.cwdPath;
  }

  setRoot(path: VirtualDentry): void {
    hold(path);
    release(this.rootPath);
    this.rootPath = path;
  }

  setCwd(path: VirtualDentry): void {
    hold(path);
    release(this.cwdPath);
    this.cwdPath = path;
  }

  /** A copy (fork, or clone without CLONE_FS). */
  copy(): FsContext {
    return new FsContext(this.rootPath, this.cwdPath, this.umask);
  }

  /** Drops the references (process exit). */
  release(): void {
    release(this.rootPath);
    release(this.cwdPath);
  }
}

function hold(p: VirtualDentry): void {
  p.mount.refs++;
  p.dentry.pins++;
}

function release(p: VirtualDentry): void {
  p.mount.refs--;
  p.dentry.pins--;
}
