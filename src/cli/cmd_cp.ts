// Node-specific: copies between host paths and a composed root.
/**
 * `vroot cp-in HOSTPATH... GUESTPATH` and `vroot cp-out GUESTPATH... HOSTPATH`: recursive copies
 * between the host and a composed root, keeping modes, times and symlinks (GNU `cp -a` without
 * ownership), by cp's operand rules (into a directory destination, or to exactly that name).
 * The guest side goes through the root's process; the host side is the host's own file system.
 */
import { guestTree } from '../compose/guest_tree.js';
import { nodeHostTree } from '../compose/node_host_tree.js';
import type { TreeAccess } from '../compose/tree_copy.js';
import { toByteString } from '../vfs/bytes.js';
import type { Command } from './command.js';
import { isEphemeral, openRoot, ROOT_FLAGS_HELP, splitRootFlags, terminalOutputs } from './_root_options.js';
import { copyInto } from './shell/cp.js';
import { getopt, has, UsageError } from './shell/_getopt.js';

function copyCommand(name: 'cp-in' | 'cp-out'): Command {
  const inward = name === 'cp-in';
  const [from, to] = inward ? ['HOSTPATH', 'GUESTPATH'] : ['GUESTPATH', 'HOSTPATH'];
  const usage = `Usage: vroot ${name} [ROOT OPTIONS] ${from}... ${to}

Copies ${inward ? 'host files or trees into the root' : 'files or trees of the root to the host'}, recursively, keeping
modes, times and symlinks. When ${to} is a directory, each ${from} goes inside it.
${inward ? 'The root keeps the copy only where it is stored: in --upper DIR or a writable --bind.\n' : ''}
${ROOT_FLAGS_HELP}`;
  return {
    name,
    summary: inward ? 'copy host files into a composed root' : 'copy files out of a composed root to the host',
    async run(argv) {
      const { values, rest } = splitRootFlags(argv);
      const io = terminalOutputs();
      let parsed;
      try {
        parsed = getopt(rest, { long: { help: { key: 'help' } } });
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        io.err.write(`vroot ${name}: ${e.message}\nTry 'vroot ${name} --help' for more information.\n`);
        return 2;
      }
      if (has(parsed, 'help')) {
        io.out.write(usage);
        return 0;
      }
      const operands = parsed.operands;
      if (operands.length < 2) {
        io.err.write(`vroot ${name}: ${operands.length === 0 ? 'missing file operand' : `missing destination operand after '${operands[0]}'`}\n`);
        return 2;
      }
      const { root, spec } = openRoot(values);
      if (inward && isEphemeral(spec)) {
        io.err.write(`vroot ${name}: note: this root keeps no changes (no --upper DIR or writable --bind): the copy is checked, then dropped\n`);
      }
      try {
        const guest: TreeAccess = guestTree(root.process);
        const [src, dst] = inward ? [nodeHostTree, guest] : [guest, nodeHostTree];
        const paths = operands.map(toByteString);
        return copyInto({ p: root.process, prog: `vroot ${name}`, ...io }, src, dst, paths.slice(0, -1), paths[paths.length - 1]!, { recursive: true, preserve: true });
      } finally {
        root.process.exit();
      }
    },
  };
}

/** `vroot cp-in`. */
export const cpInCommand = copyCommand('cp-in');
/** `vroot cp-out`. */
export const cpOutCommand = copyCommand('cp-out');
