// This module is browser compatible.
/**
 * pipefs: the filesystem that holds anonymous pipes (Linux fs/pipe.c: pipe_mnt,
 * get_pipe_inode, create_pipe_files). It is never attached to a namespace: its objects are
 * reachable only through the descriptors `pipe2` returns and through /proc/<pid>/fd, where
 * they are named `pipe:[ino]` (pipefs_dname) rather than by a path.
 */
import { S_IFDIR, S_IFIFO } from '../abi/constants.js';
import type { ByteString } from './bytes.js';
import type { Clock } from './clock.js';
import type { Cred } from './cred.js';
import { Dentry, rootDentryOf } from './dentry.js';
import { FileSystem, Inode } from './inode.js';
import { Mount } from './mount.js';
import type { StatFs } from './stat.js';

/** PIPEFS_MAGIC from include/uapi/linux/magic.h. */
const PIPEFS_MAGIC = 0x50495045;

class PipeFsInode extends Inode {
  readonly fs: PipeFs;

  constructor(fs: PipeFs) {
    super();
    this.fs = fs;
  }
}

/** The pipefs of one VirtualFileSystem, with its internal mount (Linux's kern_mount'ed pipe_mnt). */
export class PipeFs extends FileSystem {
  readonly type = 'pipefs';
  readonly root: Inode;
  /** The mount every pipe's open files refer to; it has no parent and no mount point. */
  readonly mount: Mount;
  private nextIno = 1;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    super();
    this.clock = clock;
    // init_pseudo: the root of a pseudo filesystem is a directory only its owner may use.
    this.root = this.newInode(S_IFDIR | 0o600, 0, 0);
    this.mount = new Mount(this, rootDentryOf(this), null, null, 0);
  }

  statfs(): StatFs {
    return {
      type: PIPEFS_MAGIC, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0,
      fsid: [0, 0], namelen: 255, frsize: 4096, flags: 0,
    };
  }

  /** Linux pipefs_dname: what /proc/<pid>/fd/N reads for a pipe. */
  override dname(inode: Inode): ByteString {
    return `pipe:[${inode.ino}]`;
  }

  /**
   * A new pipe (get_pipe_inode and alloc_file_pseudo): a fifo inode with mode 0600 owned by
   * the caller's fsuid and fsgid, under an unnamed dentry that is its own parent, as both ends
   * share one.
   */
  newPipe(cred: Cred): Dentry {
    return new Dentry('', null, this.newInode(S_IFIFO | 0o600, cred.fsuid, cred.fsgid));
  }

  private newInode(mode: number, uid: number, gid: number): Inode {
    const inode = new PipeFsInode(this);
    inode.ino = this.nextIno++;
    inode.mode = mode;
    inode.uid = uid;
    inode.gid = gid;
    const now = this.clock();
    inode.atimeSec = inode.mtimeSec = inode.ctimeSec = now.sec;
    inode.atimeNsec = inode.mtimeNsec = inode.ctimeNsec = now.nsec;
    return inode;
  }
}
