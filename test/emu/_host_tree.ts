// Node-specific: copies a host directory tree into a vroot process, keeping modes, owners and
// symlinks, so a differential test can look at the same files through the kernel and vroot.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_CREAT, O_WRONLY, type Process,
} from '../../src/mod.js';

/** Copies the contents of host directory `from` into the existing vroot directory `to`. */
export function copyHostTree(p: Process, from: string, to: string, skip: (name: string) => boolean = () => false): void {
  for (const name of readdirSync(from)) {
    if (skip(name)) continue;
    const src = join(from, name);
    const dst = to === '/' ? `/${name}` : `${to}/${name}`;
    const st = lstatSync(src);
    if (st.isSymbolicLink()) {
      p.symlinkat(readlinkSync(src, { encoding: 'buffer' }), AT_FDCWD, dst);
      p.fchownat(AT_FDCWD, dst, st.uid, st.gid, AT_SYMLINK_NOFOLLOW);
      continue;
    }
    if (st.isDirectory()) {
      p.mkdirat(AT_FDCWD, dst, 0o700);
      copyHostTree(p, src, dst);
    } else if (st.isFile()) {
      const fd = p.openat(AT_FDCWD, dst, O_CREAT | O_WRONLY, 0o600);
      p.write(fd, readFileSync(src));
      p.close(fd);
    } else {
      continue;
    }
    p.fchownat(AT_FDCWD, dst, st.uid, st.gid);
    p.fchmodat(AT_FDCWD, dst, st.mode & 0o7777);
  }
}
