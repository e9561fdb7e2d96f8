// Node-specific: runs on the terminal.
/**
 * `vroot tree`: draw directory trees of a composed root, with the shell's `tree` (see shell/tree.ts) and the root options.
 */
import { toolCommand } from './_root_options.js';
import { tree } from './shell/tree.js';

export const treeCommand = toolCommand('tree', 'draw directory trees of a composed root', tree);
