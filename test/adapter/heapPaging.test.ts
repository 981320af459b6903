// The Heap scope of a heap with thousands of types (ManyTypes): a page of types and a "more…" variable that holds
// the next page, until every type has been shown exactly once.
import * as assert from 'assert';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { TYPES_PAGE } from '../../src/debugAdapter/heapVariables';
import { fixtureSource, readConstant, RunningFixture } from '../support/fixtures';
import { AdapterSession } from './adapterSession';

describe('adapter: the Heap scope pages its heap types', function () {
  let session: AdapterSession | undefined;
  let fixture: RunningFixture | undefined;

  afterEach(async () => {
    await session?.stop();
    await fixture?.stop();
  });

  it('shows TYPES_PAGE types and a "more…" variable until all of ManyTypes\' types are shown once', async () => {
    const typeCount = readConstant(fixtureSource('ManyTypes'), 'TypeCount');
    fixture = await RunningFixture.start('ManyTypes');
    session = new AdapterSession();
    await session.start();
    await Promise.all([session.dc.attachRequest({ processId: fixture.pid } as DebugProtocol.AttachRequestArguments), session.configurationDone()]);
    const stopped = session.dc.waitForEvent('stopped');
    await session.dc.pauseRequest({ threadId: 1 });
    const stop = (await stopped) as DebugProtocol.StoppedEvent;
    const { stackFrames } = (await session.dc.stackTraceRequest({ threadId: stop.body.threadId! })).body;
    const heap = (await session.dc.scopesRequest({ frameId: stackFrames[0].id })).body.scopes.find((s) => s.name === 'Heap')!;

    const names: string[] = [];
    let reference = heap.variablesReference;
    for (let page = 0; reference; page++) {
      assert.ok(page < 1000, 'the pages never end');
      const variables: DebugProtocol.Variable[] = (await session.dc.variablesRequest({ variablesReference: reference })).body.variables;
      const more = variables.find((v) => v.name === 'more…');
      const types = variables.filter((v) => v !== more);
      if (more) assert.strictEqual(types.length, TYPES_PAGE, `page ${page} is full when more follow`);
      assert.ok(!more || variables[variables.length - 1] === more, '"more…" comes last');
      names.push(...types.map((t) => t.name));
      reference = more?.variablesReference ?? 0;
    }
    assert.strictEqual(new Set(names).size, names.length, 'no type shown twice');
    assert.strictEqual(names.filter((n) => n.startsWith('ManyTypes.Box<')).length, typeCount);
    assert.ok(names.length > TYPES_PAGE, `more than one page: ${names.length} types`);
  });
});
