// This module is browser compatible.
/**
 * Every bubblewrap option, with what each of its arguments is (bubblewrap.c: parse_args_recurse,
 * read at the 0.8.0 and 0.11.0 releases). Host paths are resolved by bwrap before it enters the
 * sandbox (bind and overlay sources); sandbox paths name places inside the new root.
 */

/** What an option argument is. */
export type BwrapArgKind =
  /** A path on the host, resolved by bwrap before pivoting (bind and overlay sources). */
  | 'host-path'
  /** A path inside the sandbox. */
  | 'sandbox-path'
  /** The target text of a symlink created in the sandbox; never resolved. */
  | 'symlink-target'
  /** A file descriptor number of the bwrap process. */
  | 'fd'
  /** A uid or gid inside the sandbox. */
  | 'id'
  /** Octal permission bits. */
  | 'octal'
  /** A size in bytes. */
  | 'size'
  /** A capability name or number, or ALL. */
  | 'capability'
  | 'env-name'
  | 'env-value'
  /** An SELinux label. */
  | 'label'
  | 'hostname'
  /** Any other text (--argv0). */
  | 'text';

/** One option. */
export interface BwrapOptionSpec {
  /** The option as typed, e.g. `'--bind'`. */
  readonly name: string;
  /** Its arguments, in order. */
  readonly args: readonly BwrapArgKind[];
  /** The argument names `bwrap --help` shows. */
  readonly metavars: readonly string[];
  /** The first upstream release that parses it (--bind-fd and --ro-bind-fd were also in 0.6.3). */
  readonly since: string;
  /** It takes a pending --perms value (and, for --tmpfs, --size). */
  readonly takesPerms?: boolean;
  readonly takesSize?: boolean;
  /** Sets a value where bwrap warns "Only the last X option will take effect" when repeated. */
  readonly lastWins?: boolean;
  /** bwrap prints and exits when it reaches this option (--help, --version). */
  readonly exits?: boolean;
}

function opt(name: string, metavars: string, args: BwrapArgKind[], since: string,
  extra: Partial<BwrapOptionSpec> = {}): BwrapOptionSpec {
  return { name, args, metavars: metavars === '' ? [] : metavars.split(' '), since, ...extra };
}

const BIND: BwrapArgKind[] = ['host-path', 'sandbox-path'];
const FD_DEST: BwrapArgKind[] = ['fd', 'sandbox-path'];

