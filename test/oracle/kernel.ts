// Node-specific: talks to the kernel oracle (kernel_oracle.py) over pipes.
/**
 * A client for test/oracle/kernel_oracle.py: sends a case, receives the kernel's normalized
 * results. One python process serves many cases; each case runs in its own forked, chrooted
 * child with a fresh tmpfs, so cases never see each other.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import type { Op, OpResult } from './ops.js';

const script = fileURLToPath(new URL('../../../test/oracle/kernel_oracle.py', import.meta.url));

/** Why the kernel oracle cannot run here, or null when it can. */
export function oracleUnavailable(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'the kernel oracle needs root (unshare, mount, chroot)';
  if (!existsSync(script)) return `missing ${script}`;
  const r = spawnSync('python3', ['-c', 'import ctypes; l=ctypes.CDLL(None, use_errno=True); import sys; sys.exit(0 if l.unshare(0x20000)==0 else 1)']);
  if (r.error !== undefined) return 'python3 is not installed';
  if (r.status !== 0) return 'unshare(CLONE_NEWNS) is not permitted here';
  return null;
}

/** The machine's fs.protected_* sysctls, which the kernel applies to every case. */
export function kernelSysctls(): { protectedHardlinks: boolean; protectedSymlinks: boolean; protectedFifos: number; protectedRegular: number; maxFds: number } {
  const read = (name: string): number => {
    try {
      return Number(readFileSync(`/proc/sys/fs/${name}`, 'utf8').trim());
    } catch {
      return 0;
    }
  };
  return {
    protectedHardlinks: read('protected_hardlinks') !== 0,
    protectedSymlinks: read('protected_symlinks') !== 0,
    protectedFifos: read('protected_fifos'),
    protectedRegular: read('protected_regular'),
    maxFds: openFilesLimit(),
  };
}

/** The soft RLIMIT_NOFILE the oracle's children inherit (F_DUPFD limits depend on it). */
function openFilesLimit(): number {
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m === null ? 1024 : Number(m[1]);
}

export class KernelOracle {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = '';
  private waiting: ((line: string) => void)[] = [];
  private nextId = 0;

  /** `oracleScript` runs another oracle speaking the same protocol (test/proc/proc_oracle.py). */
  constructor(oracleScript: string = script) {
    this.child = spawn('python3', [oracleScript], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.waiting.shift()?.(line);
      }
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => process.stderr.write(`[kernel oracle] ${chunk}`));
  }

  /** Runs one case through the kernel. */
  run(ops: Op[]): Promise<OpResult[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const msg = JSON.parse(line) as { id: number; results?: OpResult[]; crash?: string };
        if (msg.crash !== undefined || msg.results === undefined) reject(new Error(`kernel oracle crashed: ${msg.crash}`));
        else resolve(msg.results);
      });
      this.child.stdin.write(JSON.stringify({ id, ops }) + '\n');
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
