// Node-specific: reads host files and wires the terminal to the guest.
/**
 * `vroot run`: runs a WebAssembly program (WASI preview 1) inside a vroot root, with the
 * terminal as its standard streams and its exit status passed through.
 *
 * The root is composed from the root options. Today they build an in-memory root: `--copy-in`
 * copies host files and trees into it and `--tmpfs` mounts empty in-memory filesystems. The
 * options are parsed into a `RunRootSpec` and handed to `composeRunRoot`, so image layers,
 * host directories and binds plug in as more fields of the spec.
 */
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_CREAT, O_EXCL, O_RDONLY, O_WRONLY } from '../abi/constants.js';
import { Tmpfs } from '../fs/tmpfs/tmpfs.js';
import { VfsError } from '../vfs/errors.js';
import type { Process } from '../vfs/process.js';
import { VirtualFileSystem } from '../vfs/virtual_filesystem.js';
import { nodeStdio } from '../wasi/node_stdio.js';
import type { SandboxMode } from '../wasi/sandbox.js';
import { Wasm } from '../wasi/wasm_api.js';
import { WasiHost } from '../wasi/wasi_host.js';
import type { Command } from './command.js';

/** What the root options of `vroot run` describe. */
export interface RunRootSpec {
  /** Host files or trees copied into the root, in order: `{ host, guest }`. */
  copyIn: { host: string; guest: string }[];
  /** Guest directories where an empty in-memory filesystem is mounted. */
  tmpfs: string[];
}

/** A composed root: its namespace and the process the guest runs as. */
export interface ComposedRoot {
  vfs: VirtualFileSystem;
  process: Process;
}

const USAGE = `Usage: vroot run [options] -- PROGRAM [ARGS...]

Runs a WebAssembly (WASI preview 1) program inside a vroot root. PROGRAM is a path inside
the root; with --host-wasm, the module is read from the host and PROGRAM ARGS is the argv.

Root options:
  --copy-in HOST:GUEST   copy a host file or directory tree into the root (repeatable)
  --tmpfs GUEST          mount an empty in-memory filesystem at GUEST (repeatable)

Program options:
  --host-wasm FILE       load the module from FILE on the host
  --env NAME=VALUE       set an environment variable (repeatable)
  --cwd DIR              start in DIR: sets PWD and preopens DIR as "."; wasi-libc
                         programs keep their own working directory, which starts at "/"
  --fake-root            run as uid 0 with every capability (default: your uid and gid)
  --sandbox MODE         in-root (default: "/" acts as the root) or beneath (".." above a
                         preopen and absolute symlinks fail with ENOTCAPABLE)
  --trace                print every WASI call to stderr
  -h, --help             show this help
`;

function splitPair(value: string, option: string): [string, string] {
  const i = value.lastIndexOf(':');
  if (i <= 0 || i === value.length - 1) throw new Error(`${option} wants HOST:GUEST, got '${value}'`);
  return [value.slice(0, i), value.slice(i + 1)];
}

/** Creates every missing directory of `path` (mkdir -p). */
function mkdirs(p: Process, path: string): void {
  let at = '';
  for (const part of path.split('/').filter((x) => x !== '')) {
    at += '/' + part;
    try {
      p.mkdirat(AT_FDCWD, at, 0o755);
    } catch (e) {
      if (!(e instanceof VfsError) || e.code !== 'EEXIST') throw e;
    }
  }
}

/** Copies a host file, symlink or tree to `guest` in the root, keeping modes and times. */
function copyIn(p: Process, host: string, guest: string): void {
  const st = lstatSync(host, { bigint: true });
  const mode = Number(st.mode & 0o7777n);
  if (st.isDirectory()) {
    try {
      p.mkdirat(AT_FDCWD, guest, mode);
    } catch (e) {
      if (!(e instanceof VfsError) || e.code !== 'EEXIST') throw e;
    }
    for (const name of readdirSync(host)) copyIn(p, join(host, name), guest === '/' ? `/${name}` : `${guest}/${name}`);
  } else if (st.isSymbolicLink()) {
    p.symlinkat(readlinkSync(host, { encoding: 'buffer' }), AT_FDCWD, guest);
  } else if (st.isFile()) {
    const fd = p.openat(AT_FDCWD, guest, O_CREAT | O_EXCL | O_WRONLY, mode);
    try {
      const data = readFileSync(host);
      let done = 0;
      while (done < data.length) done += p.write(fd, data, done, data.length - done);
    } finally {
      p.close(fd);
    }
  } else {
    return; // devices, fifos and sockets stay on the host
  }
  const ns = (t: bigint): { sec: number; nsec: number } => ({ sec: Number(t / 1_000_000_000n), nsec: Number(t % 1_000_000_000n) });
  p.utimensat(AT_FDCWD, guest, [ns(st.atimeNs), ns(st.mtimeNs)], AT_SYMLINK_NOFOLLOW);
}

