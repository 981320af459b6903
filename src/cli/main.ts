// Entry of the `heaplens` command (bundled to dist/cli.js): parse, run, print, clean up, exit.
// stdout carries results only (a table, or JSON with --json); stderr carries progress and the one-line error.
// Ctrl-C (or SIGTERM) cancels: the capture or agent call stops, the agent is killed, temporary dumps are deleted.
import { CancellationSource, CancelledError } from '../common/async';
import { Logger, silentLogger } from '../common/logger';
import { productVersion } from '../common/version';
import { CliRequest, parseCommandLine, UsageError } from './args';
import { runCommand } from './commands';
import { describeFailure, ExitCode } from './failure';
import { Progress } from './progress';
import { Session } from './session';
import { commandUsage, overview, synopsis } from './usage';

function stderrLogger(): Logger {
  const write = (level: string) => (message: string) => process.stderr.write(`[${level}] ${message}\n`);
  return { info: write('info'), warn: write('warn'), error: write('error'), trace: write('trace') };
}

export async function main(argv: string[]): Promise<number> {
  let request: CliRequest;
  try {
    request = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`heaplens: ${err.message}\n${synopsis(err.command)}\n`);
    return ExitCode.usage;
  }
  if (request.command === 'version') {
    process.stdout.write(`heaplens ${productVersion}\n`);
    return ExitCode.ok;
  }
  if (request.command === 'help') {
    process.stdout.write(request.topic ? commandUsage(request.topic) : overview());
    return ExitCode.ok;
  }

  const cancellation = new CancellationSource();
  const progress = new Progress(process.stderr, request.verbose);
  const session = new Session({
    cancellation,
    progress,
    logger: request.verbose ? stderrLogger() : silentLogger,
    dacDirs: request.dacDirs,
  });
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      cancellation.cancel();
      // If cleanup itself hangs, the second signal (or this timer) ends the process after removing dumps.
      setTimeout(() => forceExit(), 5_000).unref();
    } else {
      forceExit();
    }
  };
  const forceExit = () => {
    progress.clear();
    session.disposeNow();
    process.stderr.write('heaplens: Interrupted: nothing was kept.\n');
    process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that stops early (`heaplens monitor --json | head -3`) closes the pipe: stop the work and end quietly,
  // as Unix tools do, instead of dying of EPIPE with a stack trace and the agent left running.
  let readerGone = false;
  let afterOutputError: number = ExitCode.ok;
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (!readerGone) {
      readerGone = true;
      if (err.code !== 'EPIPE') afterOutputError = ExitCode.failure;
      if (err.code !== 'EPIPE') process.stderr.write(`heaplens: Cannot write the output (${err.message}); stopping.\n`);
      cancellation.cancel();
    }
  };
  process.stdout.on('error', onStdoutError);

  try {
    const out = (line: string) => {
      progress.clear();
      if (!readerGone) process.stdout.write(`${line}\n`);
    };
    const result = await runCommand(request, { session, cancellation, progress, out });
    progress.clear();
    if (readerGone) return afterOutputError;
    if (!result.streamed) process.stdout.write(request.json ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text.join('\n')}\n`);
    for (const message of result.messages ?? []) process.stderr.write(`heaplens: ${message}\n`);
    return result.exitCode ?? ExitCode.ok;
  } catch (err) {
    progress.clear();
    if (readerGone) return afterOutputError;
    const outcome = describeFailure(cancellation.isCancellationRequested ? new CancelledError() : err);
    process.stderr.write(`heaplens: ${outcome.message}\n`);
    return outcome.exitCode;
  } finally {
    await session.dispose();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!readerGone) process.stdout.off('error', onStdoutError);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err) => {
    // A defect in the CLI itself: still one line.
    process.stderr.write(`heaplens: ${describeFailure(err).message}\n`);
    process.exit(ExitCode.failure);
  },
);
