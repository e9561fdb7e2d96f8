// Node-specific: wires the shell to a terminal with node:readline.
/**
 * The shell on a terminal: node:readline does the line editing (arrows, Home/End, Ctrl-A/E/U/W),
 * history recall with Up and Down, and Tab completion through `complete`; the history is kept in
 * a file between sessions. Ctrl-C abandons the line being typed, Ctrl-D on an empty line leaves.
 * Off a terminal, lines are read from the input until its end and run as a script.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, type Writable } from 'node:stream';
import { complete } from './completer.js';
import type { Shell } from './shell.js';

/** Lines of history kept, in the file and in memory. */
const HISTORY_SIZE = 1000;

/** Reads a history file (oldest first); missing or unreadable files give none. */
export function loadHistory(file: string | null): string[] {
  if (file === null) return [];
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-HISTORY_SIZE);
  } catch {
    return [];
  }
}

function saveLine(file: string | null, line: string): void {
  if (file === null) return;
  try {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, line.replace(/\n/g, ' ') + '\n');
  } catch {
    // A history that cannot be written is not worth interrupting the session for.
  }
}

/** Trims a history file that grew well past HISTORY_SIZE back to its newest lines. */
function trimHistory(file: string | null): void {
  if (file === null) return;
  try {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    if (lines.length > HISTORY_SIZE * 2) writeFileSync(file, lines.slice(-HISTORY_SIZE).join('\n') + '\n');
  } catch {
    // as above
  }
}

/** Options of `interactive`. */
export interface InteractiveOptions {
  input: Readable;
  output: Writable;
  /** Where history is kept between sessions (null: nowhere). */
  historyFile: string | null;
}

/**
 * The terminal's input with every Tab delivered in its own chunk, a turn of the event loop after
 * what came before it. node:readline completes asynchronously (it awaits the completer), so a
 * second Tab arriving in the same chunk as the first (a fast double Tab, a paste, a terminal
 * multiplexer) would be inserted into the line as a literal tab instead of listing the choices.
 */
function pacedInput(input: Readable): Readable {
  const tty = input as Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  const queue: Buffer[] = [];
  let draining = false;
  // Flow follows the consumer's pause() and resume(); read() is also called to fill the buffer
  // while paused, so it must not resume the terminal.
  const out = new Readable({ read() {} });
  const drain = (): void => {
    draining = false;
    const next = queue.shift();
    if (next === undefined) return;
    out.push(next);
    if (queue.length > 0) {
      draining = true;
      setImmediate(drain);
    }
  };
  input.on('data', (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let from = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0x09) continue;
      if (i > from) queue.push(bytes.subarray(from, i));
      queue.push(bytes.subarray(i, i + 1));
      from = i + 1;
    }
    if (from < bytes.length) queue.push(bytes.subarray(from));
    if (!draining) drain();
  });
  input.on('end', () => out.push(null));
  const paced = out as Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  if (tty.isTTY !== undefined) paced.isTTY = tty.isTTY;
  if (typeof tty.setRawMode === 'function') paced.setRawMode = (raw: boolean) => tty.setRawMode!(raw);
  out.on('pause', () => input.pause());
  out.on('resume', () => input.resume());
  return out;
}

/**
 * Runs the shell on a terminal until `exit` or Ctrl-D; resolves to the exit status.
 */
export function interactive(shell: Shell, options: InteractiveOptions): Promise<number> {
  const past = loadHistory(options.historyFile);
  shell.history.push(...past);
  trimHistory(options.historyFile);
  const rl = createInterface({
    input: pacedInput(options.input),
    output: options.output,
    terminal: true,
    completer: (line: string) => complete(shell, line),
    history: [...past].reverse(),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: false,
    tabSize: 4,
  });
  const columns = (): number => (options.output as Writable & { columns?: number }).columns ?? 80;
  return new Promise((resolve) => {
    rl.setPrompt(shell.prompt());
    rl.prompt();
    rl.on('line', (line) => {
      if (line.trim() !== '') {
        shell.history.push(line);
        saveLine(options.historyFile, line);
      }
      shell.columns = columns();
      shell.run(line);
      if (shell.exitStatus !== null) {
        rl.close();
        return;
      }
      rl.setPrompt(shell.prompt());
      rl.prompt();
    });
    rl.on('SIGINT', () => {
      // Like bash: show ^C, drop the line, prompt again.
      options.output.write('^C\n');
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
      rl.prompt();
    });
    rl.on('close', () => {
      options.input.removeAllListeners('data');
      options.input.pause();
      if (shell.exitStatus === null) options.output.write('exit\n');
      resolve(shell.exitStatus ?? shell.status);
    });
  });
}

/**
 * Runs the lines of a non-terminal input as a script until its end (or `exit`, or a failure
 * when the shell has `errexit`); resolves to the status of the last command run and the number
 * of lines that held something.
 */
export async function runScriptInput(shell: Shell, input: Readable): Promise<{ status: number; lines: number }> {
  const rl = createInterface({ input, terminal: false });
  let lines = 0;
  for await (const line of rl) {
    if (line.trim() !== '') lines++;
    shell.run(line);
    if (shell.exitStatus !== null) break;
  }
  rl.close();
  return { status: shell.exitStatus ?? shell.status, lines };
}
