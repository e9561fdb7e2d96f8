// Node-specific: runs generated fs sequences on Node's own fs, inside a sandbox whose /dev/shm
// is a fresh kernel tmpfs (bubblewrap), and prints their outcomes as JSON. Input on stdin:
// { sequences, user?: { uid, gid, groups } }. Each sequence runs in /dev/shm/s<i>/w/root.
import * as fs from 'node:fs';
import { TICK_MS, dumpTree, normalizer, runSequence, type Outcome, type Sequence } from './_fs_ops.js';

/** How long node:fs's asynchronous rm may go on removing after it reported a failure. */
const SETTLE_MS = 50;

interface Input {
  sequences: Sequence[];
  user?: { uid: number; gid: number; groups: number[] };
  /** The scratch slot of the first sequence (default 0). */
  first?: number;
}

/** The scratch root of sequence `i`, the same path on both sides of the comparison. */
export function scratchRoot(i: number): string {
  return `/dev/shm/s${i}/w/root`;
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const input = JSON.parse(Buffer.concat(chunks).toString()) as Input;
  process.umask(0o022);
  const startMs = Date.now();
  const slot = (i: number): number => (input.first ?? 0) + i;
  const results: unknown[] = [];
  const run = async (i: number, setup: Outcome[]): Promise<void> => {
    const P = scratchRoot(slot(i));
    process.chdir(P);
    const seq = input.sequences[i]!;
    const ops = await runSequence(fs, P, seq.ops, norms[i]!, seq.timed ? TICK_MS : 0, SETTLE_MS);
    results.push({ setup, ops, tree: dumpTree(fs, P, norms[i]!) });
  };
  const norms = input.sequences.map((s, i) => normalizer(scratchRoot(slot(i)), startMs, s.timed));
  // Each sequence's scratch root (mode 0777) and its root-made setup.
  const setup = async (i: number): Promise<Outcome[]> => {
    const P = scratchRoot(slot(i));
    fs.mkdirSync(P, { recursive: true });
    fs.chmodSync(P, 0o777);
    process.chdir(P);
    const seq = input.sequences[i]!;
    return runSequence(fs, P, seq.setup, norms[i]!, seq.timed ? TICK_MS : 0);
  };
  if (input.user === undefined) {
    // As root, one sequence at a time, removed when done: no sequence sees another's files.
    for (let i = 0; i < input.sequences.length; i++) {
      await run(i, await setup(i));
      process.chdir('/');
      fs.rmSync(`/dev/shm/s${slot(i)}`, { recursive: true, force: true });
    }
  } else {
    // The setups need root; the calls under test run as the user, who cannot become root again.
    const setups: Outcome[][] = [];
    for (let i = 0; i < input.sequences.length; i++) setups.push(await setup(i));
    process.setgroups!(input.user.groups);
    process.setgid!(input.user.gid);
    process.setuid!(input.user.uid);
    for (let i = 0; i < input.sequences.length; i++) await run(i, setups[i]!);
  }
  process.stdout.write(JSON.stringify(results));
}

if (process.env.VROOT_REAL_RUNNER === '1') await main();
