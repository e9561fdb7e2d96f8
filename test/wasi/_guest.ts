// Test helper: runs WASI guests on vroot roots laid out like the native oracle's, and drives
// the host's imports directly with a memory of its own.
import { AT_FDCWD, O_CREAT, O_WRONLY } from '../../src/abi/constants.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { Erofs } from '../../src/fs/erofs/reader/erofs.js';
import { MemorySink } from '../../src/fs/erofs/writer/byte_sink.js';
import { ProcessTreeSource } from '../../src/fs/erofs/writer/tree_source.js';
import { writeErofs } from '../../src/fs/erofs/writer/writer.js';
import { HostFs } from '../../src/fs/hostfs/hostfs.js';
import { Overlay } from '../../src/fs/overlay/overlay.js';
import { Tmpfs } from '../../src/fs/tmpfs/tmpfs.js';
import type { Process } from '../../src/vfs/process.js';
import { VirtualFileSystem } from '../../src/vfs/virtual_filesystem.js';
import type { NativeLayout } from './_toolchain.js';
import { CollectStream } from '../../src/wasi/stdio.js';
import type { SandboxMode } from '../../src/wasi/sandbox.js';
import { Wasm, type WasmMemory, type WasmModule } from '../../src/wasi/wasm_api.js';
import { WasiHost, type WasiHostOptions } from '../../src/wasi/wasi_host.js';

/** Writes a whole file in a vroot process. */
export function writeFile(p: Process, path: string, data: string | Uint8Array, mode = 0o644): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const fd = p.openat(AT_FDCWD, path, O_CREAT | O_WRONLY, mode);
  try {
    let done = 0;
    while (done < bytes.length) done += p.write(fd, bytes, done, bytes.length - done);
  } finally {
    p.close(fd);
  }
}

/** A vroot namespace holding a sandbox directory, as the native oracle lays out its chroot. */
export interface SandboxRoot {
  vfs: VirtualFileSystem;
  process: Process;
  /** The directory preopened as "/" (the chroot of the native run). */
  sandbox: string;
  /** Releases what the setup made outside vroot (a host directory). */
  cleanup?(): void;
}

/** A tmpfs namespace with /outside-marker and an empty /sandbox for a filesystem to be mounted on. */
function markedNamespace(): { vfs: VirtualFileSystem; process: Process } {
  const vfs = new VirtualFileSystem();
  vfs.mount(new Tmpfs(), '/');
  const p = vfs.createProcess();
  writeFile(p, '/outside-marker', 'x\n');
  p.mkdirat(AT_FDCWD, '/sandbox', 0o755);
  return { vfs, process: p };
}

/** Where host directories for the hostfs setup go: a kernel tmpfs, as the native run's chroot. */
const HOST_SCRATCH = '/dev/shm';

/**
 * The filesystem setups the guests run on. Each gives the same layout: /outside-marker next to
 * /sandbox, and /sandbox/probe (the native run's binary sits there too).
 */
