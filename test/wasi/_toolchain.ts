// Node-specific test helper: builds the C guest programs (wasm32-wasi with Debian's clang, and
// natively with gcc) and runs native binaries as the oracle, chrooted on a fresh kernel tmpfs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/wasi). */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCES = join(REPO, 'test', 'wasi', 'programs');
const CACHE = join(REPO, 'dist', 'test', 'wasi', '.programs');

function which(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

let toolchainProblem: string | null | undefined;

/** Why C programs cannot be built for wasm32-wasi here, or null when they can. */
export function wasmToolchainProblem(): string | null {
  if (toolchainProblem !== undefined) return toolchainProblem;
  toolchainProblem = null;
  if (!which('clang')) toolchainProblem = 'clang is not installed (apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32)';
  else if (!existsSync('/usr/include/wasm32-wasi/stdio.h')) toolchainProblem = 'wasi-libc is not installed (apt-get install wasi-libc)';
  else if (!which('wasm-ld') && !which('wasm-ld-14')) toolchainProblem = 'wasm-ld is not installed (apt-get install lld)';
  return toolchainProblem;
}

/** Why the native oracle cannot run here (it needs gcc, static glibc and root for chroot), or null. */
export function nativeOracleProblem(): string | null {
  if (!which('gcc')) return 'gcc is not installed';
  if (!which('unshare') || !which('chroot')) return 'unshare or chroot is missing (util-linux, coreutils)';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the native oracle chroots on a fresh tmpfs and needs root';
  return null;
}

/** Why the native oracle cannot lay out `layout` here (mkfs.erofs and the kernel's erofs and overlay), or null. */
export function nativeLayoutProblem(layout: NativeLayout): string | null {
  if (layout === 'overlay-erofs' && !which('mkfs.erofs')) return 'mkfs.erofs is not installed (apt-get install erofs-utils)';
  return null;
}

function build(name: string, kind: 'wasm' | 'native'): string {
  const source = join(SOURCES, `${name}.c`);
  const text = readFileSync(source);
  const args = kind === 'wasm'
    ? ['clang', '--target=wasm32-wasi', '-O2', '-Wall', '-Wno-format-truncation']
    : ['gcc', '-static', '-O2', '-Wall', '-Wno-unused-result', '-Wno-format-truncation'];
  const hash = createHash('sha256').update(text).update(args.join(' ')).digest('hex').slice(0, 16);
  const out = join(CACHE, `${name}-${hash}.${kind === 'wasm' ? 'wasm' : 'bin'}`);
  if (existsSync(out)) return out;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync(args[0]!, [...args.slice(1), source, '-o', tmp], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args[0]} failed on ${name}.c:\n${r.stderr}`);
  renameSync(tmp, out);
  return out;
}

/** Builds test/wasi/programs/NAME.c for wasm32-wasi (cached by content); returns the .wasm path. */
export function buildWasm(name: string): string {
  return build(name, 'wasm');
}

/** Builds test/wasi/programs/NAME.c natively, statically linked; returns the binary's path. */
export function buildNative(name: string): string {
  return build(name, 'native');
}

/** What the native run's root is: a kernel tmpfs, or a kernel overlay of a loop-mounted EROFS image over a tmpfs upper. */
export type NativeLayout = 'tmpfs' | 'overlay-erofs';

/**
 * Runs a native binary as root in a chroot on a fresh kernel tmpfs (in its own mount
 * namespace), or on an overlay of an EROFS image there: the binary is /probe in the new root,
 * and the directory above the root holds `outside-marker`, which a sandboxed program must never
 * reach. Returns stdout and the status.
 */

export function runNative(binary: string, args: string[], layout: NativeLayout = 'tmpfs'): { stdout: Buffer; status: number } {
  const dir = mkdtempSync(join(tmpdir(), 'vroot-native-'));
  try {
    const sandbox = layout === 'tmpfs'
      ? 'mkdir "$d/sandbox"; cp "$b" "$d/sandbox/probe"; '
      // The probe in an EROFS image made by mkfs.erofs, loop-mounted, under a tmpfs upper.
      : 'mkdir "$d/src" "$d/lower" "$d/upper" "$d/work" "$d/sandbox"; chmod 755 "$d/src" "$d/upper"; cp "$b" "$d/src/probe"; ' +
        'mkfs.erofs "$d/image" "$d/src" >/dev/null 2>&1; mount -t erofs -o loop,ro "$d/image" "$d/lower"; ' +
        'mount -t overlay -o lowerdir="$d/lower",upperdir="$d/upper",workdir="$d/work" none "$d/sandbox"; ';
    const script = 'set -e; d="$1"; b="$2"; shift 2; mount -t tmpfs none "$d"; echo x > "$d/outside-marker"; ' +
      sandbox + 'exec chroot "$d/sandbox" /probe "$@"';
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', dir, binary, ...args], { maxBuffer: 64 << 20 });
    if (r.error !== undefined) throw r.error;
    return { stdout: r.stdout, status: r.status ?? -1 };
  } finally {
    rmdirSync(dir);
  }
}
