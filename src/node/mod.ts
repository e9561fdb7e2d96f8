// Node-specific: the `vroot/node` entry point (APIs that need Node's Buffer, streams or fs).
/**
 * vroot's Node.js-only API: `createFs`, a node:fs-compatible facade over a vroot process, and
 * the classes and errors it returns.
 *
 * @example
 * import { VirtualFileSystem, Tmpfs } from 'vroot';
 * import { createFs } from 'vroot/node';
 * const vfs = new VirtualFileSystem();
 * vfs.mount(new Tmpfs(), '/');
 * const fs = createFs(vfs.createProcess());
 * fs.writeFileSync('/hello.txt', 'hi');
 */
export { createFs, type VrootFs } from './create_fs.js';
export { NodeFs, SYNC_CALLS, syncApi, type SyncApi, type StatOptions, type RmOptions } from './node_fs.js';
export { Stats, BigIntStats, StatFs } from './stats.js';
export { Dirent } from './dirent.js';
export { Dir } from './dir.js';
export { FileHandle } from './file_handle.js';
export { fsConstants } from './constants.js';
export { uvError, nodeError, uvErrorName, type NodeSystemError } from './errors.js';
export type { CpOptions } from './_copy.js';
