/**
 * The --help and argument-count handling the EROFS commands share (Node-specific).
 */

/**
 * Prints `help` to stdout for --help (status 0), or to stderr when the positional argument count
 * is outside `[min, max]` (status 2); returns null when the command should go on.
 */
export function helpOrUsage(help: boolean | undefined, positionals: string[], text: string, min: number, max = min): number | null {
  if (help === true) {
    process.stdout.write(text);
    return 0;
  }
  if (positionals.length < min || positionals.length > max) {
    process.stderr.write(text);
    return 2;
  }
  return null;
}
