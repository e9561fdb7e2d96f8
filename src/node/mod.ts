// Node-specific: the parts of vroot that use Node's APIs (package entry point `vroot/node`).
/**
 * vroot's Node-specific API.
 *
 * @example
 * import { WasiHost } from 'vroot';
 * import { HostFs, nodeStdio } from 'vroot/node';
 * const host = new WasiHost({ process: p, args: ['prog'], preopens: { '/': '/' }, ...nodeStdio() });
 */
export { HostFs, type HostFsOptions } from '../fs/hostfs/hostfs.js';
export { nodeStdio, nodeStream } from '../wasi/node_stdio.js';
