// This module is browser compatible.
/**
 * The exec decision: what `execve(path, argv)` in a guest process would run, following the
 * kernel's binfmt chain (fs/exec.c:exec_binprm, fs/binfmt_script.c, fs/binfmt_elf.c) through a
 * vroot Process, and whether the final program runs natively on the host, under the emulator,
 * or not at all (with the errno execve would return).
 *
 * Scripts are followed as the kernel follows them: argv[0] is replaced by the interpreter as
 * written in the `#!` line, then its optional argument, then the script's path exactly as it was
 * passed (the bare guest path, never a host path); an interpreter that is itself a script is
 * followed again, up to the kernel's limit of 5 rewrites (a 6th is ELOOP).
 */
import { AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, F_GETFD, FD_CLOEXEC } from '../../abi/constants.js';
import { toByteString, type ByteString, type PathLike } from '../../vfs/bytes.js';
import { VfsError, vfsError } from '../../vfs/errors.js';
import type { Process } from '../../vfs/process.js';
import { readBinaryHeader, readFileHead, type BinaryHeader } from './binary_header.js';
import { readExact } from './byte_source.js';
import { elfLoadCheck, hasElfMagic, parseElfHeader, readProgramHeaders, type ElfHeader } from './elf.js';
import type { NativePolicy } from './native_policy.js';
import { parseShebang, parseShebangFex, type Shebang, type ShebangDialect } from './shebang.js';
import { openExec, type ExecFile } from './_open_exec.js';

/** Binary format rewrites exec_binprm allows before ELOOP ("depth > 5"). */
export const BINPRM_MAX_DEPTH = 5;

/** Options of `decideExec`. */
export interface ExecOptions {
  /** What runs natively or emulated, and where native programs live on the host. */
  readonly policy: NativePolicy;
  /** The argument vector (default: `[path]`). An empty one gets `""` as argv[0], as Linux does. */
  readonly argv?: readonly PathLike[];
  /** execveat's directory descriptor (default AT_FDCWD). */
  readonly dirfd?: number;
  /** execveat's flags: AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW. */
  readonly flags?: number;
  /** How `#!` lines are split: `'linux'` (default) or FEX-Emu's `'fex'`. */
  readonly shebang?: ShebangDialect;
  /** ELF_MIN_ALIGN of the program's architecture, bounding its program header table (4096). */
  readonly elfMinAlign?: number;
}

/** One file of the chain: the program, then each `#!` interpreter. */
export interface ExecStep {
  /** The path as execve or the `#!` line gave it. */
  readonly path: ByteString;
  /** The file's path from the process root with symlinks resolved. */
  readonly guestPath: ByteString;
  readonly header: BinaryHeader;
  /** The parsed `#!` line, for scripts. */
  readonly shebang?: Shebang;
}

interface Decided {
  /** The arguments the final program receives. */
  readonly argv: readonly ByteString[];
  /** The path given to execve (AT_EXECFN; `/dev/fd/N/...` for execveat with a dirfd). */
  readonly execfn: ByteString;
  /** The final program's path from the process root. */
  readonly guestPath: ByteString;
  /** The final program's header. */
  readonly header: BinaryHeader;
  readonly chain: readonly ExecStep[];
}

/** The host runs the program from `hostPath`. */
export interface NativeExec extends Decided {
  readonly kind: 'native';
  /** Where the final program is on the host (a byte string). */
  readonly hostPath: ByteString;
}

/** The emulator runs the program at `guestPath`. */
export interface EmulatedExec extends Decided {
  readonly kind: 'emulated';
  /** The ELF program interpreter (PT_INTERP) from the process root, or null. */
  readonly elfInterpreter: ByteString | null;
}

/** execve fails with `errno`. */
export interface RefusedExec {
  readonly kind: 'refused';
  readonly errno: number;
  /** The errno's name, e.g. `'ENOEXEC'`. */
  readonly code: string;
  readonly error: VfsError;
  /** The files looked at before the failure. */
  readonly chain: readonly ExecStep[];
}

/** What an exec would do. */
export type ExecDecision = NativeExec | EmulatedExec | RefusedExec;

/**
 * Decides what `execveat(dirfd, path, argv, flags)` in `process` would run. Never throws for a
 * guest's mistake: failures come back as `kind: 'refused'` with the errno execve returns.
 * Errors, in Linux's order: EINVAL (unknown flags); the open's ENOENT, ENOTDIR, ELOOP, EACCES,
 * ENAMETOOLONG, EBADF; then per file ENOEXEC (no known format, a bad `#!` line or ELF), ENOENT
 * (a script reached through a close-on-exec dirfd), EIO (truncated PT_INTERP), ELIBBAD (a
 * PT_INTERP that is not an ELF of the same machine), ELOOP (more than 5 interpreters).
 *
 * @example
 * const d = decideExec(p, '/usr/bin/env', { policy, argv: ['env', 'python3'] });
 * if (d.kind === 'native') spawn(d.hostPath, d.argv.slice(1), { argv0: d.argv[0] });
 */
export function decideExec(process: Process, path: PathLike, options: ExecOptions): ExecDecision {
  const chain: ExecStep[] = [];
  try {
    return decide(process, toByteString(path), options, chain);
  } catch (e) {
    if (!(e instanceof VfsError)) throw e;
    e.withContext('execve', typeof path === 'string' ? path : undefined);
    return { kind: 'refused', errno: e.errno, code: e.code, error: e, chain };
  }
}