/** Every option bubblewrap has had, in `bwrap --help` order. */
export const BWRAP_OPTIONS: readonly BwrapOptionSpec[] = [
  opt('--help', '', [], '0.1.2', { exits: true }),
  opt('--version', '', [], '0.1.2', { exits: true }),
  opt('--args', 'FD', ['fd'], '0.1.2'),
  opt('--argv0', 'VALUE', ['text'], '0.9.0'),
  opt('--level-prefix', '', [], '0.11.0'),
  opt('--unshare-all', '', [], '0.1.7'),
  opt('--share-net', '', [], '0.1.7'),
  opt('--unshare-user', '', [], '0.1.2'),
  opt('--unshare-user-try', '', [], '0.1.2'),
  opt('--unshare-ipc', '', [], '0.1.2'),
  opt('--unshare-pid', '', [], '0.1.2'),
  opt('--unshare-net', '', [], '0.1.2'),
  opt('--unshare-uts', '', [], '0.1.2'),
  opt('--unshare-cgroup', '', [], '0.1.2'),
  opt('--unshare-cgroup-try', '', [], '0.1.2'),
  opt('--userns', 'FD', ['fd'], '0.4.0', { lastWins: true }),
  opt('--userns2', 'FD', ['fd'], '0.4.0', { lastWins: true }),
  opt('--disable-userns', '', [], '0.8.0'),
  opt('--assert-userns-disabled', '', [], '0.8.0'),
  opt('--pidns', 'FD', ['fd'], '0.4.0', { lastWins: true }),
  opt('--uid', 'UID', ['id'], '0.1.2', { lastWins: true }),
  opt('--gid', 'GID', ['id'], '0.1.2', { lastWins: true }),
  opt('--hostname', 'NAME', ['hostname'], '0.1.2', { lastWins: true }),
  opt('--chdir', 'DIR', ['sandbox-path'], '0.1.2', { lastWins: true }),
  opt('--clearenv', '', [], '0.5.0'),
  opt('--setenv', 'VAR VALUE', ['env-name', 'env-value'], '0.1.2'),
  opt('--unsetenv', 'VAR', ['env-name'], '0.1.2'),
  opt('--lock-file', 'DEST', ['sandbox-path'], '0.1.2'),
  opt('--sync-fd', 'FD', ['fd'], '0.1.2', { lastWins: true }),
  opt('--bind', 'SRC DEST', BIND, '0.1.2'),
  opt('--bind-try', 'SRC DEST', BIND, '0.3.1'),
  opt('--dev-bind', 'SRC DEST', BIND, '0.1.2'),
  opt('--dev-bind-try', 'SRC DEST', BIND, '0.3.1'),
  opt('--ro-bind', 'SRC DEST', BIND, '0.1.2'),
  opt('--ro-bind-try', 'SRC DEST', BIND, '0.3.1'),
  opt('--bind-fd', 'FD DEST', FD_DEST, '0.10.0'),
  opt('--ro-bind-fd', 'FD DEST', FD_DEST, '0.10.0'),
  opt('--remount-ro', 'DEST', ['sandbox-path'], '0.1.2'),
  opt('--overlay-src', 'SRC', ['host-path'], '0.11.0'),
  opt('--overlay', 'RWSRC WORKDIR DEST', ['host-path', 'host-path', 'sandbox-path'], '0.11.0'),
  opt('--tmp-overlay', 'DEST', ['sandbox-path'], '0.11.0'),
  opt('--ro-overlay', 'DEST', ['sandbox-path'], '0.11.0'),
  opt('--exec-label', 'LABEL', ['label'], '0.1.2', { lastWins: true }),
  opt('--file-label', 'LABEL', ['label'], '0.1.2', { lastWins: true }),
  opt('--proc', 'DEST', ['sandbox-path'], '0.1.2'),
  opt('--dev', 'DEST', ['sandbox-path'], '0.1.2'),
  opt('--tmpfs', 'DEST', ['sandbox-path'], '0.1.2', { takesPerms: true, takesSize: true }),
  opt('--mqueue', 'DEST', ['sandbox-path'], '0.1.2'),
  opt('--dir', 'DEST', ['sandbox-path'], '0.1.2', { takesPerms: true }),
  opt('--file', 'FD DEST', FD_DEST, '0.1.2', { takesPerms: true }),
  opt('--bind-data', 'FD DEST', FD_DEST, '0.1.2', { takesPerms: true }),
  opt('--ro-bind-data', 'FD DEST', FD_DEST, '0.1.2', { takesPerms: true }),
  opt('--symlink', 'SRC DEST', ['symlink-target', 'sandbox-path'], '0.1.2'),
  opt('--seccomp', 'FD', ['fd'], '0.1.2', { lastWins: true }),
  opt('--add-seccomp-fd', 'FD', ['fd'], '0.6.0'),
  opt('--block-fd', 'FD', ['fd'], '0.1.2', { lastWins: true }),
  opt('--userns-block-fd', 'FD', ['fd'], '0.2.0', { lastWins: true }),
  opt('--info-fd', 'FD', ['fd'], '0.1.2', { lastWins: true }),
  opt('--json-status-fd', 'FD', ['fd'], '0.3.2', { lastWins: true }),
  opt('--new-session', '', [], '0.1.7'),
  opt('--die-with-parent', '', [], '0.1.8'),
  opt('--as-pid-1', '', [], '0.2.0'),
  opt('--cap-add', 'CAP', ['capability'], '0.2.0'),
  opt('--cap-drop', 'CAP', ['capability'], '0.2.0'),
  opt('--perms', 'OCTAL', ['octal'], '0.5.0'),
  opt('--size', 'BYTES', ['size'], '0.7.0'),
  opt('--chmod', 'OCTAL PATH', ['octal', 'sandbox-path'], '0.5.0'),
];

const byName = new Map(BWRAP_OPTIONS.map((o) => [o.name, o]));

/** The option named `name` (e.g. `'--bind'`), or undefined. */
export function bwrapOption(name: string): BwrapOptionSpec | undefined {
  return byName.get(name);
}

/** An option as `bwrap --help` lists it. */
export interface BwrapHelpEntry {
  readonly name: string;
  readonly metavars: readonly string[];
}

/**
 * The options a `bwrap --help` text lists, with their argument names: the installed bwrap's own
 * account of what it parses, for restricting `parseBwrapArgs` to it.
 *
 * @example
 * const accept = parseBwrapHelp(execFileSync('bwrap', ['--help'], { encoding: 'utf8' })).map((e) => e.name);
 */
export function parseBwrapHelp(text: string): BwrapHelpEntry[] {
  const out: BwrapHelpEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s+(--[a-z0-9-]+)((?: [A-Z][A-Z0-9_]*(?=\s|$))*)/.exec(line);
    if (m === null) continue;
    out.push({ name: m[1]!, metavars: m[2]!.trim() === '' ? [] : m[2]!.trim().split(' ') });
  }
  return out;
}
