// Node-specific: runs on the terminal.
/**
 * `vroot find`: search for files in a composed root, with the shell's `find` (see shell/find.ts) and the root options.
 */
import { toolCommand } from './_root_options.js';
import { find } from './shell/find.js';

export const findCommand = toolCommand('find', 'search for files in a composed root', find);
