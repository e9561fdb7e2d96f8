// Node-specific: builds the demo root from the repository's example tree.
/**
 * The root `npm start` opens: an EROFS image of examples/demo-root built at start-up, an
 * in-memory upper layer over it, an empty /tmp, /proc, and the directory the shell was started
 * from bound read-only at /host. Owned as a distribution would own it: everything by root, /home/guest by guest.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW } from '../../abi/constants.js';
import { guestTree } from '../../compose/guest_tree.js';
import { nodeHostTree } from '../../compose/node_host_tree.js';
import type { RootSpec } from '../../compose/root_spec.js';
import { copyTree } from '../../compose/tree_copy.js';
import { Erofs } from '../../fs/erofs/reader/erofs.js';
import { MemorySink } from '../../fs/erofs/writer/byte_sink.js';
import { ProcessTreeSource } from '../../fs/erofs/writer/tree_source.js';
import { writeErofs } from '../../fs/erofs/writer/writer.js';
import { Tmpfs } from '../../fs/tmpfs/tmpfs.js';
import { HostFs } from '../../fs/hostfs/hostfs.js';
import { toByteString } from '../../vfs/bytes.js';
import type { FileSystem } from '../../vfs/inode.js';
import type { Process } from '../../vfs/process.js';
import { VirtualFileSystem } from '../../vfs/virtual_filesystem.js';
import { errorText } from './_strerror.js';

/** The example tree, from dist/src/cli/shell/ or src/cli/shell/. */
export function exampleTree(): string {
  for (const rel of ['../../../../examples/demo-root', '../../../examples/demo-root']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('the example tree examples/demo-root is missing');
}

/** Gives everything to root, and /home/guest to guest (uid and gid 1000). */
function setOwners(p: Process, path: string, uid: number, gid: number): void {
  const tree = guestTree(p);
  p.fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
  const st = tree.lstat(toByteString(path));
  if (st?.kind !== 'dir') return;
  for (const name of tree.list(toByteString(path))) setOwners(p, path === '/' ? `/${name}` : `${path}/${name}`, uid, gid);
}

/**
 * The example tree as an EROFS image built in memory: copied into a scratch tmpfs (to give it
 * its owners), then written with the EROFS writer and opened with the reader.
 */
function demoImage(): FileSystem {
  const fs = new Tmpfs({ mode: 0o755 });
  const vfs = new VirtualFileSystem();
  vfs.mount(fs, '/');
  const p = vfs.createProcess({ umask: 0 });
  try {
    const problems: string[] = [];
    copyTree(nodeHostTree, toByteString(exampleTree()), guestTree(p), '/', {
      recursive: true, preserve: true, followTop: false, report: (m) => problems.push(m),
    }, errorText);
    if (problems.length > 0) throw new Error(`building the demo image: ${problems.join('; ')}`);
    setOwners(p, '/', 0, 0);
    setOwners(p, '/home/guest', 1000, 1000);
    const sink = new MemorySink();
    writeErofs(new ProcessTreeSource(p, '/'), sink, { volumeName: 'vroot-demo' });
    return Erofs.open(sink.bytes(), { name: 'demo-root.erofs' });
  } finally {
    p.exit();
  }
}

/** The demo root's spec, and notes on what it could not include. */
export function demoRootSpec(hostDir: string): { spec: RootSpec; notes: string[] } {
  const notes: string[] = [];
  const binds = [];
  try {
    // HostFs needs its native addon (Linux): without it the demo runs without /host.
    new HostFs(hostDir, { readOnly: true }).close();
    binds.push({ host: hostDir, guest: '/host', readOnly: true });
  } catch (e) {
    notes.push(`/host is left out: ${e instanceof Error ? e.message : String(e)}`);
  }
  return {
    spec: { layers: [{ fs: demoImage() }], binds, tmpfs: [{ guest: '/tmp' }], proc: true },
    notes,
  };
}
