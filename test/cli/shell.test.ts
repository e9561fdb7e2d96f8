// The shell run as scripts: its language (quoting against bash on generated lines, variables,
// ;, && and ||, redirection, wildcards), every builtin on a composed root, exit statuses, and
// `vroot shell -c` and scripts on standard input end to end.
process.env['TZ'] = 'UTC';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeRoot } from '../../src/compose/compose_root.js';
import { nodeRootProviders } from '../../src/compose/node_providers.js';
import type { RootSpec } from '../../src/compose/root_spec.js';
import { parseLine, ShellSyntaxError } from '../../src/cli/shell/line_parser.js';
import { Shell } from '../../src/cli/shell/shell.js';
import { CollectOutput } from '../../src/cli/shell/tool.js';
import { Prng, testSeed } from '../emu/_prng.js';
import { scratch } from '../hostfs/_scratch.js';
import { vroot } from './_tools.js';

const SEED = testSeed(31337);

/** A shell on a root with a guest /etc/passwd, and a function running one line. */
function shell(spec: RootSpec = {}): { sh: Shell; run(line: string): { status: number; out: string; err: string } } {
  const root = composeRoot(spec, nodeRootProviders);
  const out = new CollectOutput();
  const err = new CollectOutput();
  const sh = new Shell(root.process, { out, err });
  sh.run("mkdir -p /etc /root; write /etc/passwd 'root:x:0:0::/root:/bin/sh'; echo 'guest:x:1000:1000::/home/guest:/bin/sh' >> /etc/passwd; write /etc/group root:x:0:; write -a /etc/group guest:x:1000:");
  let seenOut = 0;
  let seenErr = 0;
  return {
    sh,
    run(line) {
      const status = sh.run(line);
      const o = out.text();
      const e = err.text();
      const r = { status, out: o.slice(seenOut), err: e.slice(seenErr) };
      seenOut = o.length;
      seenErr = e.length;
      return r;
    },
  };
}

test('words are split and unquoted as bash splits them, on generated lines', (t) => {
  if (spawnSync('bash', ['--version']).status !== 0) return t.skip('bash is needed as the oracle');
  const rng = new Prng(SEED);
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    lines.push(Array.from({ length: rng.int(1, 12) }, () => rng.pick(['a', 'b', ' ', '  ', "'", '"', '\\', '\\ ', "'x y'", '"p q"', '#', '\t', 'é'])).join(''));
  }
  // bash prints each word bracketed, or "ERR" when the line does not parse.
  const script = lines.map((l) => `(eval ${shellQuote(`set -- ${l}\n`)} 2>/dev/null && for w in "$@"; do printf '[%s]' "$w"; done) || printf ERR; echo`).join('\n');
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  const expected = r.stdout.split('\n');
  let parsed = 0;
  lines.forEach((line, i) => {
    let got: string;
    try {
      const lists = parseLine(line, () => undefined);
      got = lists.flatMap((l) => l.first.words).map((w) => `[${Buffer.from(w.text, 'latin1').toString('utf8')}]`).join('');
      parsed++;
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      got = 'ERR';
    }
    assert.equal(got, expected[i], `line ${JSON.stringify(line)} (seed ${SEED}, case ${i})`);
  });
  assert.ok(parsed > 100);
  t.diagnostic(`${lines.length} lines, ${parsed} that parse`);
});

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

test('variables, ;, && and ||, comments, exit statuses', () => {
  const { run } = shell();
  assert.deepEqual(run('echo one; echo two'), { status: 0, out: 'one\ntwo\n', err: '' });
  assert.equal(run('false || echo rescued').out, 'rescued\n');
  assert.equal(run('false && echo never').out, '');
  assert.equal(run('true && echo yes || echo no').out, 'yes\n');
  assert.equal(run('false; echo $? "${?}" \'$?\'').out, '1 1 $?\n');
  assert.equal(run('cd /etc; echo $PWD ~ $HOME; echo a # a comment').out, '/etc /root /root\na\n');
  assert.deepEqual(run('nonesuch'), { status: 127, out: '', err: "vroot: nonesuch: command not found (try 'help')\n" });
  assert.equal(run('echo "unterminated').status, 2);
  assert.match(run('ls | cat').err, /pipes are not supported/);
  assert.equal(run('echo a &&').status, 2);
});

