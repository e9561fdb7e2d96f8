// This module is browser compatible.
/**
 * The vroot shell: runs command lines (see line_parser.ts) against a guest process, with
 * builtins for moving around (cd, pwd), looking at files (ls, cat, stat, tree, find, readlink),
 * changing them (mkdir, rm, rmdir, mv, cp, ln, touch, chmod, chown, write, echo and `>`
 * redirection), mounts (mount, umount, df) and the session (history, help, exit). Every file
 * operation goes through the guest process, so the shell sees exactly what a guest program would,
 * and nothing of the host beyond what the root mounts.
 *
 * The shell itself does no terminal handling; interactive.ts wires it to a terminal.
 *
 * @example
 * const sh = new Shell(root.process, { out, err });
 * const status = sh.run('mkdir -p /tmp/a && echo hi > /tmp/a/f; cat /tmp/a/f');
 */
import { AT_FDCWD, O_APPEND, O_CREAT, O_TRUNC, O_WRONLY } from '../../abi/constants.js';
import { byteStringToUtf8, type ByteString } from '../../vfs/bytes.js';
import { VfsError } from '../../vfs/errors.js';
import type { Process } from '../../vfs/process.js';
import { cat } from './cat.js';
import { cp } from './cp.js';
import { chmod, chown, echo, ln, mkdir, mv, readlink, rm, rmdir, touch, write } from './file_ops.js';
import { find } from './find.js';
import { expandGlob } from './glob.js';
import { guestPath, IdNames } from './_guest.js';
import { expandCommand, parseLine, ShellSyntaxError, type SimpleCommand } from './line_parser.js';
import { ls } from './ls.js';
import { df, mount, umount } from './mounts.js';
import { stat } from './stat.js';
import { errorText } from './_strerror.js';
import { tree } from './tree.js';
import type { Output, Tool, ToolContext } from './tool.js';

/** A builtin: what it does (for help) and how. */
interface Builtin {
  summary: string;
  run: Tool;
}

/** Options of a Shell. */
export interface ShellOptions {
  out: Output;
  err: Output;
  /** Terminal width for `ls` columns (0: not a terminal). */
  columns?: number;
}

/** The exit status of a command the shell does not know (sh's 127). */
const NOT_FOUND = 127;

export class Shell {
  readonly p: Process;
  readonly out: Output;
  readonly err: Output;
  columns: number;
  /** Lines entered, oldest first (the interactive front end adds them). */
  readonly history: string[] = [];
  /** The status of the last command (`$?`). */
  status = 0;
  /** Set by `exit`: the status the session ends with. */
  exitStatus: number | null = null;
  /**
   * Stop at the first command that fails, with its status (sh -e): a failure on the left of
   * `&&` or `||` does not count, only the status a list ends with. Used for scripts.
   */
  errexit = false;
  private oldPwd: string | null = null;
  private readonly builtins: Map<string, Builtin>;

