// This module is browser compatible.
/**
 * What each argument of a bwrap command line is, and the command line rewritten so that host
 * paths which exist only inside an emulator's RootFS name the RootFS's real host location.
 */
import type { ByteString } from '../../vfs/bytes.js';
import {
  formatBwrapArgsFile, type BwrapArgsFile, type BwrapCommandLine, type BwrapOption,
} from './bwrap_command_line.js';
import type { BwrapArgKind } from './bwrap_options.js';
import type { RootfsMapping } from './rootfs_mapping.js';

/** Where an argument sits: an option's argument (in an `--args` file when `fileOption` is set), or a command word. */
export type BwrapArgLocation =
  | { readonly option: number; readonly fileOption?: number; readonly arg: number }
  | { readonly command: number };

/** One classified argument. */
export interface BwrapArgument {
  readonly kind: BwrapArgKind | 'command';
  readonly value: ByteString;
  readonly at: BwrapArgLocation;
}

/**
 * Every argument of a command line with its kind. The command's first word is a sandbox path;
 * its other words are `'command'`.
 */
export function classifyBwrapArgs(cmd: BwrapCommandLine): BwrapArgument[] {
  const out: BwrapArgument[] = [];
  cmd.options.forEach((o, option) => {
    o.args.forEach((value, arg) => out.push({ kind: o.spec.args[arg]!, value, at: { option, arg } }));
    o.file?.options.forEach((f, fileOption) => {
      f.args.forEach((value, arg) => out.push({ kind: f.spec.args[arg]!, value, at: { option, fileOption, arg } }));
    });
  });
  cmd.command.forEach((value, i) => {
    out.push({ kind: i === 0 ? 'sandbox-path' : 'command', value, at: { command: i } });
  });
  return out;
}

/** One rewritten argument. */
export interface BwrapChange {
  readonly at: BwrapArgLocation;
  readonly from: ByteString;
  readonly to: ByteString;
}

/** The result of `rewriteBwrapArgs`. */
export interface BwrapRewrite {
  readonly commandLine: BwrapCommandLine;
  readonly changes: readonly BwrapChange[];
  /** `--args` descriptors whose contents changed: give bwrap `data` on descriptor `fd` instead. */
  readonly files: readonly { readonly fd: ByteString; readonly data: Uint8Array }[];
  /** `--args` descriptors the parser could not read, whose host paths were not looked at. */
  readonly uninspected: readonly ByteString[];
}

function rewriteOptions(options: readonly BwrapOption[], mapping: RootfsMapping, changes: BwrapChange[],
  at: (option: number, arg: number) => BwrapArgLocation): BwrapOption[] {
  return options.map((o, option) => {
    let args: ByteString[] | null = null;
    o.spec.args.forEach((kind, arg) => {
      if (kind !== 'host-path') return;
      const from = o.args[arg]!;
      const r = mapping.resolve(from);
      if (r.where !== 'rootfs' || r.hostPath === from) return;
      args ??= [...o.args];
      args[arg] = r.hostPath;
      changes.push({ at: at(option, arg), from, to: r.hostPath });
    });
    return args === null ? o : { ...o, args };
  });
}

/**
 * Rewrites the host-path arguments (bind and overlay sources, also inside `--args` files) that
 * `mapping` places only in the RootFS. Everything else is kept token for token, so a command
 * line with nothing to rewrite serializes to exactly the input.
 *
 * @example
 * const { commandLine } = rewriteBwrapArgs(parseBwrapArgs(argv), mapping);
 * spawn('bwrap', formatBwrapArgs(commandLine).map(byteStringToUtf8));
 */
export function rewriteBwrapArgs(cmd: BwrapCommandLine, mapping: RootfsMapping): BwrapRewrite {
  const changes: BwrapChange[] = [];
  const files: { fd: ByteString; data: Uint8Array }[] = [];
  const options = rewriteOptions(cmd.options, mapping, changes, (option, arg) => ({ option, arg }));
  const withFiles = options.map((o, option) => {
    if (o.file === undefined) return o;
    const before = changes.length;
    const fileOptions = rewriteOptions(o.file.options, mapping, changes,
      (fileOption, arg) => ({ option, fileOption, arg }));
    if (changes.length === before) return o;
    const file: BwrapArgsFile = { ...o.file, options: fileOptions };
    files.push({ fd: o.args[0]!, data: formatBwrapArgsFile(file) });
    return { ...o, file };
  });
  const uninspected = cmd.options.filter((o) => o.spec.name === '--args' && o.file === undefined).map((o) => o.args[0]!);
  return { commandLine: { ...cmd, options: withFiles }, changes, files, uninspected };
}
