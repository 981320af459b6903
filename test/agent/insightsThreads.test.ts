// threads on the Threads fixture: a thread that joins itself, and ParkedThreads workers with stacks of
// StackBytes waiting at one line. Expected figures come from Threads/Program.cs.
import * as assert from 'assert';
import { fixtureSource, markedLine, readConstant } from '../support/fixtures';
import { assertWellFormed, insightRun, ofKind } from './insightsSupport';

const source = fixtureSource('Threads');
const ParkedThreads = readConstant(source, 'ParkedThreads');
const StackBytes = readConstant(source, 'StackBytes');

describe('insights: threads (Threads fixture)', function () {
  const run = insightRun('Threads');

  it('finds the one thread that joins itself, at the line of the Join', function () {
    assertWellFormed(run.alone);
    const joins = ofKind(run.alone, 'threads').filter((i) => i.figures.threadIds !== undefined);
    assert.strictEqual(joins.length, 1, JSON.stringify(ofKind(run.alone, 'threads').map((i) => i.title)));
    const [join] = joins;
    assert.strictEqual(join.severity, 'warning');
    assert.strictEqual(join.figures.threads, 1);
    assert.strictEqual(join.figures.method, 'Threads.Program.JoinSelf');
    assert.match(String(join.figures.threadIds), /^(\d+) → \1$/);
    assert.deepStrictEqual(join.locations.map((l) => l.line), [markedLine(source, 'selfjoin')]);
  });

  it('groups the ParkedThreads workers waiting at the same line, with their stacks of StackBytes', function () {
    const parked = ofKind(run.alone, 'threads').filter((i) => i.figures.method === 'Threads.Program.Park');
    assert.strictEqual(parked.length, 1);
    assert.strictEqual(parked[0].figures.threads, ParkedThreads);
    // A stack is measured as the dump's memory region around it, which can take in a small neighbouring mapping.
    const mapped = Number(parked[0].figures.stackMappedBytes);
    assert.ok(mapped >= ParkedThreads * StackBytes && mapped <= ParkedThreads * StackBytes * 1.1, `stacks ${mapped}`);
    assert.deepStrictEqual(parked[0].locations.map((l) => l.line), [markedLine(source, 'parked')]);
  });

  it('counts the threads and what their stacks reserve', function () {
    const summary = ofKind(run.alone, 'threads').find((i) => i.figures.stacksMeasured !== undefined);
    assert.ok(summary);
    const threads = Number(summary.figures.threads);
    // Main, the workers and the self-joiner, plus the runtime's own (finalizer, tiered compilation, …).
    assert.ok(threads >= ParkedThreads + 2 && threads <= ParkedThreads + 12, `threads ${threads}`);
    assert.strictEqual(summary.figures.stacksMeasured, threads);
    assert.ok(Number(summary.figures.stackMappedBytes) >= ParkedThreads * StackBytes);
  });
});
