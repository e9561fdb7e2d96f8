// Node-specific: runs on the terminal.
/**
 * `vroot cat`: print files of a composed root, with the shell's `cat` (see shell/cat.ts) and the root options.
 */
import { toolCommand } from './_root_options.js';
import { cat } from './shell/cat.js';

export const catCommand = toolCommand('cat', 'print files of a composed root', cat);
