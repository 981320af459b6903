// Progress of long steps (capturing, opening a dump, walking the heap) on stderr.
// On a terminal: one line rewritten in place and erased when done, so it never mixes with results.
// Not a terminal (pipes, CI, tests): silent unless --verbose, so stderr carries only the one-line error.
export class Progress {
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly verbose = false,
  ) {}

  private get live(): boolean {
    return this.stream.isTTY === true;
  }

  update(message: string): void {
    if (this.live) {
      const width = Math.max(20, (this.stream.columns || 80) - 1);
      this.stream.write(`\r\x1b[2K${message.slice(0, width)}`);
      this.shown = true;
    } else if (this.verbose) {
      this.stream.write(`${message}\n`);
    }
  }

  /** Erases the live line, before results or an error are printed. */
  clear(): void {
    if (this.shown) {
      this.stream.write('\r\x1b[2K');
      this.shown = false;
    }
  }
}
