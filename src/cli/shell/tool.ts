// This module is browser compatible.
/**
 * What a file tool (ls, cat, stat, find, ...) runs with: the guest process every file operation
 * goes through, where its output and errors go, and the name its messages start with ("ls" in
 * the shell, "vroot ls" on the command line). The same tool serves `vroot ls` and the shell's
 * `ls`, so they behave alike.
 */
import type { Process } from '../../vfs/process.js';
import { getopt, has, UsageError, type OptionSpec, type ParsedOptions } from './_getopt.js';
import { errorText } from './_strerror.js';
import { shellEscape } from './_format.js';
import { byteStringToUtf8, concatBytes, toByteString, type ByteString } from '../../vfs/bytes.js';

/** Where a tool writes: text is written as UTF-8, bytes as they are. */
export interface Output {
  write(data: string | Uint8Array): void;
}

/** What a tool runs with. */
export interface ToolContext {
  /** The guest process: every file operation goes through it. */
  readonly p: Process;
  /** The name messages start with. */
  readonly prog: string;
  readonly out: Output;
  readonly err: Output;
  /** The width of the terminal `out` goes to, or 0 when it is not a terminal. */
  readonly columns: number;
}

/** A tool: runs with the arguments after its name and returns the exit status. */
export type Tool = (ctx: ToolContext, args: string[]) => number;

/** Writes `prog: message` to the error output. */
export function complain(ctx: ToolContext, message: string): void {
  ctx.err.write(`${ctx.prog}: ${message}\n`);
}

/** Writes `prog: what: error text`, the usual form of a failed operation. */
export function complainAbout(ctx: ToolContext, what: string, e: unknown): void {
  complain(ctx, `${what}: ${errorText(e)}`);
}

/**
 * Quotes a word (UTF-8 text: an operand as typed) in a message as coreutils' quoteaf does:
 * shell-escape-always, so 'name', "it's", 'tab'$'\t''x'.
 */
export function q(text: string): string {
  return byteStringToUtf8(shellEscape(toByteString(text), true));
}

/** Quotes a path (a byte string) in a message as quoteaf does; bytes that are not UTF-8 show as $'\ooo'. */
export function qp(path: ByteString): string {
  return byteStringToUtf8(shellEscape(path, true));
}

/** Quotes a word as coreutils' quotef does (cat's messages): only when a shell would need it. */
export function qf(text: string): string {
  return byteStringToUtf8(shellEscape(toByteString(text)));
}

/** An Output that collects what is written (for redirections and tests). */
export class CollectOutput implements Output {
  private readonly chunks: Uint8Array[] = [];
  private static readonly enc = new TextEncoder();

  write(data: string | Uint8Array): void {
    this.chunks.push(typeof data === 'string' ? CollectOutput.enc.encode(data) : data.slice());
  }

  /** Everything written, as bytes. */
  bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }

  /** Everything written, decoded as UTF-8. */
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}

/**
 * Parses a tool's options (adding --help), prints `usage` for --help (exit status 0) and
 * getopt's complaint for a bad option (exit status `badStatus`); a number is the status to exit
 * with.
 */
export function parseOptions(ctx: ToolContext, args: string[], spec: OptionSpec, usage: string, badStatus = 1): ParsedOptions | number {
  try {
    const parsed = getopt(args, { ...spec, long: { ...spec.long, help: { key: 'help' } } });
    if (has(parsed, 'help')) {
      ctx.out.write(usage);
      return 0;
    }
    return parsed;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    complain(ctx, `${e.message}\nTry '${ctx.prog} --help' for more information.`);
    return badStatus;
  }
}
