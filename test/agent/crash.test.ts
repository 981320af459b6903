// runtime/threads on a crash dump: the Crash fixture dies of an unhandled exception and its runtime writes the
// dump (DOTNET_DbgEnableMiniDump), the post-mortem case where a thread is caught in the act of throwing.
// This is the one dump of the suite the runtime writes on its own: a live capture cannot stop a throw midway.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { AgentClient } from '../../src/agent/agentClient';
import * as wire from '../../src/protocol/agent';
import { makeDumpDir } from '../support/dumps';
import { startAgent, stopAfterSuite } from '../support/agentTesting';
import { fixtureSource, markedLine, readConstant, RunningFixture } from '../support/fixtures';

const source = fixtureSource('Crash');
const OrderCount = readConstant(source, 'OrderCount');
const RejectedIndex = readConstant(source, 'RejectedIndex');

/** Reads `const string Name = "…";` from the fixture's source. */
function stringConstant(name: string): string {
  const match = new RegExp(`const\\s+string\\s+${name}\\s*=\\s*"([^"]*)"\\s*;`).exec(fs.readFileSync(source, 'utf8'));
  if (!match) throw new Error(`no const string ${name} in ${source}`);
  return match[1];
}

describe('agent: threads of a crash dump', function () {
  let agent: AgentClient;
  let snapshot: wire.SnapshotInfo;

  before(async function () {
    const dump = path.join(makeDumpDir('heaplens-tests-'), 'crash.dmp');
    const fixture = await RunningFixture.start('Crash', {
      DOTNET_DbgEnableMiniDump: '1',
      DOTNET_DbgMiniDumpType: '2',
      DOTNET_DbgMiniDumpName: dump,
    });
    const exited = new Promise<void>((resolve) => fixture.child.once('exit', () => resolve()));
    fixture.child.stdin.write('grow\n');
    await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error('Crash did not exit within 60 s')), 60_000))]).finally(() =>
      fixture.stop(),
    );
    assert.ok(fs.existsSync(dump), `the runtime wrote no crash dump at ${dump}`);
    agent = startAgent();
    snapshot = await agent.open({ path: dump });
  });

  stopAfterSuite(() => ({ agent }));

  it("shows the main thread's exception, its message and where it was thrown", async function () {
    const { threads } = await agent.threads(snapshot.snapshotId);
    const main = threads.find((t) => t.isMain);
    assert.ok(main, `no main thread among ${threads.map((t) => t.managedId).join(', ')}`);
    const exception = main.exception;
    assert.ok(exception, 'the main thread is throwing');
    assert.strictEqual(exception.type, 'Crash.OrderRejectedException');
    assert.strictEqual(exception.message, stringConstant('RejectedMessage') + RejectedIndex);
    assert.match(exception.address, /^0x[0-9a-f]+$/);

    const lines = exception.frames.filter((f) => f.kind === 'managed').map((f) => `${f.method}:${f.line}`);
    assert.deepStrictEqual(lines.slice(0, 3), [
      `Crash.Checkout.Validate:${markedLine(source, 'throw')}`,
      `Crash.Checkout.Submit:${markedLine(source, 'validate')}`,
      `Crash.Program.Main:${markedLine(source, 'submit')}`,
    ]);
    assert.ok(exception.frames.every((f) => f.kind !== 'managed' || f.file?.replace(/\\/g, '/').endsWith('Crash/Program.cs')));

    const thrown = await agent.object({ snapshotId: snapshot.snapshotId, address: exception.address });
    assert.strictEqual(thrown.type, 'Crash.OrderRejectedException');
    assert.ok(threads.filter((t) => t.exception).length === 1, 'only the main thread throws');
  });

  it('still has every order on the heap', async function () {
    const orders = await agent.instances({ snapshotId: snapshot.snapshotId, type: 'Crash.Order', limit: 0 });
    assert.strictEqual(orders.count, OrderCount);
  });
});
