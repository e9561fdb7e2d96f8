// chown of a set-ID file implies a mode change (Linux notify_change turns ATTR_KILL_SUID/SGID
// into ATTR_MODE), which setattr_prepare lets only the owner or CAP_FOWNER make, dropping
// S_ISGID outside the new group. Each case states the kernel's answer and, where the kernel
// oracle can run, checks that statement against the kernel too.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { AT_FDCWD, O_CREAT, O_WRONLY } from '../../src/mod.js';
import { KernelOracle, oracleUnavailable } from '../oracle/kernel.js';
import { runOnVroot } from '../oracle/vroot_runner.js';
import type { Op, OpResult } from '../oracle/ops.js';

interface Case {
  name: string;
  mode: number;
  owner: [number, number];
  user: [number, number, number[]];
  chown: [number, number];
  /** The kernel's answer to the chown, and the file's owner and mode afterwards. */
  result: 'ok' | 'EPERM';
  after: [number, number, number];
}

const CASES: Case[] = [
  { name: 'a non-owner may not clear set-user-ID with chown(-1, -1)', mode: 0o4755, owner: [0, 0], user: [1000, 1000, [100]], chown: [-1, -1], result: 'EPERM', after: [0, 0, 0o4755] },
  { name: 'a non-owner may not clear set-group-ID (group exec) with chown(-1, -1)', mode: 0o2775, owner: [0, 100], user: [1000, 1000, [100]], chown: [-1, -1], result: 'EPERM', after: [0, 100, 0o2775] },
  { name: 'a non-owner\'s chown(-1, -1) of a plain file only touches ctime', mode: 0o755, owner: [0, 0], user: [1000, 1000, []], chown: [-1, -1], result: 'ok', after: [0, 0, 0o755] },
  { name: 'the owner\'s chgrp clears set-user-ID', mode: 0o4755, owner: [1000, 1000], user: [1000, 1000, [100]], chown: [-1, 100], result: 'ok', after: [1000, 100, 0o755] },
  { name: 'the owner\'s chgrp keeps set-group-ID without group exec when in the new group', mode: 0o2745, owner: [1000, 1000], user: [1000, 1000, [100]], chown: [-1, 100], result: 'ok', after: [1000, 100, 0o2745] },
  { name: 'the owner\'s chown(-1, -1) drops set-group-ID of a group it is not in', mode: 0o2745, owner: [1000, 2000], user: [1000, 1000, []], chown: [-1, -1], result: 'ok', after: [1000, 2000, 0o745] },
  { name: 'root keeps set-group-ID without group exec through chown', mode: 0o6745, owner: [1000, 1000], user: [0, 0, []], chown: [2000, 2000], result: 'ok', after: [2000, 2000, 0o2745] },
];

function ops(c: Case): Op[] {
  return [
    ['open', AT_FDCWD, '/f', O_CREAT | O_WRONLY, 0o600], ['close', 3],
    ['chown', AT_FDCWD, '/f', c.owner[0], c.owner[1], 0], ['chmod', AT_FDCWD, '/f', c.mode, 0],
    ['become', ...c.user], ['chown', AT_FDCWD, '/f', c.chown[0], c.chown[1], 0], ['fstatat', AT_FDCWD, '/f', 0],
  ];
}

function summary(results: OpResult[]): [string, number, number, number] {
  const chown = results[5]!;
  const st = results[6]![1] as { uid: number; gid: number; mode: number };
  return [chown[0] === 'ok' ? 'ok' : chown[1] as string, st.uid, st.gid, st.mode & 0o7777];
}

const oracle = oracleUnavailable() === null ? new KernelOracle() : null;
after(() => oracle?.close());

for (const c of CASES) {
  test(`chown: ${c.name}`, async () => {
    const want = [c.result, ...c.after];
    assert.deepEqual(summary(runOnVroot(ops(c))), want);
    if (oracle !== null) assert.deepEqual(summary(await oracle.run(ops(c))), want, 'the kernel disagrees with this case');
  });
}
