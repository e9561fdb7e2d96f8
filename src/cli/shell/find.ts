// This module is browser compatible.
/**
 * `find`: walks guest trees as GNU find does with its default -P (symlinks are never followed):
 * pre-order (post-order with -depth), an expression of tests joined by -a (implied), -o, !, and
 * parentheses, -print added when the expression has no action, -prune, and the global options
 * -maxdepth, -mindepth and -depth.
 *
 * Tests: -name, -iname, -path, -ipath, -type (with comma lists), -empty, -size, -perm (MODE,
 * -MODE, /MODE), -newer, -user, -group, -uid, -gid, -links, -true, -false. Actions: -print,
 * -print0, -prune.
 */
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW } from '../../abi/constants.js';
import { listNames } from '../../compose/guest_tree.js';
import { toByteString, type ByteString } from '../../vfs/bytes.js';
import type { Stat } from '../../vfs/stat.js';
import { fnmatch } from './_fnmatch.js';
import { typeLetter } from './_format.js';
import { baseName, guestPath, IdNames, joinPath, writeBytes } from './_guest.js';
import { parseMode } from './_mode.js';
import { complain, complainAbout, q, qp, type Tool, type ToolContext } from './tool.js';

const USAGE = `Usage: find [starting-point...] [expression]

Options:  -maxdepth LEVELS  -mindepth LEVELS  -depth
Tests:    -name PATTERN  -iname PATTERN  -path PATTERN  -ipath PATTERN  -type [bcdpfls]
          -empty  -size [+-]N[bcwkMG]  -perm [-/]MODE  -newer FILE  -user NAME  -group NAME
          -uid N  -gid N  -links [+-]N  -true  -false
Actions:  -print  -print0  -prune
Operators: ( EXPR )  ! EXPR  -not EXPR  EXPR -a EXPR  EXPR -and EXPR  EXPR -o EXPR  EXPR -or EXPR
`;

/** What a test sees of a file. */
interface Visit {
  path: ByteString;
  st: Stat;
  depth: number;
  /** Set by -prune: do not descend. */
  prune: boolean;
}

type Expr = (v: Visit) => boolean;

class FindError extends Error {}

/** Quotes as findutils does in the C locale for words that are not file names: `word'. */
function lq(word: string): string {
  return `\`${word}'`;
}

/** GNU find's numeric argument: `+N` more than, `-N` less than, `N` exactly. */
function numeric(text: string, what: string): (n: number) => boolean {
  const m = /^([+-]?)(\d+)$/.exec(text);
  if (m === null) throw new FindError(`invalid argument ${lq(text)} to ${lq(what)}`);
  const n = Number(m[2]);
  return m[1] === '+' ? (x) => x > n : m[1] === '-' ? (x) => x < n : (x) => x === n;
}

/** The expression parser (GNU find's precedence: ! over -a over -o). */
class Parser {
  private i = 0;
  hasAction = false;
  maxDepth = Infinity;
  minDepth = 0;
  depthFirst = false;

  constructor(private readonly ctx: ToolContext, private readonly words: string[], private readonly names: IdNames) {}

  parse(): Expr {
    if (this.words.length === 0) return () => true;
    const e = this.or();
    if (this.i < this.words.length) {
      const w = this.words[this.i]!;
      throw new FindError(w === ')' ? `invalid expression; you have too many ')'` : `paths must precede expression: ${lq(w)}`);
    }
    return e;
  }

  private peek(): string | undefined {
    return this.words[this.i];
  }

  private or(): Expr {
    let left = this.and();
    while (this.peek() === '-o' || this.peek() === '-or') {
      this.after(this.words[this.i++]!);
      const l = left;
      const r = this.and();
      left = (v) => l(v) || r(v);
    }
    return left;
  }

  private and(): Expr {
    let left = this.unary();
    for (;;) {
      const w = this.peek();
      if (w === undefined || w === '-o' || w === '-or' || w === ')') return left;
      if (w === '-a' || w === '-and') this.after(this.words[this.i++]!);
      const l = left;
      const r = this.unary();
      left = (v) => l(v) && r(v);
    }
  }

