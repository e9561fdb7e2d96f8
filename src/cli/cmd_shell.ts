// Node-specific: the shell on the terminal.
/**
 * `vroot shell`: an interactive shell over a composed root (see shell/shell.ts), `-c` for
 * scripts, and, off a terminal, commands read from standard input. `--demo` composes the demo
 * root (`npm start`): an image of the repository's example tree, an in-memory upper, /tmp, and
 * the current directory read-only at /host.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { composeRoot } from '../compose/compose_root.js';
import { nodeRootProviders } from '../compose/node_providers.js';
import { rootSpecFromFlags } from '../compose/root_flags.js';
import type { RootSpec } from '../compose/root_spec.js';
import type { Command } from './command.js';
import { ROOT_FLAGS_HELP, splitRootFlags, terminalOutputs } from './_root_options.js';
import { demoRootSpec } from './shell/demo_root.js';
import { interactive, runScriptInput } from './shell/interactive.js';
import { Shell } from './shell/shell.js';
import { getopt, has, last, UsageError } from './shell/_getopt.js';

const USAGE = `Usage: vroot shell [ROOT OPTIONS] [OPTIONS]

An interactive shell over a composed root: cd, ls, cat, stat, tree, find, mkdir, rm, mv, cp,
ln, write, touch, chmod, chown, mount, df, history and more ('help' lists them). Every file
operation goes through vroot; nothing of the host is reachable but what the root mounts.

Options:
  -c COMMANDS        run COMMANDS (separated by ; or newlines) and exit; the first command
                     that fails ends the script with its status (as sh -e)
  --keep-going       with -c or a script on standard input: run every command; the status
                     is the last one's
  --demo             the demo root: an EROFS image of examples/demo-root, an in-memory
                     upper, /tmp, and the current directory read-only at /host (npm start)
  --histfile FILE    keep the history in FILE (default: $VROOT_HISTFILE, or ~/.vroot_history;
                     an empty value keeps none)
  -h, --help         show this help

Off a terminal, commands are read from standard input until its end (with --demo and no
commands there, a short tour of the demo root is shown instead).

${ROOT_FLAGS_HELP}`;

/** What `npm start` shows off a terminal: each command with its prompt, then its output. */
const TOUR = [
  'cat /etc/os-release',
  'ls -l /',
  'tree /usr',
  'echo hello > /tmp/note && cat /tmp/note',
  'mkdir -p /srv && cp -r /home/guest /srv/site && ls /srv/site',
  'touch /host/written-by-vroot',
  'mount',
];

function banner(notes: string[]): string {
  return [
    'vroot shell: a root composed by vroot, walked with Linux path semantics.',
    '  /        an image built from examples/demo-root, under an in-memory upper layer',
    '           (change anything: it is gone when you exit)',
    '  /tmp     an empty tmpfs',
    '  /host    the directory you started from, read-only',
    ...notes.map((n) => `  note: ${n}`),
    "Type 'help' for the commands, Tab to complete, Up/Down for history, 'exit' to leave.",
    '',
  ].join('\n');
}

/** Merges root flags into the demo spec: their layers go on top, their mounts after its own. */
function mergeSpecs(base: RootSpec, flags: RootSpec): RootSpec {
  const merged: RootSpec = {
    ...base,
    layers: [...(base.layers ?? []), ...(flags.layers ?? [])],
    binds: [...(base.binds ?? []), ...(flags.binds ?? [])],
    tmpfs: [...(base.tmpfs ?? []), ...(flags.tmpfs ?? [])],
    copyIn: [...(base.copyIn ?? []), ...(flags.copyIn ?? [])],
  };
  if (flags.upper !== undefined) merged.upper = flags.upper;
  if (flags.readOnly) merged.readOnly = true;
  if (flags.proc) merged.proc = true;
  if (flags.fakeRoot) merged.fakeRoot = true;
  return merged;
}

function historyFile(option: string | undefined): string | null {
  const chosen = option ?? process.env['VROOT_HISTFILE'] ?? join(homedir(), '.vroot_history');
  return chosen === '' ? null : chosen;
}

export const shellCommand: Command = {
  name: 'shell',
  summary: 'an interactive shell over a composed root (--demo: the demo root)',
  async run(argv) {
    const { values, rest } = splitRootFlags(argv);
    let parsed;
    try {
      parsed = getopt(rest, {
        flags: 'h',
        withArg: 'c',
        long: {
          demo: { key: 'demo' }, 'keep-going': { key: 'keep-going' }, histfile: { key: 'histfile', arg: true },
          help: { key: 'h' }, command: { key: 'c', arg: true },
        },
      });
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      process.stderr.write(`vroot shell: ${e.message}\nTry 'vroot shell --help' for more information.\n`);
      return 2;
    }
    if (has(parsed, 'h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (parsed.operands.length > 0) {
      process.stderr.write(`vroot shell: unexpected argument '${parsed.operands[0]}' (commands go in -c '...')\n`);
      return 2;
    }
    const demo = has(parsed, 'demo');
    let spec = rootSpecFromFlags(values);
    let notes: string[] = [];
    if (demo) {
      const d = demoRootSpec(process.cwd());
      spec = mergeSpecs(d.spec, spec);
      notes = d.notes;
    }
    const root = composeRoot(spec, nodeRootProviders);
    const io = terminalOutputs();
    const shell = new Shell(root.process, { out: io.out, err: io.err, columns: io.columns });
    if (demo && shell.p.getcwd() === '/') shell.run('cd /home/guest');
    try {
      const script = last(parsed, 'c');
      if (script !== undefined) {
        shell.errexit = !has(parsed, 'keep-going');
        shell.run(script);
        return shell.exitStatus ?? shell.status;
      }
      if (process.stdin.isTTY && process.stdout.isTTY) {
        if (demo) io.out.write(banner(notes));
        return await interactive(shell, { input: process.stdin, output: process.stdout, historyFile: historyFile(last(parsed, 'histfile')) });
      }
      shell.errexit = !has(parsed, 'keep-going');
      const { status, lines } = await runScriptInput(shell, process.stdin);
      if (demo && lines === 0) {
        io.out.write(banner(notes));
        shell.errexit = false;
        for (const line of TOUR) {
          io.out.write(`\n${shell.prompt()}${line}\n`);
          shell.run(line);
        }
        return 0;
      }
      return status;
    } finally {
      root.process.exit();
    }
  },
};
