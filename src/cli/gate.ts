// `heaplens diff` with its CI options: the growth table, the leak gate (--fail-on limits; exit code 3 when one is
// broken, with one line on stderr naming each type, its growth and its limit), and --sarif, which also asks the
// agent for the insights of <after> against <before> and writes them with the broken limits as SARIF 2.1.0.
import { CliRequest } from './args';
import type { CommandContext, CommandResult } from './commands';
import { ExitCode } from './failure';
import { checkGate, gateFailureMessage, GateResult } from './failOn';
import { renderDiff } from './render';
import { checkSarifDestination, toSarif, writeSarif } from './sarif';

type DiffRequest = Extract<CliRequest, { command: 'diff' }>;

export async function runDiff(request: DiffRequest, ctx: CommandContext): Promise<CommandResult> {
  if (request.sarif) checkSarifDestination(request.sarif);
  const before = await ctx.session.open(request.before);
  const after = await ctx.session.open(request.after);
  ctx.progress.update('Comparing snapshots…');
  const diff = await ctx.session
    .client()
    .diff({ before: before.snapshotId, after: after.snapshotId, sort: request.sort, all: request.all || undefined }, { cancellation: ctx.cancellation });
  const gate: GateResult | undefined = request.failOn?.length ? checkGate(diff, request.failOn) : undefined;
  const text = renderDiff(diff, request.top, request.all);
  const messages = (gate?.unmatched ?? []).map(
    (limit) => `warning: --fail-on "${limit}" matches no heap type in either snapshot (check the name: \`heaplens stats\` lists them).`,
  );
  // Two processes (a restart between the captures, or two instances): the figures compare two runs, not growth.
  if (before.processId && after.processId && before.processId !== after.processId) {
    messages.unshift(
      `warning: the snapshots are of two processes (pid ${before.processId} in <before>, pid ${after.processId} in <after>): the diff compares two runs, not what one process grew by. Capture both snapshots from the same process.`,
    );
  }

  if (request.sarif) {
    ctx.progress.update('Looking for leaks…');
    const found = await ctx.session.client().insights({ snapshotId: after.snapshotId, baselineId: before.snapshotId }, { cancellation: ctx.cancellation });
    const file = writeSarif(request.sarif, toSarif(found.insights, { root: ctx.cwd, breaches: gate?.breaches }));
    text.push(`Wrote the SARIF log ${file}.`);
  }
  if (gate?.passed) text.push(`Leak gate passed: no heap type grew past ${gate.limits.length === 1 ? 'the limit' : 'the limits'} (${gate.limits.join(', ')}).`);
  if (gate && !gate.passed) messages.push(gateFailureMessage(gate));

  const types = request.top ? diff.types.slice(0, request.top) : diff.types;
  return {
    json: gate ? { types, unreachable: diff.unreachable, gate } : { types, unreachable: diff.unreachable },
    text,
    messages,
    exitCode: gate && !gate.passed ? ExitCode.gate : undefined,
  };
}