  private unary(): Expr {
    const w = this.peek();
    if (w === undefined) throw new FindError('invalid expression; expected an expression');
    if (w === '!' || w === '-not') {
      this.after(this.words[this.i++]!);
      const e = this.unary();
      return (v) => !e(v);
    }
    if (w === '(') {
      this.i++;
      if (this.peek() === ')') throw new FindError('invalid expression; empty parentheses are not allowed.');
      const e = this.or();
      if (this.peek() !== ')') throw new FindError(`invalid expression; I was expecting to find a ')' somewhere but did not see one.`);
      this.i++;
      return e;
    }
    this.i++;
    return this.primary(w);
  }

  /** An operator must be followed by an expression. */
  private after(op: string): void {
    const next = this.peek();
    if (next === undefined || next === '-o' || next === '-or' || next === '-a' || next === '-and' || next === ')') {
      throw new FindError(`expected an expression after ${q(op)}`);
    }
  }

  private arg(name: string): string {
    const a = this.words[this.i++];
    if (a === undefined) throw new FindError(`missing argument to ${lq(name)}`);
    return a;
  }

  private primary(w: string): Expr {
    switch (w) {
      case '-name':
      case '-iname': {
        const pat = toByteString(this.arg(w));
        const fold = w === '-iname';
        return (v) => fnmatch(pat, baseName(v.path), fold);
      }
      case '-path':
      case '-wholename':
      case '-ipath': {
        const pat = toByteString(this.arg(w));
        const fold = w === '-ipath';
        return (v) => fnmatch(pat, v.path, fold);
      }
      case '-type': {
        const spec = this.arg(w);
        const letters = spec.split(',');
        const map: Record<string, string> = { f: '-', d: 'd', l: 'l', b: 'b', c: 'c', p: 'p', s: 's' };
        if (letters.some((l) => !(l in map))) throw new FindError(`Unknown argument to -type: ${spec}`);
        const want = new Set(letters.map((l) => map[l]!));
        return (v) => want.has(typeLetter(v.st.mode));
      }
      case '-empty':
        return (v) => {
          const t = typeLetter(v.st.mode);
          if (t === '-') return v.st.size === 0;
          if (t !== 'd') return false;
          try {
            return listNames(this.ctx.p, v.path).length === 0;
          } catch {
            return false;
          }
        };
      case '-size': {
        const text = this.arg(w);
        const m = /^([+-]?)(\d+)([bcwkMG]?)$/.exec(text);
        if (m === null) {
          const unit = /^[+-]?\d*(.)$/.exec(text);
          throw new FindError(unit !== null ? `invalid -size type ${lq(unit[1]!)}` : `Invalid argument ${lq(text)} to -size`);
        }
        const unit = { '': 512, b: 512, c: 1, w: 2, k: 1024, M: 1 << 20, G: 1 << 30 }[m[3]!]!;
        const test = numeric(m[1]! + m[2]!, '-size');
        // GNU rounds the size up to whole units, which is why -size -1M matches only empty files.
        return (v) => test(Math.ceil(v.st.size / unit));
      }
      case '-perm': {
        const text = this.arg(w);
        const kind = text[0] === '-' || text[0] === '/' ? text[0] : '';
        const change = parseMode(kind === '' ? text : text.slice(1));
        if (change === null || text.length === kind.length) throw new FindError(`invalid mode ${q(text)}`);
        const bits = change(0, false, 0);
        if (kind === '-') return (v) => (v.st.mode & bits) === bits;
        if (kind === '/') return (v) => bits === 0 || (v.st.mode & bits) !== 0;
        return (v) => (v.st.mode & 0o7777) === bits;
      }
      case '-newer': {
        const ref = this.arg(w);
        let st: Stat;
        try {
          st = this.ctx.p.fstatat(AT_FDCWD, guestPath(toByteString(ref)));
        } catch (e) {
          complainAbout(this.ctx, q(ref), e);
          throw new FindError('');
        }
        return (v) => v.st.mtime.sec > st.mtime.sec || (v.st.mtime.sec === st.mtime.sec && v.st.mtime.nsec > st.mtime.nsec);
      }
      case '-user': {
        const name = this.arg(w);
        const uid = this.names.uidOf(name);
        if (uid === undefined) throw new FindError(`${q(name)} is not the name of a known user`);
        return (v) => v.st.uid === uid;
      }
      case '-group': {
        const name = this.arg(w);
        const gid = this.names.gidOf(name);
        if (gid === undefined) throw new FindError(`${q(name)} is not the name of an existing group`);
        return (v) => v.st.gid === gid;
      }
      case '-uid': { const t = numeric(this.arg(w), w); return (v) => t(v.st.uid); }
      case '-gid': { const t = numeric(this.arg(w), w); return (v) => t(v.st.gid); }
      case '-links': { const t = numeric(this.arg(w), w); return (v) => t(v.st.nlink); }
      case '-true': return () => true;
      case '-false': return () => false;
      case '-print':
        this.hasAction = true;
        return (v) => {
          writeBytes(this.ctx.out, v.path + '\n');
          return true;
        };
      case '-print0':
        this.hasAction = true;
        return (v) => {
          writeBytes(this.ctx.out, v.path + '\0');
          return true;
        };
      case '-prune':
        return (v) => {
          if (!this.depthFirst) v.prune = true;
          return true;
        };
      case '-maxdepth':
      case '-mindepth': {
        const a = this.arg(w);
        if (!/^\d+$/.test(a)) throw new FindError(`Expected a positive decimal integer argument to ${w}, but got ${q(a)}`);
        if (w === '-maxdepth') this.maxDepth = Number(a);
        else this.minDepth = Number(a);
        return () => true;
      }
      case '-depth':
      case '-d':
        this.depthFirst = true;
        return () => true;
      default:
        throw new FindError(w.startsWith('-') ? `unknown predicate ${lq(w)}` : `paths must precede expression: ${lq(w)}`);
    }
  }
}