test('output redirection writes guest files; 2> and 2>&1; a failed redirection skips the command', () => {
  const { run } = shell();
  run('echo first > /f; echo second >> /f');
  assert.equal(run('cat /f').out, 'first\nsecond\n');
  assert.deepEqual(run('cat /missing 2> /err'), { status: 1, out: '', err: '' });
  assert.equal(run('cat /err').out, 'cat: /missing: No such file or directory\n');
  run('cat /f /missing > /both 2>&1');
  assert.equal(run('cat /both').out, 'first\nsecond\ncat: /missing: No such file or directory\n');
  const r = run('echo lost > /no/such/dir/f');
  assert.equal(r.status, 1);
  assert.equal(r.err, 'vroot: /no/such/dir/f: No such file or directory\n');
});

test('wildcards expand through the guest, sorted, dot files only by a leading dot; no match keeps the word', () => {
  const { run } = shell();
  run('mkdir -p /w/sub; touch /w/b.txt /w/a.txt /w/.hidden.txt /w/c.log /w/sub/x.txt');
  assert.equal(run('echo /w/*.txt').out, '/w/a.txt /w/b.txt\n');
  assert.equal(run('echo /w/.*.txt /w/*/x.txt /w/[ab]*').out, '/w/.hidden.txt /w/sub/x.txt /w/a.txt /w/b.txt\n');
  assert.equal(run("echo /w/*.none '/w/*.txt'").out, '/w/*.none /w/*.txt\n');
  assert.equal(run('cd /w; echo *.log */').out, 'c.log sub/\n');
});

test('file builtins: mkdir, touch, write, cp, mv (also across mounts), ln, rm, rmdir, readlink, chmod, chown', () => {
  const { run } = shell();
  assert.equal(run('mkdir -p /a/b/c && mkdir -m 700 /a/private && stat -c "%a %n" /a/b/c /a/private').out, '755 /a/b/c\n700 /a/private\n');
  assert.equal(run('mkdir /a').err, "mkdir: cannot create directory '/a': File exists\n");
  run('write /a/b/file hello world; write -a /a/b/file again');
  assert.equal(run('cat /a/b/file').out, 'hello world\nagain\n');
  assert.equal(run('cp -r /a/b /a/copy && cat /a/copy/file').out, 'hello world\nagain\n');
  assert.equal(run('cp -r /a /a/b').err, "cp: cannot copy a directory, '/a', into itself, '/a/b/a'\n");
  run('chmod 600 /a/b/file; touch -c /a/b/nothing');
  assert.equal(run('cp -a /a/b/file /a/kept && stat -c %a /a/kept').out, '600\n');
  assert.equal(run('mkdir -p /mnt && mount -t tmpfs tmpfs /mnt').status, 0);
  assert.deepEqual(run('mv /a/copy /mnt/moved && ls /mnt/moved && ls /a'), { status: 0, out: 'c\nfile\nb\nkept\nprivate\n', err: '' });
  assert.equal(run('ln -s ../a/b/file /mnt/link && readlink /mnt/link && cat /mnt/link').out, '../a/b/file\nhello world\nagain\n');
  assert.equal(run('ln /a/b/file /a/hard && stat -c %h /a/b/file').out, '2\n');
  assert.equal(run('chmod u+x,go= /a/hard && stat -c %A /a/b/file').out, '-rwx------\n');
  assert.equal(run('chown guest:guest /a/hard && stat -c "%U %G %u" /a/b/file').out, 'guest guest 1000\n');
  assert.equal(run('chown nobody /a/hard').err, "chown: invalid user: 'nobody'\n");
  assert.equal(run('rmdir /a/b').err, "rmdir: failed to remove '/a/b': Directory not empty\n");
  assert.equal(run('rm /a/b').err, "rm: cannot remove '/a/b': Is a directory\n");
  assert.deepEqual(run('rm -r /a/b && rm -f /a/none && ls /a'), { status: 0, out: 'hard\nkept\nprivate\n', err: '' });
  assert.equal(run('rm -r /').err, "rm: it is dangerous to operate recursively on '/'\n");
});

