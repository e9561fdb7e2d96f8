// Node-specific: the parts of vroot that use Node's APIs (package entry point `vroot/node`).
/**
 * vroot's Node-specific API.
 *
 * @example
 * import { WasiHost } from 'vroot';
 * import { nodeStdio } from 'vroot/node';
 * const host = new WasiHost({ process: p, args: ['prog'], preopens: { '/': '/' }, ...nodeStdio() });
 */
export { nodeStdio, nodeStream } from '../wasi/node_stdio.js';
