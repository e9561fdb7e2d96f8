// Node-specific: opens host directories and image files for composeRoot.
/**
 * The RootProviders of Node on Linux: a host directory is served by HostFs (read-only as a
 * layer or read-only bind), an image file is opened as EROFS, and copies come from node:fs.
 *
 * @example
 * import { composeRoot } from 'vroot';
 * import { nodeRootProviders } from 'vroot/node';
 * const root = composeRoot({ layers: [{ path: 'rootfs/' }], binds: [{ host: process.cwd(), guest: '/work' }] }, nodeRootProviders);
 */
import { mkdirSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { errno, errnoMessage } from '../abi/errno.js';
import { FileSource } from '../node/erofs/file_source.js';
import { Erofs } from '../fs/erofs/reader/erofs.js';
import { HostFs } from '../fs/hostfs/hostfs.js';
import { VfsError } from '../vfs/errors.js';
import type { FileSystem } from '../vfs/inode.js';
import { toByteString } from '../vfs/bytes.js';
import type { RootProviders } from './compose_root.js';
import { guestTree } from './guest_tree.js';
import { nodeHostTree } from './node_host_tree.js';
import { copyTree } from './tree_copy.js';

function errorText(e: unknown): string {
  if (e instanceof VfsError) return errnoMessage(e.errno);
  const code = (e as { code?: string }).code;
  if (code !== undefined && code in errno) return errnoMessage(errno[code as keyof typeof errno]);
  return e instanceof Error ? e.message : String(e);
}

function hostKind(path: string): 'dir' | 'file' {
  const st = statSync(path);
  if (st.isDirectory()) return 'dir';
  if (st.isFile() || st.isBlockDevice()) return 'file';
  throw new Error(`'${path}' is neither a directory nor an image file`);
}

/** Opens an EROFS image file (read lazily, through a bounded block cache). */
function openImage(path: string, casefold: boolean): FileSystem {
  return Erofs.open(FileSource.open(path), { name: path, casefold });
}

/** RootProviders for Node on Linux (HostFs needs its native addon; see README). */
export const nodeRootProviders: RootProviders = {
  openLayer(layer, casefold = false) {
    const path = 'path' in layer ? layer.path : 'image' in layer ? layer.image : layer.dir;
    const kind = 'image' in layer ? 'file' : 'dir' in layer ? 'dir' : hostKind(path);
    return kind === 'dir' ? new HostFs(resolve(path), { readOnly: true, casefold }) : openImage(path, casefold);
  },
  openUpper(dir, casefold = false) {
    mkdirSync(dir, { recursive: true });
    return new HostFs(resolve(dir), { casefold });
  },
  openBind(host, readOnly, casefold = false) {
    const path = resolve(host);
    if (statSync(path).isDirectory()) return { fs: new HostFs(path, { readOnly, casefold }), name: null };
    return { fs: new HostFs(dirname(path), { readOnly }), name: basename(path) };
  },
  copyIn(p, host, guest) {
    const problems: string[] = [];
    const ok = copyTree(nodeHostTree, toByteString(host), guestTree(p), toByteString(guest), {
      recursive: true, preserve: true, followTop: false, report: (m) => problems.push(m),
    }, errorText);
    if (!ok) throw new Error(problems.join('; '));
  },
};
