// Node-specific: the parts of vroot that use Node's APIs (package entry point `vroot/node`).
/**
 * vroot's Node-specific API: `createFs`, a node:fs-compatible facade over a vroot process (and
 * the classes and errors it returns), host directories (`HostFs`), Node stdio for WASI, and
 * EROFS images as host files (byte sources and sinks, host trees as writer input, extraction).
 *
 * @example
 * import { VirtualFileSystem, Tmpfs } from 'vroot';
 * import { createFs } from 'vroot/node';
 * const vfs = new VirtualFileSystem();
 * vfs.mount(new Tmpfs(), '/');
 * const fs = createFs(vfs.createProcess());
 * fs.writeFileSync('/hello.txt', 'hi');
 *
 * @example
 * import { Erofs, WasiHost } from 'vroot';
 * import { FileSource, HostFs, nodeStdio } from 'vroot/node';
 * const host = new WasiHost({ process: p, args: ['prog'], preopens: { '/': '/' }, ...nodeStdio() });
 * const fs = Erofs.open(FileSource.open('root.erofs'));
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
export { HostFs, type HostFsOptions } from '../fs/hostfs/hostfs.js';
export { HostMergedRootfs, hostMergedRootfs, type HostMergedRootfsOptions } from '../emu/rootfs/host_merged_rootfs.js';
export { nodeStdio, nodeStream } from '../wasi/node_stdio.js';
export { FileSource } from './erofs/file_source.js';
export { FileSink } from './erofs/file_sink.js';
export { HostTreeSource, type HostTreeOptions } from './erofs/host_tree.js';
export { extractErofs, type ExtractOptions, type ExtractResult } from './erofs/extract.js';
export { nodeRootProviders } from '../compose/node_providers.js';
