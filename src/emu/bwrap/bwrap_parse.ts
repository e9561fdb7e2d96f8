// This module is browser compatible.
/**
 * Parses a bubblewrap command line exactly as bwrap's parse_args_recurse does: the same options
 * and argument counts, the same checks of numbers (strtol/strtoul as glibc reads them), the
 * `--perms` and `--size` modifiers that must be taken by the next option, `--args` descriptors
 * read recursively, the `--` separator, the 9000-argument limit, and the same error and warning
 * texts, so a command line bwrap rejects is rejected here with bwrap's message.
 */
import { toByteString, type ByteString, type PathLike } from '../../vfs/bytes.js';
import { VfsError } from '../../vfs/errors.js';
import { errno } from '../../abi/errno.js';
import { isCDigit, strtol, strtoul, toCInt } from './_c_numbers.js';
import { capabilityFromName } from './capabilities.js';
import type { BwrapArgsFile, BwrapCommandLine, BwrapOption } from './bwrap_command_line.js';
import { bwrapOption, type BwrapOptionSpec } from './bwrap_options.js';

/** bwrap's limit on arguments, command line and `--args` files together (MAX_ARGS). */
export const BWRAP_MAX_ARGS = 9000;
/** The largest --size bwrap accepts (MAX_TMPFS_BYTES = SIZE_MAX >> 1). */
const MAX_TMPFS_BYTES = (1n << 63n) - 1n;

/** A command line bwrap would refuse: `bwrapMessage` is what bwrap prints after "bwrap: ". */
export class BwrapSyntaxError extends VfsError {
  readonly bwrapMessage: string;
  /** Warnings bwrap printed before the error. */
  readonly warnings: readonly string[];

  constructor(message: string, warnings: readonly string[]) {
    super(errno.EINVAL, undefined, undefined, `bwrap: ${message}`);
    this.name = 'BwrapSyntaxError';
    this.bwrapMessage = message;
    this.warnings = warnings;
  }
}

/** Options of `parseBwrapArgs`. */
export interface BwrapParseOptions {
  /**
   * Reads the descriptor an `--args FD` names, or returns null when it cannot. Without a reader
   * `--args` options are kept unparsed (their contents cannot be classified or rewritten).
   */
  readonly readFd?: (fd: number) => Uint8Array | null;
  /** The options to accept (e.g. from `parseBwrapHelp` of the installed bwrap); default all. */
  readonly accept?: Iterable<string>;
}

interface State {
  readonly accept: ReadonlySet<string> | null;
  readonly readFd: ((fd: number) => Uint8Array | null) | undefined;
  readonly warnings: string[];
  perms: number;
  size: bigint;
  overlaySources: number;
  total: number;
  /** lastWins options seen, for bwrap's "Only the last ..." warning. */
  readonly seen: Set<string>;
  seccompPrograms: boolean;
  argv0: boolean;
}

interface Parsed {
  options: BwrapOption[];
  /** Index of the first token not parsed. */
  stop: number;
  how: 'end' | 'separator' | 'word' | 'exit';
}

/**
 * Parses bwrap's arguments (without its argv[0]). Errors: BwrapSyntaxError (EINVAL) with bwrap's
 * message for anything bwrap's parser rejects.
 *
 * @example
 * const cmd = parseBwrapArgs(['--ro-bind', '/usr', '/usr', '--', '/bin/sh']);
 * cmd.options[0].args;  // ['/usr', '/usr']
 */
export function parseBwrapArgs(argv: readonly PathLike[], options: BwrapParseOptions = {}): BwrapCommandLine {
  const tokens = argv.map(toByteString);
  const state: State = {
    accept: options.accept === undefined ? null : new Set(options.accept), readFd: options.readFd, warnings: [],
    perms: -1, size: 0n, overlaySources: 0, total: tokens.length, seen: new Set(), seccompPrograms: false, argv0: false,
  };
  if (state.total > BWRAP_MAX_ARGS) fail(state, `Exceeded maximum number of arguments ${BWRAP_MAX_ARGS}`);
  const r = parseTokens(tokens, false, state);
  const rest = tokens.slice(r.stop);
  const base = { options: r.options, warnings: state.warnings };
  if (r.how === 'exit') return { ...base, separator: false, command: [], unread: rest };
  if (r.how === 'separator') return { ...base, separator: true, command: rest.slice(1), unread: [] };
  return { ...base, separator: false, command: rest, unread: [] };
}

