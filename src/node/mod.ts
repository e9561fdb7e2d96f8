// Node-specific: the parts of vroot that use Node's APIs (package entry point `vroot/node`).
/**
 * vroot's Node-specific API: host directories, stdio, and EROFS images as host files (byte
 * sources and sinks, host trees as writer input, extraction to the host).
 *
 * @example
 * import { Erofs, WasiHost } from 'vroot';
 * import { FileSource, HostFs, nodeStdio } from 'vroot/node';
 * const host = new WasiHost({ process: p, args: ['prog'], preopens: { '/': '/' }, ...nodeStdio() });
 * const fs = Erofs.open(FileSource.open('root.erofs'));
 */
export { HostFs, type HostFsOptions } from '../fs/hostfs/hostfs.js';
export { nodeStdio, nodeStream } from '../wasi/node_stdio.js';
export { FileSource } from '../fs/erofs/node/file_source.js';
export { FileSink } from '../fs/erofs/node/file_sink.js';
export { HostTreeSource, type HostTreeOptions } from '../fs/erofs/node/host_tree.js';
export { extractErofs, type ExtractOptions, type ExtractResult } from '../fs/erofs/node/extract.js';