/** Builds the root a spec describes. The process runs with `cred`. */
export function composeRunRoot(spec: RunRootSpec, cred: { uid: number; gid: number } | undefined): ComposedRoot {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const admin = vfs.createProcess();
  try {
    for (const { host, guest } of spec.copyIn) {
      const parent = guest.slice(0, guest.lastIndexOf('/'));
      if (parent !== '') mkdirs(admin, parent);
      copyIn(admin, host, guest);
    }
    for (const dir of spec.tmpfs) {
      mkdirs(admin, dir);
      admin.mount(new Tmpfs(), dir);
    }
  } finally {
    admin.exit();
  }
  return { vfs, process: vfs.createProcess(cred === undefined ? {} : { cred }) };
}

/** Reads a whole file of the root. */
function readGuestFile(p: Process, path: string): Uint8Array {
  const fd = p.openat(AT_FDCWD, path, O_RDONLY);
  try {
    const size = p.fstat(fd).size;
    const out = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const n = p.read(fd, out, done, size - done);
      if (n === 0) break;
      done += n;
    }
    return out.subarray(0, done);
  } finally {
    p.close(fd);
  }
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a WebAssembly (WASI) program inside a vroot root',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'copy-in': { type: 'string', multiple: true },
        tmpfs: { type: 'string', multiple: true },
        'host-wasm': { type: 'string' },
        env: { type: 'string', multiple: true },
        cwd: { type: 'string' },
        'fake-root': { type: 'boolean' },
        sandbox: { type: 'string' },
        trace: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const sandbox = (values.sandbox ?? 'in-root') as SandboxMode;
    if (sandbox !== 'in-root' && sandbox !== 'beneath') throw new Error(`--sandbox must be in-root or beneath, got '${sandbox}'`);
    const hostWasm = values['host-wasm'];
    if (positionals.length === 0 && hostWasm === undefined) {
      process.stderr.write(USAGE);
      return 2;
    }
    const spec: RunRootSpec = {
      copyIn: (values['copy-in'] ?? []).map((v) => {
        const [host, guest] = splitPair(v, '--copy-in');
        return { host, guest };
      }),
      tmpfs: values.tmpfs ?? [],
    };
    const cred = values['fake-root'] || typeof process.getuid !== 'function'
      ? undefined
      : { uid: process.getuid(), gid: process.getgid!() };
    const { process: proc } = composeRunRoot(spec, cred);

    const argvGuest = positionals.length > 0 ? positionals : [basename(hostWasm!)];
    const bytes = hostWasm !== undefined ? readFileSync(hostWasm) : readGuestFile(proc, positionals[0]!);
    const env: Record<string, string> = {};
    for (const kv of values.env ?? []) {
      const i = kv.indexOf('=');
      if (i <= 0) throw new Error(`--env wants NAME=VALUE, got '${kv}'`);
      env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    // Guests that keep their own cwd find out where to start from PWD (Go) or a "." preopen;
    // "." is registered first so that "/" wins the ties wasi-libc breaks by registration order.
    const preopens: Record<string, string> = {};
    if (values.cwd !== undefined) {
      proc.chdir(values.cwd);
      env['PWD'] ??= values.cwd;
      preopens['.'] = values.cwd;
    }
    preopens['/'] = '/';
    const host = new WasiHost({
      process: proc,
      args: argvGuest,
      env,
      preopens,
      sandbox,
      ...nodeStdio(),
      ...(values.trace ? { trace: (line: string) => { process.stderr.write(`[wasi] ${line}\n`); } } : {}),
    });
    try {
      const module = await Wasm.compile(bytes);
      const instance = await Wasm.instantiate(module, host.getImportObject());
      return host.start(instance);
    } catch (e) {
      // A trap (abort, unreachable) ends the guest like SIGABRT ends a native program.
      if (e instanceof Error && e.constructor.name === 'RuntimeError') {
        process.stderr.write(`vroot run: the program trapped: ${e.message}\n`);
        return 134;
      }
      throw e;
    } finally {
      host.close();
    }
  },
};