function fail(state: State, message: string): never {
  throw new BwrapSyntaxError(message, [...state.warnings]);
}

function known(state: State, name: string): BwrapOptionSpec | undefined {
  const spec = bwrapOption(name);
  if (spec === undefined || (state.accept !== null && !state.accept.has(name))) return undefined;
  return spec;
}

/** The "X takes ..." text for a missing argument, as bwrap words it per option. */
function missingArguments(spec: BwrapOptionSpec): string {
  switch (spec.name) {
    case '--chdir': case '--remount-ro': case '--argv0': return `${spec.name} takes one argument`;
    case '--ro-bind-fd': return '--bind-fd takes two arguments';
  }
  const n = spec.args.length;
  return `${spec.name} takes ${n === 1 ? 'an argument' : n === 2 ? 'two arguments' : 'three arguments'}`;
}

/** bwrap's fd check: strtol base 10, the whole text, an int that is not negative. */
function parseFd(state: State, text: ByteString, what = 'fd'): number {
  const n = strtol(text, 10);
  const v = toCInt(n.value);
  if (text.length === 0 || n.end !== text.length || v < 0) fail(state, `Invalid ${what}: ${text}`);
  return v;
}

/** bwrap's octal check for --perms and --chmod: strtoul base 8, the whole text, at most 07777. */
function parseOctal(state: State, text: ByteString, message: string): number {
  const n = strtoul(text, 8);
  if (text.length === 0 || n.end !== text.length || n.value > 0o7777n) fail(state, message);
  return Number(n.value);
}

