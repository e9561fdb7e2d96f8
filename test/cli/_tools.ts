// Node-specific: runs the file tools in-process on a composed root, or the vroot command.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeRoot, type ComposedRoot } from '../../src/compose/compose_root.js';
import { nodeRootProviders } from '../../src/compose/node_providers.js';
import type { RootSpec } from '../../src/compose/root_spec.js';
import { CollectOutput, type Tool } from '../../src/cli/shell/tool.js';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** What a tool or command printed (one char per byte) and returned. */
export interface Ran {
  status: number;
  out: string;
  err: string;
}

/** A composed root whose tools run in this process. */
export class ToolRoot {
  readonly root: ComposedRoot;

  constructor(spec: RootSpec) {
    this.root = composeRoot(spec, nodeRootProviders);
  }

  /** Ends the guest and releases the host descriptors the root holds. */
  close(): void {
    this.root.close();
  }

  /** Runs `tool` as `prog` with `args`. */
  run(tool: Tool, prog: string, args: string[], columns = 0): Ran {
    const out = new CollectOutput();
    const err = new CollectOutput();
    const status = tool({ p: this.root.process, prog, out, err, columns }, args);
    return { status, out: Buffer.from(out.bytes()).toString('latin1'), err: Buffer.from(err.bytes()).toString('latin1') };
  }
}

/** Runs a host program (the oracle), in `cwd`, with the C locale and UTC. */
export function host(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Ran {
  // Outputs are compared as bytes (latin1 keeps each byte as one char).
  const r = spawnSync(cmd, args, { cwd, encoding: 'latin1', env: { ...process.env, LC_ALL: 'C', TZ: 'UTC', ...env } });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Runs `vroot ARGS`. */
export function vroot(args: string[], options: { input?: string; cwd?: string; env?: Record<string, string> } = {}): Ran {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'vroot.js'), ...args], {
    input: options.input ?? '',
    cwd: options.cwd ?? REPO,
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', ...options.env },
  });
  return { status: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** True when this process runs as root (device nodes, chown). */
export const isRoot = process.geteuid?.() === 0;
