// Bad input to the heaplens adapter: each answers with an error response the user is shown (showUser), whose
// message says what went wrong and what to do, and nothing hangs.
import * as assert from 'assert';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { ChildProcess, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { AdapterErrorId as Ids } from '../../src/protocol/dap';
import { cleanupDumps, makeDumpDir } from '../support/dumps';
import { buildFixture } from '../support/fixtures';
import { AdapterSession, waitForExit } from './adapterSession';


describe('adapter: bad input', function () {
  let session: AdapterSession;
  let other: ChildProcess | undefined;

  beforeEach(async () => {
    session = new AdapterSession();
    await session.start();
  });

  afterEach(async () => {
    await session.stop();
    other?.kill('SIGKILL');
    other = undefined;
  });

  after(() => cleanupDumps());

  function assertShown(error: DebugProtocol.Message, id: number, pattern: RegExp): void {
    assert.strictEqual(error.showUser, true, 'the user is shown the error');
    assert.strictEqual(error.id, id, `error id for "${error.format}"`);
    assert.match(error.format, pattern);
    assert.ok(!error.format.includes('\n'), 'the message is one line');
  }

  it('a missing program', async () => {
    const { error } = await session.expectError('launch', { program: '/nonexistent/heaplens/App.dll' });
    assertShown(error, Ids.ProgramNotFound, /\/nonexistent\/heaplens\/App\.dll does not exist\. Set "program"/);
  });

  it('a launch configuration with neither program nor dumpPath', async () => {
    const { error } = await session.expectError('launch', {});
    assertShown(error, Ids.BadConfiguration, /no "program"/);
  });

  it('a project that does not build', async () => {
    const dir = makeDumpDir('heaplens-broken-');
    fs.writeFileSync(
      path.join(dir, 'Broken.csproj'),
      '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>\n',
    );
    // Line 3 assigns a string to an int: error CS0029.
    fs.writeFileSync(path.join(dir, 'Program.cs'), 'public static class Program {\n  public static void Main() {\n    int count = "many";\n  }\n}\n');
    const { error } = await session.expectError('launch', { program: dir });
    assertShown(error, Ids.BuildFailed, /The build of Broken\.csproj failed: .*Program\.cs\(3,\d+\): error CS0029/);
    assert.match(session.consoleText, /error CS0029/, 'the build output is in the Debug Console');
  });

  it('a process id that is not a .NET process', async () => {
    other = spawn('sleep', ['60'], { stdio: 'ignore' });
    const { error } = await session.expectError('attach', { processId: other.pid });
    assertShown(error, Ids.NotDotnet, new RegExp(`Process ${other.pid} \\(sleep 60\\) is not a \\.NET process`));
  });

  it('a process id that is not a number', async () => {
    const { error } = await session.expectError('attach', { processId: '${command:PickProcess}' });
    assertShown(error, Ids.BadConfiguration, /"processId" must be the id of a running \.NET process/);
  });

  it('a program that exits while paused', async () => {
    const dll = await buildFixture('Chain');
    const processEvent = session.dc.waitForEvent('process');
    await Promise.all([session.dc.launchRequest({ program: dll } as DebugProtocol.LaunchRequestArguments), session.configurationDone()]);
    const pid = ((await processEvent) as DebugProtocol.ProcessEvent).body.systemProcessId!;
    await session.waitForOutput(/^READY$/m);
    const stopped = session.dc.waitForEvent('stopped');
    await session.dc.pauseRequest({ threadId: 1 });
    await stopped;

    const terminated = session.dc.waitForEvent('terminated');
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid);
    const { error } = await session.expectError('continue', { threadId: 1 });
    assertShown(error, Ids.ProcessExited, new RegExp(`process ${pid}\\) exited while it was paused`));
    await terminated;
  });

  it('a corrupt dump', async () => {
    const dumpPath = path.join(makeDumpDir(), 'corrupt.dmp');
    fs.writeFileSync(dumpPath, crypto.randomBytes(1 << 20), { mode: 0o600 });
    const { error } = await session.expectError('launch', { dumpPath });
    assertShown(error, Ids.DumpUnreadable, new RegExp(`${dumpPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not a core dump \\(no ELF, minidump or Mach-O header\\)`));
  });

  it('a dump that does not exist', async () => {
    const { error } = await session.expectError('launch', { dumpPath: '/nonexistent/heaplens/core.dmp' });
    assertShown(error, Ids.DumpUnreadable, /^No dump at \/nonexistent\/heaplens\/core\.dmp: set "dumpPath" to a core dump\.$/);
  });
});