function parseTokens(tokens: readonly ByteString[], inFile: boolean, state: State): Parsed {
  const options: BwrapOption[] = [];
  let i = 0;
  while (i < tokens.length) {
    const arg = tokens[i]!;
    const remaining = tokens.length - i;
    const spec = known(state, arg);
    if (arg === '--') return { options, stop: i, how: 'separator' };
    if (spec === undefined) {
      if (arg.charCodeAt(0) === 45) fail(state, `Unknown option ${arg}`);
      return { options, stop: i, how: 'word' };
    }
    if (spec.exits) {
      options.push({ spec, args: [] });
      return { options, stop: i + 1, how: 'exit' };
    }
    const need = spec.args.length;
    const args = (): ByteString[] => tokens.slice(i + 1, i + 1 + need);
    let file: BwrapArgsFile | undefined;
    switch (spec.name) {
      case '--args': {
        if (inFile) fail(state, '--args not supported in arguments file');
        if (remaining < 2) fail(state, missingArguments(spec));
        const fd = parseFd(state, tokens[i + 1]!);
        if (state.readFd !== undefined) {
          const data = state.readFd(fd);
          if (data === null) fail(state, "Can't read --args data");
          const r = parseArgsFile(data, state);
          file = r.file;
          if (r.exit) {
            options.push({ spec, args: args(), file });
            return { options, stop: i + 2, how: 'exit' };
          }
        }
        break;
      }
      case '--seccomp':
        if (remaining < 2) fail(state, missingArguments(spec));
        if (state.seccompPrograms) fail(state, '--seccomp cannot be combined with --add-seccomp-fd');
        warnIfRepeated(state, spec);
        parseFd(state, tokens[i + 1]!);
        break;
      case '--add-seccomp-fd':
        if (remaining < 2) fail(state, missingArguments(spec));
        if (state.seen.has('--seccomp')) fail(state, '--add-seccomp-fd cannot be combined with --seccomp');
        parseFd(state, tokens[i + 1]!);
        state.seccompPrograms = true;
        break;
      case '--uid': case '--gid':
        if (remaining < 2) fail(state, missingArguments(spec));
        warnIfRepeated(state, spec);
        parseFd(state, tokens[i + 1]!, spec.name.slice(2));
        break;
      case '--cap-add': case '--cap-drop': {
        if (remaining < 2) fail(state, missingArguments(spec));
        const cap = tokens[i + 1]!;
        if (cap.toLowerCase() !== 'all' && capabilityFromName(cap) < 0) fail(state, `unknown cap: ${cap}`);
        break;
      }
      case '--perms':
        if (remaining < 2) fail(state, missingArguments(spec));
        if (state.perms !== -1) fail(state, '--perms given twice for the same action');
        state.perms = parseOctal(state, tokens[i + 1]!, '--perms takes an octal argument <= 07777');
        break;
      case '--size': {
        if (remaining < 2) fail(state, missingArguments(spec));
        if (state.size !== 0n) fail(state, '--size given twice for the same action');
        const text = tokens[i + 1]!;
        const n = strtoul(text, 0);
        // isdigit on the first byte also refuses leading blanks and signs, which strtoull allows.
        const digitFirst = text.length > 0 && isCDigit(text.charCodeAt(0));
        if (n.overflow || !digitFirst || n.end !== text.length || n.value === 0n) {
          fail(state, '--size takes a non-zero number of bytes');
        }
        if (n.value > MAX_TMPFS_BYTES) fail(state, `--size (for tmpfs) is limited to ${MAX_TMPFS_BYTES}`);
        state.size = n.value;
        break;
      }
      case '--chmod':
        if (remaining < 3) fail(state, missingArguments(spec));
        parseOctal(state, tokens[i + 1]!, '--chmod takes an octal argument <= 07777');
        break;
      case '--argv0':
        if (remaining < 2) fail(state, missingArguments(spec));
        if (state.argv0) fail(state, '--argv0 used multiple times');
        state.argv0 = true;
        break;
      case '--overlay-src':
        if (remaining < 2) fail(state, missingArguments(spec));
        state.overlaySources++;
        break;
      case '--overlay': case '--tmp-overlay': case '--ro-overlay': {
        if (remaining < need + 1) fail(state, missingArguments(spec));
        const min = spec.name === '--ro-overlay' ? 2 : 1;
        if (state.overlaySources < min) {
          fail(state, `${spec.name} requires at least ${min === 2 ? 'two' : 'one'} --overlay-src`);
        }
        state.overlaySources = 0;
        break;
      }
      default:
        if (remaining < need + 1) fail(state, missingArguments(spec));
        if (spec.lastWins) warnIfRepeated(state, spec);
        for (let k = 0; k < need; k++) if (spec.args[k] === 'fd') parseFd(state, tokens[i + 1 + k]!);
        if (spec.takesPerms) state.perms = -1;
        if (spec.takesSize) state.size = 0n;
    }
    if (spec.lastWins) state.seen.add(spec.name);
    options.push(file === undefined ? { spec, args: args() } : { spec, args: args(), file });
    // Modifiers must be taken by the very next option.
    const modifier = spec.name === '--perms' || spec.name === '--size';
    if (!modifier && state.perms >= 0) fail(state, '--perms must be followed by an option that creates a file');
    if (!modifier && state.size !== 0n) fail(state, '--size must be followed by --tmpfs');
    if (spec.name !== '--overlay-src' && state.overlaySources > 0) {
      fail(state, '--overlay-src must be followed by another --overlay-src or one of --overlay, --tmp-overlay, ' +
        'or --ro-overlay');
    }
    i += need + 1;
  }
  return { options, stop: i, how: 'end' };
}

function warnIfRepeated(state: State, spec: BwrapOptionSpec): void {
  if (state.seen.has(spec.name)) state.warnings.push(`Only the last ${spec.name} option will take effect`);
}

/** Splits `--args` data at NULs (load_file_data) and parses it as bwrap does, in_file. */
function parseArgsFile(data: Uint8Array, state: State): { file: BwrapArgsFile; exit: boolean } {
  const tokens: ByteString[] = [];
  let start = 0;
  while (start < data.length) {
    state.total++;
    if (state.total > BWRAP_MAX_ARGS) fail(state, `Exceeded maximum number of arguments ${BWRAP_MAX_ARGS}`);
    let end = data.indexOf(0, start);
    if (end < 0) end = data.length;
    let t = '';
    for (let j = start; j < end; j++) t += String.fromCharCode(data[j]!);
    tokens.push(t);
    start = end + 1;
  }
  const unterminated = data.length > 0 && data[data.length - 1] !== 0;
  const r = parseTokens(tokens, true, state);
  return { file: { options: r.options, ignored: tokens.slice(r.stop), unterminated }, exit: r.how === 'exit' };
}

