// This module is browser compatible.
/**
 * Tab completion for the shell: the first word of a command completes to a builtin name, any
 * other word to guest paths, listed through the guest process (so completion sees exactly what
 * the commands will). Directories complete with a trailing `/`, a unique file with a space;
 * names with characters the shell would split on are completed with backslashes.
 */
import { byteStringToUtf8, toByteString } from '../../vfs/bytes.js';
import { listNames } from '../../compose/guest_tree.js';
import { statOrNull } from './_guest.js';
import type { Shell } from './shell.js';

/** Characters a completed name must escape to stay one word. */
const SPECIAL = /[\s'"\\$;&|<>*?[\]#~()`!{}]/g;

function escapeWord(text: string): string {
  return text.replace(SPECIAL, (c) => `\\${c}`);
}

/** The word being typed at the end of `line` (unquoted as the parser would), and where it starts. */
function currentWord(line: string): { word: string; start: number; first: boolean } {
  let start = 0;
  let word = '';
  let quote: string | null = null;
  let commandStart = true;
  let sawWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== null) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
    } else if (c === ' ' || c === '\t' || c === ';' || c === '&' || c === '|' || c === '>') {
      if (word !== '' || (i > 0 && (line[i - 1] === "'" || line[i - 1] === '"'))) sawWord = true;
      if (c === ';' || c === '&' || c === '|') {
        commandStart = true;
        sawWord = false;
      } else if (sawWord) {
        commandStart = false;
      }
      word = '';
      start = i + 1;
    } else {
      word += c;
    }
  }
  return { word, start, first: commandStart && !sawWord };
}

/**
 * Completions for `line` (the text before the cursor) in readline's form: the candidates, and
 * the text they replace.
 */
export function complete(shell: Shell, line: string): [string[], string] {
  const { word, start, first } = currentWord(line);
  const typed = line.slice(start);
  if (first && !word.includes('/')) {
    const hits = shell.commandNames().filter((n) => n.startsWith(word));
    return [hits.length === 1 ? [hits[0]! + ' '] : hits, typed];
  }
  const slash = word.lastIndexOf('/');
  const dir = slash < 0 ? '' : word.slice(0, slash + 1);
  const prefix = word.slice(slash + 1);
  let names: string[];
  try {
    names = listNames(shell.p, toByteString(dir === '' ? '.' : dir)).map(byteStringToUtf8);
  } catch {
    return [[], typed];
  }
  const hits = names
    .filter((n) => n.startsWith(prefix) && (prefix.startsWith('.') || !n.startsWith('.')))
    .sort()
    .map((n) => {
      let isDir = false;
      try {
        const st = statOrNull(shell.p, toByteString(dir + n), true);
        isDir = st !== null && (st.mode & 0o170000) === 0o040000;
      } catch {
        // unreadable: completed as a file
      }
      return escapeWord(dir + n) + (isDir ? '/' : '');
    });
  if (hits.length === 1 && !hits[0]!.endsWith('/')) hits[0] += ' ';
  return [hits, typed];
}
