/** One `vroot` subcommand. */
export interface Command {
  /** The word after `vroot`. */
  name: string;
  /** One line for `vroot --help`. */
  summary: string;
  /** Runs with the arguments after the command name; resolves to the exit status. */
  run(argv: string[]): Promise<number>;
}
