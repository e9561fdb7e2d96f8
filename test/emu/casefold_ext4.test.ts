// Differential test: ext4 casefold answers recorded from Linux 6.1 (user-mode Linux with
// CONFIG_UNICODE, by tools/casefold/record.py) replayed against vroot's tmpfs with casefold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { loadRecording, replay, type RecordedCase } from './casefold_replay.js';
import { utf8Casefold } from '../../src/emu/casefold/casefold.js';

const recording = loadRecording(new URL('../../../test/data/casefold/ext4_answers.jsonl.gz', import.meta.url));

/** Readable form of an operation for failure messages (hex paths decoded where UTF-8). */
function show(op: unknown[]): string {
  return JSON.stringify(op.map((x) => (typeof x === 'string' && /^([0-9a-f]{2})+$/.test(x) ? Buffer.from(x, 'hex').toString('utf8') : x)));
}

/**
 * ext4 shows a name as it was looked up when the dentry it created was not hashed (files made
 * by open(O_CREAT) in a casefolded directory), where tmpfs, and vroot, keep the stored name.
 * Accepts vroot's answer when it is the stored name the kernel's own readdir showed.
 */
function isLookupSpelling(c: RecordedCase, i: number, kernel: unknown, ours: unknown): boolean {
  const op = c.ops[i]!;
  const kernelPath = Array.isArray(kernel) ? kernel[1] : kernel;
  const ourPath = Array.isArray(ours) ? ours[1] : ours;
  const opPath = op[1] as string;
  if (kernelPath !== '2f' + opPath || typeof ourPath !== 'string') return false;
  let slash = opPath.length - 2;
  while (slash >= 0 && opPath.slice(slash, slash + 2) !== '2f') slash -= 2;
  if (slash < 0) return false;
  const dir = opPath.slice(0, slash);
  let objLabel: unknown = Array.isArray(kernel) ? kernel[0] : undefined;
  if (objLabel === undefined) {
    const last = c.ops.length - 1;
    if (c.ops[last]![0] === 'stat' && c.ops[last]![1] === opPath) objLabel = c.res[last];
  }
  for (let j = i + 1; j < c.ops.length; j++) {
    if (c.ops[j]![0] !== 'list' || c.ops[j]![1] !== dir) continue;
    const entry = (c.res[j] as [string, string][]).find(([, l]) => l === objLabel);
    return entry !== undefined && ourPath === '2f' + dir + '2f' + entry[0];
  }
  return false;
}

/**
 * ext4 finds a stored name that does not fold by a name whose fold equals its bytes ("\u200B\x80"
 * finds "\x80") but not the other way round; vroot makes the two one name both ways (see
 * casefoldKey). Accepts vroot's answer where the kernel did not find, by a name that does not
 * fold, a stored name (from the kernel's readdir) whose fold is that name's bytes.
 */
function isReverseRawMatch(c: RecordedCase, i: number, kernel: unknown): boolean {
  const op = c.ops[i]!;
  if (kernel !== 'ENOENT' || typeof op[1] !== 'string') return false;
  const name = Buffer.from(op[1], 'hex');
  const slash = name.lastIndexOf(0x2f);
  const last = name.subarray(slash + 1).toString('latin1');
  if (utf8Casefold(last) !== null) return false;
  const dirHex = name.subarray(0, slash).toString('hex');
  const list = c.ops.findIndex((o, j) => j > i && o[0] === 'list' && o[1] === dirHex);
  if (list < 0) return false;
  return (c.res[list] as [string, string][]).some(([h]) => {
    const stored = Buffer.from(h, 'hex').toString('latin1');
    return stored !== last && utf8Casefold(stored) === last;
  });
}

/**
 * After the kernel dropped its dentry cache, ext4's own lookup refuses a spelling longer than
 * 255 bytes (ENAMETOOLONG) that the dentry cache would have matched to a shorter stored name;
 * tmpfs never drops dentries, so vroot (like Linux tmpfs) finds the entry.
 */
function isColdLongName(c: RecordedCase, i: number, kernel: unknown, ours: unknown): boolean {
  const op = c.ops[i]!;
  if (op[0] !== 'stat' || kernel !== 'ENAMETOOLONG' || typeof ours !== 'string' || !ours.startsWith('#')) return false;
  if (!c.ops.slice(0, i).some((o) => o[0] === 'drop')) return false;
  const name = Buffer.from(op[1] as string, 'hex');
  return name.length - name.lastIndexOf(0x2f) - 1 > 255;
}

test('recording header: Linux with casefold on ext4, and enough cases', () => {
  const h = recording.header;
  assert.match(String(h.kernel), /^6\.1\./);
  assert.equal(h.cases, recording.cases.length);
  assert.ok(recording.cases.length >= 5000, `only ${recording.cases.length} cases`);
});

test('every recorded ext4 casefold answer matches vroot tmpfs casefold', () => {
  let ops = 0;
  let lookupSpelling = 0;
  let reverseRaw = 0;
  let coldLong = 0;
  const mismatches: string[] = [];
  const byFs = new Map<string, number>();
  for (const c of recording.cases) {
    byFs.set(c.fs, (byFs.get(c.fs) ?? 0) + 1);
    const ours = replay(c);
    for (let i = 0; i < c.ops.length; i++) {
      ops++;
      const kernel = c.res[i];
      if (isDeepStrictEqual(kernel, ours[i])) continue;
      const kind = c.ops[i]![0];
      if ((kind === 'open' || kind === 'cwd') && isLookupSpelling(c, i, kernel, ours[i])) {
        lookupSpelling++;
        continue;
      }
      if (isColdLongName(c, i, kernel, ours[i])) {
        coldLong++;
        continue;
      }
      if (isReverseRawMatch(c, i, kernel)) {
        reverseRaw++;
        break;
      }
      mismatches.push(`[${c.fs}] op ${i} ${show(c.ops[i]!)}: kernel ${JSON.stringify(kernel)}, vroot ${JSON.stringify(ours[i])}\n    case ${c.ops.map(show).join(' ')}`);
      break;
    }
  }
  console.log(`casefold: ${recording.cases.length} cases (${[...byFs].map(([k, v]) => `${k} ${v}`).join(', ')}), ` +
    `${ops} operations compared; ${lookupSpelling} paths where ext4 shows the looked-up spelling and vroot the stored name; ` +
    `${reverseRaw} cases where ext4 does not find a stored name by the bytes it folds to; ` +
    `${coldLong} spellings over 255 bytes ext4 refused after dropping its dentry cache`);
  assert.ok(coldLong <= 4, `${coldLong} long cold spellings`);
  assert.ok(reverseRaw <= 4, `${reverseRaw} reverse raw matches`);
  assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} cases differ`);
});
