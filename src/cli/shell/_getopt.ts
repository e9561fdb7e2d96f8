// This module is browser compatible.
/**
 * Command-line options of the file tools, parsed as GNU getopt_long does: short options may be
 * grouped (`-la`), an option's argument may follow it directly (`-L2`) or as the next word,
 * long options may be abbreviated to any unambiguous prefix and take `--name=value`, options may
 * follow operands (GNU's permutation), and `--` ends options.
 */

/** The options a tool takes. */
export interface OptionSpec {
  /** Short options without an argument, e.g. 'laAdn'. */
  flags?: string;
  /** Short options that take an argument, e.g. 'L'. */
  withArg?: string;
  /** Long options: the short option (or a long-only key) each stands for, and whether it takes an argument. */
  long?: Record<string, { key: string; arg?: boolean }>;
  /** Stop at the first operand (find, where order matters), instead of permuting. */
  stopAtOperand?: boolean;
}

/** Parsed options: each key with the values it was given (flags get '' per use). */
export interface ParsedOptions {
  options: Map<string, string[]>;
  operands: string[];
}

/** A usage error, worded as getopt words it. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses `args` by `spec`. Errors: UsageError ("invalid option -- 'z'", "option requires an
 * argument -- 'L'", "unrecognized option '--x'", "option '--a' is ambiguous").
 */
export function getopt(args: string[], spec: OptionSpec): ParsedOptions {
  const options = new Map<string, string[]>();
  const operands: string[] = [];
  const add = (key: string, value: string): void => {
    const list = options.get(key);
    if (list === undefined) options.set(key, [value]);
    else list.push(value);
  };
  const flags = spec.flags ?? '';
  const withArg = spec.withArg ?? '';
  const long = spec.long ?? {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const exact = long[name];
      const matches = exact !== undefined ? [name] : Object.keys(long).filter((k) => k.startsWith(name));
      if (matches.length === 0) throw new UsageError(`unrecognized option '${a}'`);
      if (matches.length > 1 && new Set(matches.map((m) => long[m]!.key)).size > 1) {
        throw new UsageError(`option '${a.slice(0, eq < 0 ? undefined : eq)}' is ambiguous`);
      }
      const def = long[matches[0]!]!;
      if (def.arg) {
        let value: string;
        if (eq >= 0) value = a.slice(eq + 1);
        else if (i + 1 < args.length) value = args[++i]!;
        else throw new UsageError(`option '--${matches[0]}' requires an argument`);
        add(def.key, value);
      } else {
        if (eq >= 0) throw new UsageError(`option '--${matches[0]}' doesn't allow an argument`);
        add(def.key, '');
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (withArg.includes(c)) {
          let value: string;
          if (j + 1 < a.length) value = a.slice(j + 1);
          else if (i + 1 < args.length) value = args[++i]!;
          else throw new UsageError(`option requires an argument -- '${c}'`);
          add(c, value);
          break;
        }
        if (!flags.includes(c)) throw new UsageError(`invalid option -- '${c}'`);
        add(c, '');
      }
      continue;
    }
    if (spec.stopAtOperand) {
      operands.push(...args.slice(i));
      break;
    }
    operands.push(a);
  }
  return { options, operands };
}

/** True when any of `keys` was given. */
export function has(parsed: ParsedOptions, ...keys: string[]): boolean {
  return keys.some((k) => parsed.options.has(k));
}

/** The last value given for `key`, if any. */
export function last(parsed: ParsedOptions, key: string): string | undefined {
  const list = parsed.options.get(key);
  return list === undefined ? undefined : list[list.length - 1];
}
