// event-handlers on the EventHandlers fixture: sessions that subscribe to a static clock's Tick and never
// unsubscribe. Expected figures come from EventHandlers/Program.cs.
import * as assert from 'assert';
import { fixtureSource, markedLine, readConstant } from '../support/fixtures';
import { assertWellFormed, findInsight, insightRun, ofKind } from './insightsSupport';

const source = fixtureSource('EventHandlers');
const InitialSessions = readConstant(source, 'InitialSessions');
const GrowBy = readConstant(source, 'GrowBy');
const HistoryBytes = readConstant(source, 'HistoryBytes');
const handlerLine = markedLine(source, 'handler');
const subscribeLine = markedLine(source, 'subscribe');

describe('insights: event-handlers (EventHandlers fixture)', function () {
  const run = insightRun('EventHandlers');

  it('reports Clock.Tick with every session as a handler, the session type, the += line and the handler line', async function () {
    assertWellFormed(run.alone);
    const tick = findInsight(run.alone, 'event-handlers', 'event', 'Tick');
    const sessions = InitialSessions + GrowBy;
    assert.strictEqual(tick.severity, 'warning');
    assert.strictEqual(tick.figures.declaringType, 'EventHandlers.Clock');
    assert.strictEqual(tick.figures.publishers, 1);
    assert.strictEqual(tick.figures.delegates, sessions);
    assert.strictEqual(tick.figures.maxDelegates, sessions);
    assert.strictEqual(tick.figures.targetTypes, 'EventHandlers.Session');
    assert.strictEqual(tick.figures.targets, sessions);
    assert.deepStrictEqual(
      tick.locations.map((l) => [l.file.endsWith('EventHandlers/Program.cs'), l.line, l.role, l.method, l.handlers]),
      [
        [true, subscribeLine, 'subscription', 'EventHandlers.Program.Open', sessions],
        [true, handlerLine, 'handler', 'EventHandlers.Session.OnTick', undefined],
      ],
    );
    assert.deepStrictEqual(tick.types, ['EventHandlers.Clock', 'EventHandlers.Session']);
  });

  it('counts what only the handlers keep alive: each session and its history array', async function () {
    const tick = findInsight(run.alone, 'event-handlers', 'event', 'Tick');
    const sessions = InitialSessions + GrowBy;
    assert.strictEqual(tick.figures.keptObjects, 2 * sessions);
    // Sizes of one Session and one byte[HistoryBytes], asked of the agent separately; every session has the same.
    const session = await run.agent.instances({ snapshotId: run.after.snapshotId, type: 'EventHandlers.Session', limit: 1 });
    const history = (await run.agent.object({ snapshotId: run.after.snapshotId, address: session.instances[0].address })).fields.find((f) => f.name === 'history');
    const array = await run.agent.object({ snapshotId: run.after.snapshotId, address: history!.address! });
    assert.strictEqual(array.length, HistoryBytes);
    assert.strictEqual(tick.figures.keptBytes, sessions * (session.instances[0].size + array.size));
  });

  it('the sample addresses are the clock and a session, so their retention paths explain the insight', async function () {
    const tick = findInsight(run.alone, 'event-handlers', 'event', 'Tick');
    const [publisher, subscriber] = tick.addresses ?? [];
    assert.strictEqual((await run.agent.object({ snapshotId: run.after.snapshotId, address: publisher })).type, 'EventHandlers.Clock');
    const { paths } = await run.agent.roots({ snapshotId: run.after.snapshotId, address: subscriber });
    assert.strictEqual(paths[0].root.field, 'EventHandlers.Program.Clock');
    assert.strictEqual(paths[0].links[paths[0].links.length - 1].type, 'EventHandlers.Session');
  });

  it('flags the growth since the baseline: GrowBy more handlers', async function () {
    const tick = findInsight(run.againstBaseline, 'event-handlers', 'event', 'Tick');
    assert.strictEqual(tick.severity, 'warning');
    assert.strictEqual(tick.figures.delegatesBefore, InitialSessions);
    assert.strictEqual(tick.figures.delegatesGrowth, GrowBy);
    assert.match(tick.title, new RegExp(`${GrowBy} more than in the baseline`));
  });

  it('stays quiet about Settings.Saved, which has one handler', async function () {
    assert.deepStrictEqual(
      ofKind(run.againstBaseline, 'event-handlers').map((i) => i.figures.event),
      ['Tick'],
    );
  });
});
