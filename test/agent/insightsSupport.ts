// Shared by the insight suites: runs a fixture, captures it before and after one "grow", opens both dumps in a
// real agent, and asks for insights with and without the first snapshot as baseline.
import * as assert from 'assert';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { captureFixture, cleanupDumps } from '../support/dumps';
import { agentLog, dumpAgentLog, startAgent } from '../support/agentTesting';
import { RunningFixture } from '../support/fixtures';

export interface InsightRun {
  fixture: RunningFixture;
  agent: AgentClient;
  before: wire.SnapshotInfo;
  after: wire.SnapshotInfo;
  /** Insights of the later snapshot alone. */
  alone: wire.Insight[];
  /** Insights of the later snapshot against the earlier one. */
  againstBaseline: wire.Insight[];
}

/** Registers before/after hooks on the current suite; the returned object is filled in by `before`. */
export function insightRun(fixtureName: string, env: NodeJS.ProcessEnv = {}): InsightRun {
  const run = {} as InsightRun;
  before(async function () {
    this.timeout(300_000);
    run.fixture = await RunningFixture.start(fixtureName, env);
    const first = await captureFixture(run.fixture);
    await run.fixture.grow();
    const second = await captureFixture(run.fixture);
    run.agent = startAgent();
    run.before = await run.agent.open({ path: first });
    run.after = await run.agent.open({ path: second });
    run.alone = (await run.agent.insights({ snapshotId: run.after.snapshotId })).insights;
    run.againstBaseline = (await run.agent.insights({ snapshotId: run.after.snapshotId, baselineId: run.before.snapshotId })).insights;
  });
  after(async function () {
    await run.agent?.dispose();
    await run.fixture?.stop();
    cleanupDumps();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      console.log(`agent log:\n${dumpAgentLog()}`);
      console.log(`insights:\n${JSON.stringify(run.againstBaseline, null, 1)}`);
    }
    agentLog.length = 0;
  });
  return run;
}

export function ofKind(insights: wire.Insight[], kind: wire.InsightKind): wire.Insight[] {
  return insights.filter((i) => i.kind === kind);
}

/** The one insight of a kind whose figure `name` equals `value`; fails with what there was. */
export function findInsight(insights: wire.Insight[], kind: wire.InsightKind, name: string, value: string | number): wire.Insight {
  const found = insights.filter((i) => i.kind === kind && i.figures[name] === value);
  assert.strictEqual(found.length, 1, `one ${kind} insight with ${name} = ${value}; got ${JSON.stringify(ofKind(insights, kind).map((i) => i.figures))}`);
  return found[0];
}

/** Every insight is well formed: one-line title, a paragraph of detail, figures, 1-based lines. */
export function assertWellFormed(insights: wire.Insight[]): void {
  for (const i of insights) {
    assert.ok(wire.insightKinds.includes(i.kind), `kind ${i.kind}`);
    assert.ok(i.severity === 'warning' || i.severity === 'info', `severity ${i.severity}`);
    assert.ok(i.title.length > 0 && !i.title.includes('\n'), `title ${JSON.stringify(i.title)}`);
    assert.ok(i.detail.length > 40 && !i.detail.includes('\n'), `detail of ${i.title}`);
    assert.ok(Object.values(i.figures).every((v) => typeof v === 'number' || typeof v === 'string'), `figures of ${i.title}`);
    assert.ok(i.locations.every((l) => l.file.length > 0 && Number.isInteger(l.line) && l.line >= 1), `locations of ${i.title}`);
  }
  // Warnings come first.
  const firstInfo = insights.findIndex((i) => i.severity === 'info');
  assert.ok(firstInfo < 0 || insights.slice(firstInfo).every((i) => i.severity === 'info'), 'warnings before information');
}
