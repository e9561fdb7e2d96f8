/**
 * The `vroot` command line (Node-specific). Each command lives in its own module and registers
 * itself in `COMMANDS`; `main` parses the command name and hands over the rest.
 */
import { catCommand } from './cmd_cat.js';
import { cpInCommand, cpOutCommand } from './cmd_cp.js';
import { demoCommand } from './cmd_demo.js';
import { extractCommand } from './cmd_extract.js';
import { findCommand } from './cmd_find.js';
import { inspectCommand } from './cmd_inspect.js';
import { lsCommand } from './cmd_ls.js';
import { mkfsCommand } from './cmd_mkfs.js';
import { runCommand } from './cmd_run.js';
import { shellCommand } from './cmd_shell.js';
import { statCommand } from './cmd_stat.js';
import { treeCommand } from './cmd_tree.js';
import type { Command } from './command.js';

/** Every command, in the order `vroot --help` lists them. */
export const COMMANDS: Command[] = [
  demoCommand, shellCommand, runCommand, mkfsCommand, extractCommand, inspectCommand,
  lsCommand, catCommand, statCommand, treeCommand, findCommand, cpInCommand, cpOutCommand,
];

const VERSION = '0.1.0';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'vroot — a userspace virtual filesystem with Linux semantics',
    '',
    'Usage: vroot <command> [options] [arguments]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run "vroot <command> --help" for a command\'s options.',
  ].join('\n');
}

/** Runs the CLI with `argv` (without the node and script names); resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`vroot ${VERSION}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) {
    process.stderr.write(`vroot: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`vroot ${name}: ${msg}\n`);
    return 1;
  }
}
