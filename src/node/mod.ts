// Node-specific: the parts of vroot that need Node.js (`import ... from 'vroot/node'`).
export { HostFs, type HostFsOptions } from '../fs/hostfs/hostfs.js';
