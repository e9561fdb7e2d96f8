/**
 * Progress lines on stderr for long CLI commands (Node-specific): rewritten in place on a
 * terminal, one line every few seconds otherwise, and nothing for short runs.
 */
export class ProgressLine {
  private last = 0;
  private shown = false;
  private readonly started = Date.now();
  private readonly quiet: boolean;

  constructor(quiet: boolean) {
    this.quiet = quiet;
  }

  /** Shows `text` if the command has run for a while and the last update is old enough. */
  update(text: string, force = false): void {
    if (this.quiet) return;
    const now = Date.now();
    const tty = process.stderr.isTTY === true;
    if (!force && (now - this.started < 1000 || now - this.last < (tty ? 200 : 5000))) return;
    this.last = now;
    this.shown = true;
    process.stderr.write(tty ? `\r\x1b[K${text}` : `${text}\n`);
  }

  /** Ends the progress display. */
  done(): void {
    if (this.shown && process.stderr.isTTY === true) process.stderr.write('\n');
  }
}

/** Formats a byte count with a binary unit. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${u === 0 ? n : n.toFixed(1)} ${units[u]}`;
}