function decide(p: Process, path: ByteString, options: ExecOptions, chain: ExecStep[]): ExecDecision {
  const dirfd = options.dirfd ?? AT_FDCWD;
  const flags = options.flags ?? 0;
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) throw vfsError('EINVAL');
  // alloc_bprm: the name the script interpreter will see.
  let execfn = path;
  let inaccessible = false;
  if (dirfd !== AT_FDCWD && path.charCodeAt(0) !== 47) {
    execfn = path.length === 0 ? `/dev/fd/${dirfd}` : `/dev/fd/${dirfd}/${path}`;
  }
  let argv = (options.argv ?? [path]).map(toByteString);
  if (argv.length === 0) argv = [''];
  let file = openExec(p, dirfd, path, flags);
  // bprm_execve: a script's interpreter could not reopen a path under a close-on-exec dirfd.
  if (execfn !== path) inaccessible = (p.fcntl(dirfd, F_GETFD) & FD_CLOEXEC) !== 0;
  let interp = execfn;
  let stepPath = path;
  for (let depth = 0; ; depth++) {
    if (depth > BINPRM_MAX_DEPTH) {
      file.close();
      throw vfsError('ELOOP', 'too many levels of #! interpreters');
    }
    let next: ExecFile;
    try {
      const head = readFileHead(file.source);
      const header = readBinaryHeader(file.source, head);
      const guestPath = p.vfs.pathOf(file.path, p.root()).path;
      if (header.format !== 'script') {
        chain.push({ path: stepPath, guestPath, header });
        return finish(p, options, file, header, guestPath, argv, execfn, chain);
      }
      const line = options.shebang === 'fex'
        ? parseShebangFex(head.bytes.subarray(0, head.count))
        : parseShebang(head.bytes.subarray(0, head.count));
      const step: ExecStep = { path: stepPath, guestPath, header };
      chain.push(line === null ? step : { ...step, shebang: line });
      if (line === null) throw vfsError('ENOEXEC');
      if (inaccessible) throw vfsError('ENOENT', 'script reached through a close-on-exec descriptor');
      // load_script: drop argv[0], then push the script's name, the argument and the interpreter.
      argv = [line.interpreter, ...line.args, interp, ...argv.slice(1)];
      interp = line.interpreter;
      stepPath = line.interpreter;
      next = openExec(p, AT_FDCWD, line.interpreter, 0, true);
    } finally {
      file.close();
    }
    file = next;
  }
}

/** The final program: native, emulated, or ENOEXEC. */
function finish(p: Process, options: ExecOptions, file: ExecFile, header: BinaryHeader, guestPath: ByteString,
  argv: ByteString[], execfn: ByteString, chain: ExecStep[]): ExecDecision {
  const policy = options.policy;
  const native = policy.isNative(header);
  if (!native && !policy.canEmulate(header)) throw vfsError('ENOEXEC', `no way to run a ${header.format} program`);
  let elfInterpreter: ByteString | null = null;
  if (header.format === 'elf') {
    const interp = elfLoadCheck(file.source, header, minAlign(options));
    // A native program's interpreter is the host kernel's business, in the host's root.
    if (!native && interp !== null) elfInterpreter = checkElfInterpreter(p, options, header, interp);
  }
  const decided = { argv, execfn, guestPath, header, chain };
  if (!native) return { kind: 'emulated', ...decided, elfInterpreter };
  const hostPath = policy.hostPathOf(p, guestPath);
  if (hostPath === null) throw vfsError('ENOEXEC', 'native program without a host path');
  return { kind: 'native', ...decided, hostPath };
}

function minAlign(options: ExecOptions): { minAlign?: number } {
  return options.elfMinAlign === undefined ? {} : { minAlign: options.elfMinAlign };
}

/**
 * load_elf_binary's handling of PT_INTERP: open_exec (its errors), read the ELF header (short:
 * EIO), then ELIBBAD unless it is an ELF of the program's machine and class with a valid program
 * header table. Returns the interpreter's path from the process root.
 */
function checkElfInterpreter(p: Process, options: ExecOptions, program: ElfHeader, interp: ByteString): ByteString {
  const file = openExec(p, AT_FDCWD, interp, 0, true);
  try {
    const ehdr = readExact(file.source, 0, program.class === 64 ? 64 : 52);
    if (ehdr === null) throw vfsError('EIO', 'program interpreter shorter than an ELF header');
    const padded = new Uint8Array(64);
    padded.set(ehdr);
    if (!hasElfMagic(ehdr)) throw vfsError('ELIBBAD', 'program interpreter is not ELF');
    const h = parseElfHeader(file.source, padded);
    if (h === null || h.machine !== program.machine || h.class !== program.class) {
      throw vfsError('ELIBBAD', 'program interpreter is for another machine');
    }
    try {
      readProgramHeaders(file.source, h, options.elfMinAlign);
    } catch (e) {
      if (e instanceof VfsError && e.code === 'ENOEXEC') {
        throw vfsError('ELIBBAD', 'program interpreter has bad program headers');
      }
      throw e;
    }
    return p.vfs.pathOf(file.path, p.root()).path;
  } finally {
    file.close();
  }
}
