// This module is browser compatible.
/**
 * The shell's command language, a small subset of POSIX sh: words separated by blanks, '...'
 * and "..." quoting and backslash escapes, `$?`, `$NAME` and `${NAME}` (also inside "..."), `~`
 * at the start of a word, `#` comments, commands joined by `;`, newlines, `&&` and `||`, and the
 * redirections `>`, `>>`, `2>`, `2>>` and `2>&1` into guest files. Unquoted `*`, `?` and `[` make
 * a word a pattern for filename expansion. Pipes, background jobs and input redirection are
 * refused with a message rather than misread.
 */
import { toByteString, type ByteString } from '../../vfs/bytes.js';

/** A word: its text, and, when it holds unquoted wildcards, the pattern to expand. */
export interface Word {
  text: ByteString;
  /** The text with quoted wildcard characters escaped by `\`, or null if nothing is to expand. */
  pattern: ByteString | null;
}

/** An output redirection: fd 1 or 2 into a guest file, or fd 2 to wherever fd 1 goes. */
export type Redirect = { fd: 1 | 2; path: Word; append: boolean } | { fd: 2; toStdout: true };

/** One command with its redirections, and its text (expanded again when it runs). */
export interface SimpleCommand {
  words: Word[];
  redirects: Redirect[];
  /** The command's text in the line: variables are expanded when the command runs, as in sh. */
  source: string;
}

/** Commands joined by && and ||, run left to right. */
export interface AndOrList {
  first: SimpleCommand;
  rest: { op: '&&' | '||'; command: SimpleCommand }[];
}

/** An error in the command text, worded as sh words it. */
export class ShellSyntaxError extends Error {
  override name = 'ShellSyntaxError';
}

type Token = ({ kind: 'word'; word: Word } | { kind: 'op'; op: ';' | '&&' | '||' | '>' | '>>' | '2>' | '2>>' | '2>&1' }) & {
  /** Where the token starts and ends in the line. */
  from: number;
  to: number;
};

const GLOB = new Set(['*', '?', '[']);

/** Splits a line into tokens, expanding variables with `lookup` and `~` to `home`. */
function tokenize(text: string, lookup: (name: string) => string | undefined, home: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let word = '';
  let pattern = '';
  let inWord = false;
  let wild = false;
  let wordStart = 0;
  const push = (s: string, quoted: boolean): void => {
    if (!inWord) wordStart = start;
    inWord = true;
    word += s;
    for (const ch of s) {
      if (quoted && (GLOB.has(ch) || ch === '\\')) pattern += '\\' + ch;
      else {
        if (!quoted && GLOB.has(ch)) wild = true;
        pattern += ch;
      }
    }
  };
  const end = (): void => {
    if (inWord) tokens.push({ kind: 'word', word: { text: toByteString(word), pattern: wild ? toByteString(pattern) : null }, from: wordStart, to: i });
    word = '';
    pattern = '';
    inWord = false;
    wild = false;
  };
  const variable = (): string => {
    // At text[i] === '$'.
    const rest = text.slice(i + 1);
    let m = /^\{([A-Za-z_][A-Za-z0-9_]*|\?)\}/.exec(rest) ?? /^([A-Za-z_][A-Za-z0-9_]*|\?)/.exec(rest);
    if (m === null) {
      i++;
      return '$';
    }
    i += 1 + m[0].length;
    return lookup(m[1]!) ?? '';
  };
  let start = 0;
  while (i < text.length) {
    const c = text[i]!;
    start = i;
    if (c === ' ' || c === '\t') {
      end();
      i++;
    } else if (c === '\n' || c === ';') {
      end();
      tokens.push({ kind: 'op', op: ';', from: i, to: i + 1 });
      i++;
    } else if (c === '#' && !inWord) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '&' || c === '|') {
      end();
      if (text[i + 1] === c) {
        tokens.push({ kind: 'op', op: c === '&' ? '&&' : '||', from: i, to: i + 2 });
        i += 2;
      } else {
        throw new ShellSyntaxError(c === '|' ? 'pipes are not supported' : 'background jobs are not supported');
      }
    } else if (c === '<') {
      throw new ShellSyntaxError('input redirection is not supported');
    } else if (c === '>' || (c === '2' && !inWord && text[i + 1] === '>')) {
      end();
      const s = text.slice(i);
      const op = s.startsWith('2>&1') ? '2>&1' : s.startsWith('2>>') ? '2>>' : s.startsWith('2>') ? '2>' : s.startsWith('>>') ? '>>' : '>';
      tokens.push({ kind: 'op', op, from: i, to: i + op.length });
      i += op.length;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `''");
      push(text.slice(i + 1, close), true);
      i = close + 1;
    } else if (c === '"') {
      i++;
      let s = '';
      for (;;) {
        if (i >= text.length) throw new ShellSyntaxError('unexpected EOF while looking for matching `"\'');
        const d = text[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== '\n') s += text[i + 1];
          i += 2;
        } else if (d === '$') {
          s += variable();
        } else {
          s += d;
          i++;
        }
      }
      push(s, true);
    } else if (c === '\\') {
      if (i + 1 < text.length && text[i + 1] !== '\n') push(text[i + 1]!, true);
      i += 2;
    } else if (c === '$') {
      // An unquoted expansion is not split into fields here: names with blanks stay one word.
      push(variable(), true);
    } else if (c === '~' && !inWord && (i + 1 === text.length || '/ \t;'.includes(text[i + 1]!))) {
      push(home, true);
      i++;
    } else {
      push(c, false);
      i++;
    }
  }
  end();
  return tokens;
}

