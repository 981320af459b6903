// finalizers on the Finalizers fixture: objects with an empty finalizer, and a finalizer thread stuck in a
// finalizer while QueuedCount objects wait. Expected figures come from Finalizers/Program.cs.
import * as assert from 'assert';
import { fixtureSource, markedLine, readConstant } from '../support/fixtures';
import { assertWellFormed, findInsight, insightRun, ofKind } from './insightsSupport';

const source = fixtureSource('Finalizers');
const LiveCount = readConstant(source, 'LiveCount');
const QueuedCount = readConstant(source, 'QueuedCount');

describe('insights: finalizers (Finalizers fixture)', function () {
  const run = insightRun('Finalizers');

  it('finds the empty finalizer of EmptyFinalizer and its LiveCount objects', function () {
    assertWellFormed(run.alone);
    const empty = findInsight(run.alone, 'finalizers', 'type', 'Finalizers.EmptyFinalizer');
    assert.strictEqual(empty.severity, 'warning');
    assert.strictEqual(empty.figures.objects, LiveCount);
    assert.deepStrictEqual(empty.locations.map((l) => l.line), [markedLine(source, 'empty')]);
    assert.match(empty.detail, /midlife crisis/);
  });

  it('does not call a finalizer that does work empty', function () {
    const judged = ofKind(run.alone, 'finalizers').map((i) => i.figures.type).filter((t) => t !== undefined);
    assert.deepStrictEqual(judged, ['Finalizers.EmptyFinalizer']);
  });

  it('reports the QueuedCount objects waiting and the finalizer thread stuck in Blocker.Finalize', function () {
    const queue = ofKind(run.alone, 'finalizers').find((i) => i.figures.readyForFinalization !== undefined);
    assert.ok(queue, 'a finalization-queue insight');
    assert.strictEqual(queue.severity, 'warning');
    assert.strictEqual(queue.figures.readyForFinalization, QueuedCount);
    assert.ok(queue.types?.[0] === 'Finalizers.QueuedFinalizer', JSON.stringify(queue.types));
    assert.strictEqual(queue.figures.finalizerRunning, 'Finalizers.Blocker.Finalize');
    assert.ok(typeof queue.figures.finalizerWaitingIn === 'string' && queue.figures.finalizerWaitingIn.startsWith('System.Threading.'));
    assert.deepStrictEqual(queue.locations.map((l) => l.line), [markedLine(source, 'stuck')]);
  });

  it('lists the objects registered for finalization, EmptyFinalizer first', function () {
    const registered = ofKind(run.alone, 'finalizers').find((i) => i.figures.registered !== undefined && i.figures.readyForFinalization === undefined);
    assert.ok(registered);
    assert.strictEqual(registered.severity, 'info');
    assert.ok(Number(registered.figures.registered) >= LiveCount);
    assert.strictEqual(registered.types?.[0], 'Finalizers.EmptyFinalizer');
  });
});
