// This module is browser compatible.
/**
 * `cp` in the guest, and the operand rules `vroot cp-in` and `vroot cp-out` share with it: the
 * last operand is the destination; when it is a directory each source goes inside it under its
 * own name, otherwise there must be one source and it is copied to exactly that name.
 */
import type { ByteString } from '../../vfs/bytes.js';
import { toByteString } from '../../vfs/bytes.js';
import { guestTree } from '../../compose/guest_tree.js';
import { copyTree, type TreeAccess } from '../../compose/tree_copy.js';
import { has } from './_getopt.js';
import { baseName, joinPath } from './_guest.js';
import { errorText } from './_strerror.js';
import { complain, parseOptions, q, type Tool, type ToolContext } from './tool.js';

const USAGE = `Usage: cp [OPTION]... SOURCE... DEST
Copy SOURCE to DEST, or multiple SOURCE(s) into directory DEST.

  -a, --archive     same as -pR (symlinks copied as symlinks, modes and times kept)
  -p                preserve mode and timestamps
  -r, -R, --recursive  copy directories recursively
      --help        display this help and exit
`;

/** How `copyInto` copies. */
export interface CopyMode {
  recursive: boolean;
  preserve: boolean;
}

/**
 * Copies `sources` of `src` to `dest` of `dst` by cp's operand rules, reporting problems
 * through `ctx`; returns the exit status (0, or 1 if anything failed).
 */
export function copyInto(ctx: ToolContext, src: TreeAccess, dst: TreeAccess, sources: ByteString[], dest: ByteString, mode: CopyMode): number {
  let destStat;
  try {
    destStat = dst.stat(dest);
  } catch (e) {
    complain(ctx, `cannot stat ${q(dst.display(dest))}: ${errorText(e)}`);
    return 1;
  }
  const intoDir = destStat !== null && destStat.kind === 'dir';
  if (sources.length > 1 && !intoDir) {
    complain(ctx, `target ${q(dst.display(dest))} is not a directory`);
    return 1;
  }
  let status = 0;
  for (const s of sources) {
    const target = intoDir ? joinPath(dest, baseName(s)) : dest;
    const ok = copyTree(src, s, dst, target, {
      recursive: mode.recursive,
      preserve: mode.preserve,
      followTop: !mode.recursive,
      report: (m) => complain(ctx, m),
    }, errorText);
    if (!ok) status = 1;
  }
  return status;
}

/** `cp [-a] [-p] [-r] SOURCE... DEST` within the guest. */
export const cp: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, {
      flags: 'aprR',
      long: { archive: { key: 'a' }, recursive: { key: 'r' } },
    }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const operands = parsed.operands.map(toByteString);
  if (operands.length < 2) {
    complain(ctx, operands.length === 0 ? 'missing file operand' : `missing destination file operand after ${q(parsed.operands[0]!)}`);
    return 1;
  }
  const tree = guestTree(ctx.p);
  return copyInto(ctx, tree, tree, operands.slice(0, -1), operands[operands.length - 1]!, {
    recursive: has(parsed, 'a', 'r', 'R'),
    preserve: has(parsed, 'a', 'p'),
  });
}