/** `find [PATH...] [EXPRESSION]` */
export const find: Tool = (ctx, args) => {
  if (args[0] === '--help') {
    ctx.out.write(USAGE);
    return 0;
  }
  let split = args.findIndex((a) => (a.startsWith('-') && a.length > 1) || a === '(' || a === '!');
  if (split < 0) split = args.length;
  const starts = split === 0 ? ['.'] : args.slice(0, split);
  const names = new IdNames(ctx.p);
  const parser = new Parser(ctx, args.slice(split), names);
  let expr: Expr;
  try {
    expr = parser.parse();
  } catch (e) {
    if (!(e instanceof FindError)) throw e;
    if (e.message !== '') complain(ctx, e.message);
    return 1;
  }
  if (!parser.hasAction) {
    const test = expr;
    expr = (v) => {
      if (test(v)) writeBytes(ctx.out, v.path + '\n');
      return true;
    };
  }
  let status = 0;
  const visit = (path: ByteString, depth: number): void => {
    let st: Stat;
    try {
      st = ctx.p.fstatat(AT_FDCWD, guestPath(path), AT_SYMLINK_NOFOLLOW);
    } catch (e) {
      complainAbout(ctx, qp(path), e);
      status = 1;
      return;
    }
    const v: Visit = { path, st, depth, prune: false };
    const evaluate = depth >= parser.minDepth;
    if (evaluate && !parser.depthFirst) expr(v);
    if (typeLetter(st.mode) === 'd' && depth < parser.maxDepth && !v.prune) {
      let children: ByteString[] = [];
      try {
        children = listNames(ctx.p, path);
      } catch (e) {
        complainAbout(ctx, qp(path), e);
        status = 1;
      }
      for (const name of children) visit(joinPath(path, name), depth + 1);
    }
    if (evaluate && parser.depthFirst) expr(v);
  };
  for (const s of starts) visit(toByteString(s), 0);
  return status;
};
