// This module is browser compatible.
/**
 * A bubblewrap command line as a tree that keeps every token as given: the options in order
 * (with the options read from `--args` descriptors nested under them), the `--` separator, the
 * command, and whatever bwrap never reads. Serializing an unchanged tree gives back the same
 * bytes.
 */
import type { ByteString } from '../../vfs/bytes.js';
import type { BwrapOptionSpec } from './bwrap_options.js';

/** One option and its arguments. */
export interface BwrapOption {
  readonly spec: BwrapOptionSpec;
  /** The arguments as given (byte strings). */
  readonly args: readonly ByteString[];
  /** For `--args FD`: the options the descriptor held, when the parser could read it. */
  readonly file?: BwrapArgsFile;
}

/** The NUL-separated arguments an `--args` descriptor held. */
export interface BwrapArgsFile {
  readonly options: readonly BwrapOption[];
  /** Tokens from where bwrap stopped reading the file (a `--` or a word that is no option), which it ignores. */
  readonly ignored: readonly ByteString[];
  /** The last token had no terminating NUL. */
  readonly unterminated: boolean;
}

/** A whole command line, without bwrap's own argv[0]. */
export interface BwrapCommandLine {
  readonly options: readonly BwrapOption[];
  /** A `--` came before the command. */
  readonly separator: boolean;
  /** The program to run in the sandbox and its arguments. */
  readonly command: readonly ByteString[];
  /** Tokens after `--help` or `--version`, where bwrap prints and exits. */
  readonly unread: readonly ByteString[];
  /** The warnings bwrap prints while parsing ("Only the last --chdir option will take effect"). */
  readonly warnings: readonly string[];
}

function optionTokens(options: readonly BwrapOption[]): ByteString[] {
  const out: ByteString[] = [];
  for (const o of options) out.push(o.spec.name, ...o.args);
  return out;
}

/**
 * The argument vector of a command line (without bwrap's argv[0]).
 *
 * @example
 * formatBwrapArgs(parseBwrapArgs(argv));  // the same tokens as argv
 */
export function formatBwrapArgs(cmd: BwrapCommandLine): ByteString[] {
  const out = optionTokens(cmd.options);
  out.push(...cmd.unread);
  if (cmd.separator) out.push('--');
  out.push(...cmd.command);
  return out;
}

/** The bytes of an `--args` file: each token NUL-terminated, the last one only if it was. */
export function formatBwrapArgsFile(file: BwrapArgsFile): Uint8Array {
  const tokens = [...optionTokens(file.options), ...file.ignored];
  let size = 0;
  for (const t of tokens) size += t.length + 1;
  if (file.unterminated && tokens.length > 0) size--;
  const out = new Uint8Array(size);
  let i = 0;
  for (const t of tokens) {
    for (let j = 0; j < t.length; j++) out[i++] = t.charCodeAt(j);
    if (i < size) out[i++] = 0;
  }
  return out;
}