  constructor(p: Process, options: ShellOptions) {
    this.p = p;
    this.out = options.out;
    this.err = options.err;
    this.columns = options.columns ?? 0;
    const session = (run: Tool, summary: string): Builtin => ({ run, summary });
    this.builtins = new Map<string, Builtin>([
      ['cat', session(cat, 'print files')],
      ['cd', session((c, a) => this.cd(c, a), 'change the working directory (cd -: the previous one)')],
      ['chmod', session(chmod, 'change modes (755, u+x,go-w; -R)')],
      ['chown', session(chown, 'change owner and group (USER[:GROUP]; -R, -h)')],
      ['clear', session((c) => { c.out.write('\x1b[H\x1b[2J'); return 0; }, 'clear the screen')],
      ['cp', session(cp, 'copy files (-r, -p, -a)')],
      ['df', session(df, 'space used and available on each mount (-h)')],
      ['echo', session(echo, 'print words (echo text > file writes a file)')],
      ['exit', session((c, a) => this.exit(c, a), 'leave the shell')],
      ['false', session(() => 1, 'fail')],
      ['find', session(find, 'search a tree (-name, -type, -maxdepth, ...)')],
      ['help', session((c) => this.help(c), 'list the commands')],
      ['history', session((c, a) => this.showHistory(c, a), 'list the commands entered (-c clears)')],
      ['ln', session(ln, 'make hard links, or symlinks with -s')],
      ['ls', session(ls, 'list directories (-l, -a, -R, -h, -t, -S, ...)')],
      ['mkdir', session(mkdir, 'make directories (-p, -m MODE)')],
      ['mount', session(mount, 'list mounts; mount a tmpfs (-t tmpfs), bind (--bind), remount')],
      ['mv', session(mv, 'move or rename files')],
      ['pwd', session((c) => { c.out.write(c.p.getcwd() + '\n'); return 0; }, 'print the working directory')],
      ['readlink', session(readlink, 'print symlink targets')],
      ['rm', session(rm, 'remove files (-r, -f)')],
      ['rmdir', session(rmdir, 'remove empty directories')],
      ['stat', session(stat, 'file status (-L, -c FORMAT)')],
      ['touch', session(touch, 'create files or update their times')],
      ['tree', session(tree, 'draw a directory tree (-a, -d, -L N)')],
      ['true', session(() => 0, 'succeed')],
      ['umount', session(umount, 'detach a mount (-l)')],
      ['write', session(write, 'write text to a file: write FILE TEXT... (-a appends)')],
    ]);
  }

  /** The builtin names, sorted (for completion and help). */
  commandNames(): string[] {
    return [...this.builtins.keys()];
  }

  /** The guest's home directory, for `cd` and `~`: /root for uid 0, else "/". */
  home(): string {
    return this.p.cred.euid === 0 ? '/root' : '/';
  }

  /** The prompt: `user@vroot:/guest/cwd# ` (`$` for others than uid 0). */
  prompt(): string {
    const user = new IdNames(this.p).user(this.p.cred.euid);
    return `${user}@vroot:${this.p.getcwd()}${this.p.cred.euid === 0 ? '#' : '$'} `;
  }

  private variable(name: string): string | undefined {
    switch (name) {
      case '?': return String(this.status);
      case 'PWD': return this.p.getcwd();
      case 'OLDPWD': return this.oldPwd ?? undefined;
      case 'HOME': return this.home();
      default: return undefined;
    }
  }

  /**
   * Runs a command line; returns the status of the last command run. Syntax errors are
   * reported with status 2, as sh does.
   */
  run(line: string): number {
    let lists;
    try {
      lists = parseLine(line, (n) => this.variable(n), this.home());
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      this.err.write(`vroot: ${e.message}\n`);
      this.status = 2;
      return 2;
    }
    for (const list of lists) {
      this.status = this.runCommand(list.first);
      for (const { op, command } of list.rest) {
        if (this.exitStatus !== null) break;
        if ((op === '&&') === (this.status === 0)) this.status = this.runCommand(command);
      }
      if (this.exitStatus === null && this.errexit && this.status !== 0) this.exitStatus = this.status;
      if (this.exitStatus !== null) break;
    }
    return this.status;
  }

  /** Expands a command's words: patterns that match become the matching paths. */
  private expand(command: SimpleCommand): string[] {
    const args: string[] = [];
    for (const w of command.words) {
      const matches = w.pattern === null ? [] : expandGlob(this.p, w.pattern);
      if (matches.length === 0) args.push(byteStringToUtf8(w.text));
      else for (const m of matches) args.push(byteStringToUtf8(m));
    }
    return args;
  }

  /** Opens a redirection's guest file as an Output (sh opens it before the command runs). */
  private openRedirect(path: ByteString, append: boolean, fds: number[]): Output {
    const fd = this.p.openat(AT_FDCWD, guestPath(path), O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o666);
    fds.push(fd);
    const enc = new TextEncoder();
    return {
      write: (data) => {
        const bytes = typeof data === 'string' ? enc.encode(data) : data;
        let done = 0;
        while (done < bytes.length) done += this.p.write(fd, bytes, done, bytes.length - done);
      },
    };
  }

