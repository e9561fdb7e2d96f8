// Node-specific: reads host files and wires the terminal to the guest.
/**
 * `vroot run`: runs a WebAssembly program (WASI preview 1) inside a vroot root, with the
 * terminal as its standard streams and its exit status passed through. The root is composed
 * from the root options every command shares (see compose/root_flags.ts): layers, an upper,
 * binds, tmpfs mounts, copies of host files.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { AT_FDCWD, O_RDONLY } from '../abi/constants.js';
import { composeRoot } from '../compose/compose_root.js';
import { nodeRootProviders } from '../compose/node_providers.js';
import { rootSpecFromFlags } from '../compose/root_flags.js';
import type { Process } from '../vfs/process.js';
import { nodeStdio } from '../wasi/node_stdio.js';
import type { SandboxMode } from '../wasi/sandbox.js';
import { Wasm } from '../wasi/wasm_api.js';
import { WasiHost } from '../wasi/wasi_host.js';
import type { Command } from './command.js';
import { ROOT_FLAG_OPTIONS, ROOT_FLAGS_HELP } from './_root_options.js';

const USAGE = `Usage: vroot run [ROOT OPTIONS] [OPTIONS] -- PROGRAM [ARGS...]

Runs a WebAssembly (WASI preview 1) program inside a vroot root. PROGRAM is a path inside
the root; with --host-wasm, the module is read from the host and PROGRAM ARGS is the argv.
The program runs with your uid and gid (with --fake-root: as uid 0).

${ROOT_FLAGS_HELP}
Program options:
  --host-wasm FILE       load the module from FILE on the host
  --env NAME=VALUE       set an environment variable (repeatable)
  --cwd DIR              start in DIR: sets PWD and preopens DIR as "."; wasi-libc
                         programs keep their own working directory, which starts at "/"
  --sandbox MODE         in-root (default: "/" acts as the root) or beneath (".." above a
                         preopen and absolute symlinks fail with ENOTCAPABLE)
  --trace                print every WASI call to stderr
  -h, --help             show this help
`;

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
        ...ROOT_FLAG_OPTIONS,
        'host-wasm': { type: 'string' },
        env: { type: 'string', multiple: true },
        cwd: { type: 'string' },
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
    const spec = rootSpecFromFlags(values);
    if (!spec.fakeRoot && typeof process.getuid === 'function') spec.user = { uid: process.getuid(), gid: process.getgid!() };
    const { process: proc } = composeRoot(spec, nodeRootProviders);

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
