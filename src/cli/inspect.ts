// `heaplens inspect <dump> [<baseline>]`: the agent's insights into a snapshot (growth measured against the
// baseline when one is given), as text, as JSON ({"insights": […]}), and optionally as a SARIF file.
import { Insights } from '../protocol/agent';
import type { CommandContext, CommandResult } from './commands';
import { renderInsights } from './insightText';
import { checkSarifDestination, toSarif, writeSarif } from './sarif';

export interface InspectRequest {
  dump: string;
  baseline?: string;
  sarif?: string;
}

export async function runInspect(request: InspectRequest, ctx: CommandContext): Promise<CommandResult> {
  if (request.sarif) checkSarifDestination(request.sarif);
  // The baseline first: it is the earlier snapshot, and a mistake in it should stop the run before the long part.
  const baseline = request.baseline === undefined ? undefined : await ctx.session.open(request.baseline);
  const snapshot = await ctx.session.open(request.dump);
  ctx.progress.update('Looking for leaks…');
  const found: Insights = await ctx.session
    .client()
    .insights({ snapshotId: snapshot.snapshotId, baselineId: baseline?.snapshotId }, { cancellation: ctx.cancellation });
  const text = renderInsights(found.insights, { cwd: ctx.cwd ?? process.cwd(), baseline: request.baseline, width: process.stdout.columns });
  if (request.sarif) text.push(`Wrote the SARIF log ${writeSarif(request.sarif, toSarif(found.insights, { root: ctx.cwd }))}.`);
  return { json: { insights: found.insights }, text };
}
