// The heaplens adapter attached to a fixture program someone else started: pause shows its heap, and disconnecting
// leaves it running and not frozen (it still answers its stdin protocol).
import * as assert from 'assert';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { fixtureSource, markedLine, readConstant, RunningFixture } from '../support/fixtures';
import { AdapterSession, framesWithSource, processState } from './adapterSession';

describe('adapter: attach to a running program', function () {
  let session: AdapterSession | undefined;
  let fixture: RunningFixture | undefined;

  afterEach(async () => {
    await session?.stop();
    await fixture?.stop();
  });

  it('pauses an attached process on a snapshot, and leaves it running on disconnect', async () => {
    const source = fixtureSource('Events');
    fixture = await RunningFixture.start('Events');
    session = new AdapterSession();
    await session.start();
    await Promise.all([session.dc.attachRequest({ processId: String(fixture.pid) } as DebugProtocol.AttachRequestArguments), session.configurationDone()]);
    await session.waitForOutput(new RegExp(`Attached to process ${fixture.pid}`));

    const stopped = session.dc.waitForEvent('stopped');
    await session.dc.pauseRequest({ threadId: 1 });
    const stop = (await stopped) as DebugProtocol.StoppedEvent;
    assert.strictEqual(stop.body.reason, 'pause');
    assert.strictEqual(processState(fixture.pid), 'T');

    const { stackFrames } = (await session.dc.stackTraceRequest({ threadId: stop.body.threadId! })).body;
    const main = framesWithSource(stackFrames).find((f) => /Events\.Program\.Main/.test(f.name));
    assert.ok(main, `no Events.Program.Main frame in ${JSON.stringify(stackFrames.map((f) => f.name))}`);
    assert.strictEqual(main.line, markedLine(source, 'blocked'));

    const heap = (await session.dc.scopesRequest({ frameId: main.id })).body.scopes.find((s) => s.name === 'Heap')!;
    const types = (await session.dc.variablesRequest({ variablesReference: heap.variablesReference })).body.variables;
    const subscriber = types.find((t) => t.name === 'Events.Subscriber');
    assert.ok(subscriber, 'Events.Subscriber is on the heap');
    assert.strictEqual(subscriber.indexedVariables, readConstant(source, 'InitialCount'));

    // Disconnect while paused: the process keeps running, thawed, and still does what it is told.
    await session.dc.disconnectRequest({ terminateDebuggee: false });
    await session.stop();
    session = undefined;
    assert.notStrictEqual(processState(fixture.pid), undefined, 'the attached process is still there');
    assert.notStrictEqual(processState(fixture.pid), 'T', 'and not frozen');
    await fixture.grow();
  });

  it('thaws a paused process when the adapter itself is killed', async () => {
    fixture = await RunningFixture.start('Events');
    session = new AdapterSession();
    await session.start();
    await Promise.all([session.dc.attachRequest({ processId: fixture.pid } as DebugProtocol.AttachRequestArguments), session.configurationDone()]);
    const stopped = session.dc.waitForEvent('stopped');
    await session.dc.pauseRequest({ threadId: 1 });
    await stopped;
    assert.strictEqual(processState(fixture.pid), 'T');

    // No disconnect: the adapter gets SIGTERM, as when VS Code goes away.
    const adapter = (session.dc as unknown as { _adapterProcess: import('child_process').ChildProcess })._adapterProcess;
    const gone = new Promise((resolve) => adapter.once('exit', resolve));
    adapter.kill('SIGTERM');
    await gone;
    session = undefined;
    assert.notStrictEqual(processState(fixture.pid), 'T', 'the process is not left frozen');
    await fixture.grow();
  });
});