test('mounts: list, tmpfs with options, bind, remount read-only, umount, df', () => {
  const { run } = shell();
  run('mkdir -p /m /data; write /data/f data');
  assert.equal(run('mount -t tmpfs -o size=8k,nosuid tmpfs /m').status, 0);
  assert.match(run('mount').out, /^tmpfs on \/m type tmpfs \(rw,nosuid/m);
  assert.equal(run('write /m/big ' + 'x'.repeat(10000)).err, "write: '/m/big': No space left on device\n");
  assert.equal(run('mkdir /m/b && mount --bind /data /m/b && cat /m/b/f').out, 'data\n');
  assert.equal(run('mount -o remount,ro /m/b && touch /m/b/x').err, "touch: cannot touch '/m/b/x': Read-only file system\n");
  assert.match(run('df /m').out, /^Filesystem +1K-blocks +Used +Available +Use% +Mounted on\ntmpfs +8 +\d+ +\d+ +\d+% \/m\n$/);
  assert.equal(run('umount /m').err, 'umount: /m: Device or resource busy\n');
  assert.equal(run('umount /m/b && umount /m && mount').out.includes(' /m '), false);
  assert.equal(run('umount /data').err, 'umount: /data: not mounted\n');
});

test('cd, pwd, cd -, history, help, exit', () => {
  const { sh, run } = shell();
  assert.equal(run('cd /etc && pwd && cd / && cd - && pwd').out, '/etc\n/etc\n/etc\n');
  assert.equal(run('cd /nowhere').err, 'cd: /nowhere: No such file or directory\n');
  sh.history.push('ls', 'cat /etc/passwd');
  assert.equal(run('history').out, '    1  ls\n    2  cat /etc/passwd\n');
  assert.match(run('help').out, /^Commands \(each takes --help\):\n {2}cat/);
  assert.match(run('ls --help').out, /^Usage: ls /);
  run('exit 3; echo not reached');
  assert.equal(sh.exitStatus, 3);
});

test('vroot shell -c: stops at the first failure with its status; --keep-going; stdin scripts; root options', () => {
  const s = scratch('shell-c');
  try {
    const host = join(s.dir, 'host');
    mkdirSync(host);
    writeFileSync(join(host, 'in'), 'from the host\n');
    const ok = vroot(['shell', '--bind', `${host}:/h`, '-c', 'cat /h/in; echo out > /h/out']);
    assert.deepEqual(ok, { status: 0, out: 'from the host\n', err: '' });
    assert.equal(readFileSync(join(host, 'out'), 'utf8'), 'out\n');
    const fail = vroot(['shell', '-c', 'echo before; cat /missing; echo after']);
    assert.deepEqual(fail, { status: 1, out: 'before\n', err: 'cat: /missing: No such file or directory\n' });
    const keep = vroot(['shell', '--keep-going', '-c', 'cat /missing; echo after']);
    assert.equal(keep.status, 0);
    assert.equal(keep.out, 'after\n');
    const rescued = vroot(['shell', '-c', 'cat /missing || echo rescued']);
    assert.equal(rescued.status, 0);
    const stdin = vroot(['shell', '--bind', `${host}:/h:ro`], { input: 'ls /h\ntouch /h/x\necho unreached\n' });
    assert.deepEqual(stdin, { status: 1, out: 'in\nout\n', err: "touch: cannot touch '/h/x': Read-only file system\n" });
    assert.equal(vroot(['shell', '-c', 'exit 7']).status, 7);
    assert.equal(vroot(['shell', 'stray']).status, 2);
    assert.match(vroot(['shell', '--help']).out, /Root options:\n {2}--layer IMAGE\|DIR/);
  } finally {
    s.remove();
  }
});
