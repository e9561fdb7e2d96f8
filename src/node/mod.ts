// Node-specific: the parts of vroot that use the host (package entry `vroot/node`).
/**
 * Node-only API: image files as byte sources and sinks, host directories as writer input, and
 * extraction of images to the host.
 *
 * @example
 * import { Erofs } from 'vroot';
 * import { FileSource } from 'vroot/node';
 * const fs = Erofs.open(FileSource.open('root.erofs'));
 */
export { FileSource } from '../fs/erofs/node/file_source.js';
export { FileSink } from '../fs/erofs/node/file_sink.js';
export { HostTreeSource, type HostTreeOptions } from '../fs/erofs/node/host_tree.js';
export { extractErofs, type ExtractOptions, type ExtractResult } from '../fs/erofs/node/extract.js';
