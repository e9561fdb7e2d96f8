// Node-specific: runs on the terminal.
/**
 * `vroot ls`: list directory contents of a composed root, with the shell's `ls` (see shell/ls.ts) and the root options.
 */
import { toolCommand } from './_root_options.js';
import { ls } from './shell/ls.js';

export const lsCommand = toolCommand('ls', 'list directory contents of a composed root', ls);
