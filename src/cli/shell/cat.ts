// This module is browser compatible.
/**
 * `cat`: writes guest files to the output, as GNU cat does (errors worded `cat: FILE: error`,
 * the other files still written, exit status 1 if any failed). `-n` numbers the lines.
 */
import { AT_FDCWD, O_RDONLY } from '../../abi/constants.js';
import { toByteString } from '../../vfs/bytes.js';
import { has } from './_getopt.js';
import { guestPath } from './_guest.js';
import { complain, complainAbout, parseOptions, qf, type Tool, type ToolContext } from './tool.js';

const USAGE = `Usage: cat [OPTION]... FILE...
Concatenate FILE(s) to standard output.

  -n, --number   number all output lines
      --help     display this help and exit
`;

/** Numbers lines as `cat -n` does: a 6-wide right-aligned number and a tab before each line. */
class LineNumberer {
  private line = 0;
  private atStart = true;

  apply(chunk: Uint8Array): Uint8Array {
    const out: number[] = [];
    const enc = new TextEncoder();
    for (const b of chunk) {
      if (this.atStart) {
        out.push(...enc.encode(`${String(++this.line).padStart(6)}\t`));
        this.atStart = false;
      }
      out.push(b);
      if (b === 0x0a) this.atStart = true;
    }
    return Uint8Array.from(out);
  }
}

function catOne(ctx: ToolContext, operand: string, numberer: LineNumberer | null): boolean {
  let fd: number;
  try {
    fd = ctx.p.openat(AT_FDCWD, guestPath(toByteString(operand)), O_RDONLY);
  } catch (e) {
    complainAbout(ctx, qf(operand), e);
    return false;
  }
  try {
    const buf = new Uint8Array(1 << 16);
    for (;;) {
      const n = ctx.p.read(fd, buf);
      if (n === 0) return true;
      const chunk = buf.subarray(0, n);
      ctx.out.write(numberer === null ? chunk.slice() : numberer.apply(chunk));
    }
  } catch (e) {
    complainAbout(ctx, qf(operand), e);
    return false;
  } finally {
    ctx.p.close(fd);
  }
}

/** `cat [-n] FILE...` */
export const cat: Tool = (ctx, args) => {
  const parsed = parseOptions(ctx, args, { flags: 'n', long: { number: { key: 'n' } } }, USAGE);
  if (typeof parsed === 'number') return parsed;
  if (parsed.operands.length === 0) {
    complain(ctx, `missing operand (there is no standard input here)\nTry '${ctx.prog} --help' for more information.`);
    return 1;
  }
  const numberer = has(parsed, 'n') ? new LineNumberer() : null;
  let status = 0;
  for (const operand of parsed.operands) if (!catOne(ctx, operand, numberer)) status = 1;
  return status;
};
