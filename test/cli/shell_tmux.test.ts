// The shell as a person uses it: `vroot shell --demo` runs in a real terminal (tmux), keys are
// typed (commands, Tab for completion, Up for history, Ctrl-C, Ctrl-D) and the screen is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratch } from '../hostfs/_scratch.js';
import { REPO } from './_tools.js';

const SOCKET = `vroot-test-${process.pid}`;
const PROMPT = 'root@vroot:/home/guest# ';
/** The prompt as capture-pane shows it at the end of a line (trailing blanks are cut). */
const MARK = PROMPT.trimEnd();

function tmux(...args: string[]): { status: number; out: string } {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
  return { status: r.status ?? -1, out: r.stdout };
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', 'vroot').out;
}

/** Waits until the screen satisfies `ok`; fails with the screen after `ms`. */
async function waitFor(what: string, ok: (s: string) => boolean, ms = 10000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = screen();
    if (ok(s)) return s;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; the screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The screen's lines without trailing blank ones. */
function lines(s: string): string[] {
  const all = s.split('\n');
  while (all.length > 0 && all[all.length - 1]!.trim() === '') all.pop();
  return all;
}

function lastLine(s: string): string {
  return lines(s).at(-1) ?? '';
}

function count(s: string, needle: string): number {
  return s.split(needle).length - 1;
}

/** Types `keys` (literally) and presses Enter, then waits for a fresh prompt. */
async function enter(text: string): Promise<string> {
  const before = count(screen(), MARK);
  tmux('send-keys', '-t', 'vroot', '-l', text);
  tmux('send-keys', '-t', 'vroot', 'Enter');
  return waitFor(`the prompt after ${JSON.stringify(text)}`, (s) => count(s, MARK) > before && lastLine(s) === PROMPT.trimEnd());
}

function startShell(cwd: string, histfile: string): void {
  const cmd = `cd ${cwd} && env VROOT_HISTFILE=${histfile} TZ=UTC ${process.execPath} ${join(REPO, 'bin', 'vroot.js')} shell --demo`;
  const r = tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', 'vroot', cmd);
  assert.equal(r.status, 0, 'tmux starts');
}

test('the shell in a terminal: prompt, commands, Tab completion, history, Ctrl-C, exit', async (t) => {
  if (spawnSync('tmux', ['-V']).status !== 0) return t.skip('tmux is not installed (apt-get install tmux; .ci/run installs it)');
  const s = scratch('tmux');
  const histfile = join(s.dir, 'history');
  writeFileSync(join(s.dir, 'from-the-host.txt'), 'host file\n');
  try {
    startShell(s.dir, histfile);
    const banner = await waitFor('the banner and prompt', (x) => x.includes(MARK));
    assert.match(banner, /vroot shell: a root composed by vroot/);
    assert.match(banner, /Tab to complete/);

    let sc = await enter('ls /');
    assert.match(sc, /bin +etc +home +host +proc +root +tmp +usr/, 'ls lists in columns on a terminal');

    // Tab completes a path (a unique match ends with a space) and a command name.
    tmux('send-keys', '-t', 'vroot', '-l', 'cat /etc/os-r');
    tmux('send-keys', '-t', 'vroot', 'Tab');
    await waitFor('the completed path', (x) => lastLine(x) === `${PROMPT}cat /etc/os-release`);
    tmux('send-keys', '-t', 'vroot', 'Enter');
    sc = await waitFor('the file', (x) => x.includes('NAME="vroot demo"') && lastLine(x) === PROMPT.trimEnd());
    tmux('send-keys', '-t', 'vroot', '-l', 'hist');
    tmux('send-keys', '-t', 'vroot', 'Tab');
    await waitFor('the completed command', (x) => lastLine(x) === `${PROMPT}history`);
    tmux('send-keys', '-t', 'vroot', 'C-u');

    // Tab on a directory completes to it with a slash; two Tabs list the choices.
    tmux('send-keys', '-t', 'vroot', '-l', 'ls /us');
    tmux('send-keys', '-t', 'vroot', 'Tab');
    await waitFor('the directory', (x) => lastLine(x) === `${PROMPT}ls /usr/`);
    tmux('send-keys', '-t', 'vroot', 'Tab', 'Tab');
    sc = await waitFor('the choices', (x) => x.includes('/usr/bin/') && x.includes('/usr/share/'));
    assert.match(sc, /\/usr\/bin\/ +\/usr\/lib\/ +\/usr\/share\//);
    tmux('send-keys', '-t', 'vroot', 'C-u');
    await enter('');

    // Writes go to the in-memory upper; the host directory is read-only at /host.
    sc = await enter('echo hello > /tmp/note && cat /tmp/note');
    assert.match(sc, /\nhello\n/);
    sc = await enter('cat /host/from-the-host.txt; touch /host/new');
    assert.match(sc, /host file\ntouch: cannot touch '\/host\/new': Read-only file system/);

    // Up recalls the line before; Enter runs it again.
    await enter('echo recalled-line');
    await enter('pwd');
    tmux('send-keys', '-t', 'vroot', 'Up', 'Up');
    await waitFor('the recalled line', (x) => lastLine(x) === `${PROMPT}echo recalled-line`);
    // As in bash, clearing a recalled line keeps the place in the history: Up goes on from it.
    tmux('send-keys', '-t', 'vroot', 'C-u');
    tmux('send-keys', '-t', 'vroot', 'Up');
    await waitFor('an older line', (x) => lastLine(x) === `${PROMPT}cat /host/from-the-host.txt; touch /host/new`);
    tmux('send-keys', '-t', 'vroot', 'Down', 'Down');
    await waitFor('a newer line', (x) => lastLine(x) === `${PROMPT}pwd`);
    tmux('send-keys', '-t', 'vroot', 'Enter');
    sc = await waitFor('pwd again', (x) => count(x, '\n/home/guest\n') >= 2);

    // Ctrl-C drops what is typed; nothing runs.
    tmux('send-keys', '-t', 'vroot', '-l', 'rm -r /usr');
    tmux('send-keys', '-t', 'vroot', 'C-c');
    await waitFor('^C and a new prompt', (x) => x.includes(`${PROMPT}rm -r /usr^C`) && lastLine(x) === PROMPT.trimEnd());
    sc = await enter('history 3; ls -d /usr');
    assert.match(sc, /\n {4}\d+ {2}pwd\n {4}\d+ {2}history 3; ls -d \/usr\n\/usr\n/);

    tmux('send-keys', '-t', 'vroot', '-l', 'exit');
    tmux('send-keys', '-t', 'vroot', 'Enter');
    const end = Date.now() + 5000;
    while (tmux('has-session', '-t', 'vroot').status === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.notEqual(tmux('has-session', '-t', 'vroot').status, 0, 'exit ends the session');

    // The history outlives the session: a new shell recalls the last line with Up.
    const saved = readFileSync(histfile, 'utf8').trim().split('\n');
    assert.equal(saved.at(-1), 'exit');
    assert.ok(saved.includes('echo recalled-line'));
    startShell(s.dir, histfile);
    await waitFor('the prompt again', (x) => x.includes(MARK));
    tmux('send-keys', '-t', 'vroot', 'Up', 'Up');
    await waitFor('history from the file', (x) => lastLine(x) === `${PROMPT}history 3; ls -d /usr`);
    tmux('send-keys', '-t', 'vroot', 'C-u', 'C-d');
    const gone = Date.now() + 5000;
    while (tmux('has-session', '-t', 'vroot').status === 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    assert.notEqual(tmux('has-session', '-t', 'vroot').status, 0, 'Ctrl-D on an empty line leaves');
  } finally {
    tmux('kill-server');
    s.remove();
  }
});