export const ROOT_SETUPS: { name: string; native: NativeLayout; make(): SandboxRoot }[] = [
  {
    name: 'tmpfs',
    native: 'tmpfs',
    make() {
      const vfs = new VirtualFileSystem();
      vfs.mount(new Tmpfs(), '/');
      const p = vfs.createProcess();
      writeFile(p, '/outside-marker', 'x\n');
      p.mkdirat(AT_FDCWD, '/sandbox', 0o755);
      writeFile(p, '/sandbox/probe', 'the native run has its binary here\n', 0o755);
      return { vfs, process: p, sandbox: '/sandbox' };
    },
  },
  {
    // A host directory on a kernel tmpfs served by HostFs: every call reaches the kernel through
    // the confined addon.
    name: 'hostfs',
    native: 'tmpfs',
    make() {
      const dir = mkdtempSync(`${HOST_SCRATCH}/vroot-wasi-`);
      const { vfs, process: p } = markedNamespace();
      p.mount(new HostFs(dir), '/sandbox');
      p.fchmodat(AT_FDCWD, '/sandbox', 0o755);
      writeFile(p, '/sandbox/probe', 'the native run has its binary here\n', 0o755);
      return { vfs, process: p, sandbox: '/sandbox', cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    // An EROFS image (written by vroot, holding the probe's binary) under a tmpfs upper: every
    // write copies up, every lookup goes through both layers.
    name: 'overlay of EROFS',
    native: 'overlay-erofs',
    make() {
      const staging = markedNamespace().process;
      writeFile(staging, '/sandbox/probe', 'the native run has its binary here\n', 0o755);
      const sink = new MemorySink();
      writeErofs(new ProcessTreeSource(staging, '/sandbox'), sink);
      const { vfs, process: p } = markedNamespace();
      p.mount(new Overlay({ lowers: [Erofs.open(sink.bytes())], upper: new Tmpfs() }), '/sandbox');
      return { vfs, process: p, sandbox: '/sandbox' };
    },
  },
];

/** Runs a command module on `root` with "/" preopened at the sandbox; returns its output and status. */
export async function runGuest(
  module: WasmModule,
  args: string[],
  root: SandboxRoot,
  options: { sandbox?: SandboxMode; preopens?: Record<string, string> } = {},
): Promise<{ stdout: Uint8Array; stderr: string; status: number }> {
  const stdout = new CollectStream();
  const stderr = new CollectStream();
  const host = new WasiHost({
    process: root.process,
    args: ['probe', ...args],
    preopens: options.preopens ?? { '/': root.sandbox },
    stdout,
    stderr,
    sandbox: options.sandbox ?? 'in-root',
  });
  try {
    const instance = await Wasm.instantiate(module, host.getImportObject());
    const status = host.start(instance);
    return { stdout: stdout.bytes(), stderr: stderr.text(), status };
  } finally {
    host.close();
  }
}

/**
 * A guest without a module: a memory for arguments and results, and the host's imports to call
 * directly, for checks a C program cannot make (bad pointers, rights, cookies).
 */
export class DirectGuest {
  readonly host: WasiHost;
  readonly memory: WasmMemory;
  readonly call: Record<string, (...args: (number | bigint)[]) => number>;
  private brk = 1024;

  constructor(options: WasiHostOptions) {
    this.host = new WasiHost(options);
    this.memory = new Wasm.Memory({ initial: 4 });
    this.host.setMemory(this.memory);
    this.call = this.host.wasiImport as unknown as Record<string, (...args: (number | bigint)[]) => number>;
  }

  get view(): DataView {
    return new DataView(this.memory.buffer);
  }

  get bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  /** Allocates `size` bytes (8-aligned) and returns the address. */
  alloc(size: number): number {
    const at = this.brk;
    this.brk = (this.brk + size + 7) & ~7;
    return at;
  }

  /** Copies a string into memory; returns [address, length]. */
  str(s: string | Uint8Array): [number, number] {
    const b = typeof s === 'string' ? new TextEncoder().encode(s) : s;
    const at = this.alloc(b.length + 1);
    this.bytes.set(b, at);
    return [at, b.length];
  }

  u32(at: number): number {
    return this.view.getUint32(at, true);
  }

  u64(at: number): bigint {
    return this.view.getBigUint64(at, true);
  }

  /** path_open relative to `dirfd`; returns [errno, fd]. */
  open(dirfd: number, path: string, oflags = 0, rights = 0x0fffffffn, fdflags = 0, lookup = 1): [number, number] {
    const [p, n] = this.str(path);
    const out = this.alloc(4);
    const e = this.call['path_open']!(dirfd, lookup, p, n, oflags, rights, 0x0fffffffn, fdflags, out);
    return [e, e === 0 ? this.u32(out) : -1];
  }

  /** Writes one buffer with fd_write; returns [errno, written]. */
  write(fd: number, data: string): [number, number] {
    const [buf, len] = this.str(data);
    const iov = this.alloc(8);
    this.view.setUint32(iov, buf, true);
    this.view.setUint32(iov + 4, len, true);
    const out = this.alloc(4);
    const e = this.call['fd_write']!(fd, iov, 1, out);
    return [e, this.u32(out)];
  }

  /** Reads up to `size` bytes with fd_read; returns [errno, text]. */
  read(fd: number, size: number): [number, string] {
    const buf = this.alloc(size);
    const iov = this.alloc(8);
    this.view.setUint32(iov, buf, true);
    this.view.setUint32(iov + 4, size, true);
    const out = this.alloc(4);
    const e = this.call['fd_read']!(fd, iov, 1, out);
    return [e, new TextDecoder().decode(this.bytes.subarray(buf, buf + (e === 0 ? this.u32(out) : 0)))];
  }
}