/**
 * Parses a command line into lists run one after another.
 * Errors: ShellSyntaxError.
 *
 * @example
 * parseLine('mkdir -p /a && echo "made $?" > /a/log; ls /a', (n) => vars[n], '/root');
 */
export function parseLine(text: string, lookup: (name: string) => string | undefined, home = '/'): AndOrList[] {
  const tokens = tokenize(text, lookup, home);
  const lists: AndOrList[] = [];
  let current: AndOrList | null = null;
  const fresh = (): SimpleCommand & { from: number; to: number } => ({ words: [], redirects: [], source: '', from: -1, to: -1 });
  let command = fresh();
  const cover = (tok: Token): void => {
    if (command.from < 0) command.from = tok.from;
    command.to = tok.to;
  };
  let pendingOp: '&&' | '||' | null = null;
  const finish = (): void => {
    if (command.words.length === 0 && command.redirects.length === 0) {
      if (pendingOp !== null) throw new ShellSyntaxError(`syntax error near unexpected token \`${pendingOp}'`);
      return;
    }
    const done: SimpleCommand = { words: command.words, redirects: command.redirects, source: text.slice(command.from, command.to) };
    if (current === null) {
      current = { first: done, rest: [] };
      lists.push(current);
    } else if (pendingOp !== null) {
      current.rest.push({ op: pendingOp, command: done });
    }
    pendingOp = null;
    command = fresh();
  };
  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t]!;
    if (tok.kind === 'word') {
      command.words.push(tok.word);
      cover(tok);
      continue;
    }
    switch (tok.op) {
      case ';':
        finish();
        if (pendingOp !== null) throw new ShellSyntaxError("syntax error near unexpected token `;'");
        current = null;
        break;
      case '&&':
      case '||':
        if (command.words.length === 0 && command.redirects.length === 0) throw new ShellSyntaxError(`syntax error near unexpected token \`${tok.op}'`);
        finish();
        pendingOp = tok.op;
        break;
      case '2>&1':
        command.redirects.push({ fd: 2, toStdout: true });
        cover(tok);
        break;
      default: {
        const next = tokens[t + 1];
        if (next === undefined || next.kind !== 'word') throw new ShellSyntaxError(`syntax error near unexpected token \`${next === undefined ? 'newline' : next.op}'`);
        t++;
        command.redirects.push({ fd: tok.op.startsWith('2') ? 2 : 1, path: next.word, append: tok.op.endsWith('>>') });
        cover(tok);
        cover(next);
      }
    }
  }
  if (pendingOp !== null && command.words.length === 0) throw new ShellSyntaxError('syntax error: unexpected end of line');
  finish();
  return lists;
}

/**
 * Expands one command's text (its `source`) with the variables as they are now: the shell calls
 * this just before the command runs, so `false; echo $?` prints 1. Errors: ShellSyntaxError.
 */
export function expandCommand(source: string, lookup: (name: string) => string | undefined, home = '/'): SimpleCommand {
  const lists = parseLine(source, lookup, home);
  return lists[0]?.first ?? { words: [], redirects: [], source };
}
