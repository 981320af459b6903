// Silence on a program without leaks (the Clean fixture), with and without a baseline; and the errors of
// heap/insights.
import * as assert from 'assert';
import * as wire from '../../src/protocol/agent';
import { expectAgentError } from '../support/agentTesting';
import { assertWellFormed, insightRun, ofKind } from './insightsSupport';

/** Kinds that exist only to point at a leak: on a clean program there is no insight of these at all. */
const leakKinds: wire.InsightKind[] = ['event-handlers', 'growing-collection', 'duplicate-strings', 'loh-fragmentation', 'dynamic-assemblies', 'server-gc'];

describe('insights: silence on a clean program (Clean fixture)', function () {
  const run = insightRun('Clean');

  it('has no warning of any kind, with or without a baseline', function () {
    assertWellFormed(run.alone);
    assertWellFormed(run.againstBaseline);
    for (const kind of wire.insightKinds) {
      assert.deepStrictEqual(ofKind(run.alone, kind).filter((i) => i.severity === 'warning').map((i) => i.title), [], `${kind} without baseline`);
      assert.deepStrictEqual(ofKind(run.againstBaseline, kind).filter((i) => i.severity === 'warning').map((i) => i.title), [], `${kind} with baseline`);
    }
  });

  it('says nothing at all about events, collections, strings, the LOH, dynamic assemblies or server GC', function () {
    for (const kind of leakKinds) {
      assert.deepStrictEqual(ofKind(run.againstBaseline, kind).map((i) => i.title), [], kind);
    }
  });

  it('still gives the thread summary, for information', function () {
    const summary = ofKind(run.alone, 'threads').find((i) => i.figures.stacksMeasured !== undefined);
    assert.ok(summary && summary.severity === 'info');
  });

  it('rejects an unknown snapshot or baseline, and a snapshot as its own baseline, in one line', async function () {
    await expectAgentError(run.agent.insights({ snapshotId: 's999' }), wire.AgentErrorCode.UnknownSnapshot);
    await expectAgentError(run.agent.insights({ snapshotId: run.after.snapshotId, baselineId: 's999' }), wire.AgentErrorCode.UnknownSnapshot);
    const { error } = await expectAgentError(
      run.agent.insights({ snapshotId: run.after.snapshotId, baselineId: run.after.snapshotId }),
      wire.AgentErrorCode.InvalidParams,
    );
    assert.match(error.message, /baseline must be another snapshot/);
  });
});
