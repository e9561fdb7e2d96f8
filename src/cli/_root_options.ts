// Node-specific: composes roots from host paths for the commands.
/**
 * The root options every command that works on a composed root accepts (see
 * compose/root_flags.ts for their meaning), and the wiring of a file tool to the terminal.
 */
import { composeRoot, type ComposedRoot } from '../compose/compose_root.js';
import { nodeRootProviders } from '../compose/node_providers.js';
import { ROOT_FLAG_OPTIONS, ROOT_FLAGS_HELP, rootSpecFromFlags, type RootFlagValues } from '../compose/root_flags.js';
import type { RootSpec } from '../compose/root_spec.js';
import type { Command } from './command.js';
import type { Output, Tool } from './shell/tool.js';

export { ROOT_FLAG_OPTIONS, ROOT_FLAGS_HELP };

/**
 * Takes the root options out of a command line, wherever they are before a `--`; the rest is
 * left in order for the command's own parser.
 */
export function splitRootFlags(argv: string[]): { values: RootFlagValues; rest: string[] } {
  const values: Record<string, string | string[] | boolean> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(a);
    const def = m === null ? undefined : (ROOT_FLAG_OPTIONS as Record<string, { type: string; multiple?: boolean }>)[m[1]!];
    if (m === null || def === undefined) {
      rest.push(a);
      continue;
    }
    const name = m[1]!;
    if (def.type === 'boolean') {
      if (m[2] !== undefined) throw new Error(`option '--${name}' does not take a value`);
      values[name] = true;
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new Error(`option '--${name}' needs a value`);
      value = argv[++i]!;
    }
    if (def.multiple) ((values[name] ??= []) as string[]).push(value);
    else values[name] = value;
  }
  return { values: values as RootFlagValues, rest };
}

/** True when the spec keeps nothing written to the root (no host upper, no writable bind). */
export function isEphemeral(spec: RootSpec): boolean {
  return !(spec.upper !== undefined && 'dir' in spec.upper) && !(spec.binds ?? []).some((b) => !b.readOnly);
}

/** Composes the root that root options describe, with `extra` (the command's defaults) merged in. */
export function openRoot(values: RootFlagValues, extra: Partial<RootSpec> = {}): { root: ComposedRoot; spec: RootSpec } {
  const spec = { ...rootSpecFromFlags(values), ...extra };
  return { root: composeRoot(spec, nodeRootProviders), spec };
}

/** The terminal's standard output and error as tool outputs (a closed pipe ends quietly). */
export function terminalOutputs(): { out: Output; err: Output; columns: number } {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(141);
    throw e;
  });
  return {
    out: { write: (d) => { process.stdout.write(d); } },
    err: { write: (d) => { process.stderr.write(d); } },
    columns: process.stdout.isTTY ? process.stdout.columns ?? 80 : 0,
  };
}

/**
 * A command that runs a file tool on a composed root: `vroot NAME [root options] [tool args]`.
 * `--help` shows the tool's help followed by the root options.
 */
export function toolCommand(name: string, summary: string, tool: Tool): Command {
  return {
    name,
    summary,
    async run(argv) {
      const { values, rest } = splitRootFlags(argv);
      const io = terminalOutputs();
      const dashdash = rest.indexOf('--');
      if (rest.slice(0, dashdash < 0 ? undefined : dashdash).includes('--help')) {
        const help = { write: (d: string | Uint8Array) => io.out.write(typeof d === 'string' ? d.replace(/^Usage: /, `Usage: vroot `) : d) };
        tool({ p: undefined as never, prog: `vroot ${name}`, out: help, err: io.err, columns: 0 }, ['--help']);
        io.out.write(`\n${ROOT_FLAGS_HELP}`);
        return 0;
      }
      const { root } = openRoot(values);
      try {
        return tool({ p: root.process, prog: `vroot ${name}`, ...io }, rest);
      } finally {
        root.process.exit();
      }
    },
  };
}
