// Node-specific: runs on the terminal.
/**
 * `vroot stat`: show the status of files in a composed root, with the shell's `stat` (see shell/stat.ts) and the root options.
 */
import { toolCommand } from './_root_options.js';
import { stat } from './shell/stat.js';

export const statCommand = toolCommand('stat', 'show the status of files in a composed root', stat);