  private runCommand(parsed: SimpleCommand): number {
    let args: string[];
    let command: SimpleCommand;
    try {
      command = expandCommand(parsed.source, (n) => this.variable(n), this.home());
      args = this.expand(command);
    } catch (e) {
      this.err.write(`vroot: ${errorText(e)}\n`);
      return 1;
    }
    let out = this.out;
    let err = this.err;
    let columns = this.columns;
    const fds: number[] = [];
    try {
      for (const r of command.redirects) {
        if ('toStdout' in r) {
          err = out;
          continue;
        }
        let target = r.path.text;
        if (r.path.pattern !== null) {
          const m = expandGlob(this.p, r.path.pattern);
          if (m.length > 1) throw new Error(`${byteStringToUtf8(r.path.text)}: ambiguous redirect`);
          if (m.length === 1) target = m[0]!;
        }
        try {
          const o = this.openRedirect(target, r.append, fds);
          if (r.fd === 1) {
            out = o;
            columns = 0;
          } else {
            err = o;
          }
        } catch (e) {
          if (!(e instanceof VfsError)) throw e;
          throw new Error(`${byteStringToUtf8(target)}: ${errorText(e)}`);
        }
      }
      if (args.length === 0) return 0;
      const [name, ...rest] = args as [string, ...string[]];
      const builtin = this.builtins.get(name);
      if (builtin === undefined) {
        err.write(`vroot: ${name}: command not found (try 'help')\n`);
        return NOT_FOUND;
      }
      const ctx: ToolContext = { p: this.p, prog: name, out, err, columns };
      try {
        return builtin.run(ctx, rest);
      } catch (e) {
        // A tool lets only unexpected errors through; the session survives them.
        err.write(`${name}: ${errorText(e)}\n`);
        return 1;
      }
    } catch (e) {
      this.err.write(`vroot: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    } finally {
      for (const fd of fds) this.p.close(fd);
    }
  }

  private cd(ctx: ToolContext, args: string[]): number {
    if (args.length > 1) {
      ctx.err.write('cd: too many arguments\n');
      return 1;
    }
    let target = args[0] ?? this.home();
    if (target === '-') {
      if (this.oldPwd === null) {
        ctx.err.write('cd: OLDPWD not set\n');
        return 1;
      }
      target = this.oldPwd;
      ctx.out.write(target + '\n');
    }
    const before = this.p.getcwd();
    try {
      this.p.chdir(target);
    } catch (e) {
      ctx.err.write(`cd: ${target}: ${errorText(e)}\n`);
      return 1;
    }
    this.oldPwd = before;
    return 0;
  }

  private exit(ctx: ToolContext, args: string[]): number {
    const code = args[0] === undefined ? this.status : Number(args[0]);
    if (!Number.isInteger(code)) {
      ctx.err.write(`exit: ${args[0]}: numeric argument required\n`);
      this.exitStatus = 2;
      return 2;
    }
    this.exitStatus = code & 0xff;
    return this.exitStatus;
  }

  private help(ctx: ToolContext): number {
    const width = Math.max(...this.commandNames().map((n) => n.length));
    ctx.out.write('Commands (each takes --help):\n');
    for (const [name, b] of this.builtins) ctx.out.write(`  ${name.padEnd(width)}  ${b.summary}\n`);
    ctx.out.write([
      '',
      "Quoting ('...', \"...\", \\), $? $PWD $HOME, wildcards (* ? [...]), ; && ||,",
      'and output redirection (> >> 2> 2>&1) work as in sh. Tab completes commands and paths;',
      'Up and Down recall earlier lines.',
      '',
    ].join('\n'));
    return 0;
  }

  private showHistory(ctx: ToolContext, args: string[]): number {
    if (args[0] === '-c') {
      this.history.length = 0;
      return 0;
    }
    const n = args[0] === undefined ? this.history.length : Number(args[0]);
    if (!Number.isInteger(n) || n < 0) {
      ctx.err.write(`history: ${args[0]}: numeric argument required\n`);
      return 1;
    }
    const start = Math.max(0, this.history.length - n);
    for (let i = start; i < this.history.length; i++) ctx.out.write(`${String(i + 1).padStart(5)}  ${this.history[i]}\n`);
    return 0;
  }
}
