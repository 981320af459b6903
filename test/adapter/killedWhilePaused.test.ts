// Fault: the debug adapter is SIGKILLed (as when the extension host it runs in dies) while the program is paused,
// so no exit hook runs. The freeze watchdog must thaw an attached program (it runs again and answers its stdin
// protocol) and kill a launched one, within a few seconds.
import * as assert from 'assert';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ChildProcess } from 'child_process';
import { cleanupDumps } from '../support/dumps';
import { buildFixture, RunningFixture } from '../support/fixtures';
import { AdapterSession, processState, waitForExit } from './adapterSession';

const RELEASE_WITHIN_MS = 10_000;

async function pauseAndKillAdapter(session: AdapterSession, pid: number): Promise<void> {
  const stopped = session.dc.waitForEvent('stopped');
  await session.dc.pauseRequest({ threadId: 1 });
  await stopped;
  assert.strictEqual(processState(pid), 'T', 'paused: the process is stopped (SIGSTOP)');
  const adapter = (session.dc as unknown as { _adapterProcess: ChildProcess })._adapterProcess;
  const gone = new Promise((resolve) => adapter.once('exit', resolve));
  adapter.kill('SIGKILL');
  await gone;
}

describe('fault: the adapter is killed while the program is paused', function () {
  let session: AdapterSession | undefined;
  let fixture: RunningFixture | undefined;

  afterEach(async () => {
    await session?.stop();
    session = undefined;
    await fixture?.stop();
    fixture = undefined;
  });
  after(() => cleanupDumps());

  it('an attached program runs again', async () => {
    fixture = await RunningFixture.start('Events');
    session = new AdapterSession();
    await session.start();
    await Promise.all([session.dc.attachRequest({ processId: String(fixture.pid) } as DebugProtocol.AttachRequestArguments), session.configurationDone()]);
    await pauseAndKillAdapter(session, fixture.pid);
    session = undefined;

    const deadline = Date.now() + RELEASE_WITHIN_MS;
    while (processState(fixture.pid) === 'T' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.notStrictEqual(processState(fixture.pid), 'T', `still frozen ${RELEASE_WITHIN_MS} ms after the adapter died`);
    await fixture.grow(); // it runs: it reads its stdin and answers
  });

  it('a launched program is killed, not left frozen', async () => {
    const dll = await buildFixture('Chain');
    session = new AdapterSession();
    await session.start();
    const processEvent = session.dc.waitForEvent('process');
    await Promise.all([session.dc.launchRequest({ program: dll } as DebugProtocol.LaunchRequestArguments), session.configurationDone()]);
    const pid = ((await processEvent) as DebugProtocol.ProcessEvent).body.systemProcessId!;
    await session.waitForOutput(/^READY$/m);
    await pauseAndKillAdapter(session, pid);
    session = undefined;

    await waitForExit(pid, RELEASE_WITHIN_MS);
  });
});
