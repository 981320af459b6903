// The heaplens adapter launching real fixture programs: output in the Debug Console, pause (a snapshot, then the
// process frozen), the main thread's stack at the line the program is blocked on, the Heap scope with the leaking
// type's constructed count, heaplens.captureHeap, continue, terminate. Expected values come from the fixtures' source.
import * as assert from 'assert';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cleanupDumps, makeDumpDir } from '../support/dumps';
import { appsDir, buildFixture, fixtureSource, markedLine, readConstant } from '../support/fixtures';
import { AdapterSession, framesWithSource, lineContaining, processState, readStringConstant, waitForExit } from './adapterSession';

const protocolSource = path.join(appsDir, 'FixtureProtocol.cs');

/** The count a Heap scope entry shows: its value starts with "N objects". */
function countOf(variable: DebugProtocol.Variable): number {
  const match = /^([\d,]+) objects?,/.exec(variable.value);
  assert.ok(match, `unexpected heap type value "${variable.value}"`);
  return Number(match[1].replace(/,/g, ''));
}

/** The bytes a Heap scope entry shows: "N objects, N bytes" or "…, 1.2 KB (N bytes)", before any "; retains". */
function bytesOf(variable: DebugProtocol.Variable): number {
  const match = /^[\d,]+ objects?, (?:[\d.]+ [KMGT]B \()?([\d,]+) bytes/.exec(variable.value);
  assert.ok(match, `unexpected heap type value "${variable.value}"`);
  return Number(match[1].replace(/,/g, ''));
}

/** The bytes a Heap scope entry says its instances retain: "; retains 1.2 MB (N bytes)". */
function retainedOf(variable: DebugProtocol.Variable): number {
  const match = /; retains (?:[\d.]+ [KMGT]B \()?([\d,]+) bytes\)?$/.exec(variable.value);
  assert.ok(match, `no retained bytes in "${variable.value}"`);
  return Number(match[1].replace(/,/g, ''));
}

async function waitUntilRunning(pid: number): Promise<string | undefined> {
  const deadline = Date.now() + 5000;
  let state = processState(pid);
  while (state === 'T' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    state = processState(pid);
  }
  return state;
}

describe('adapter: launch a program', function () {
  let session: AdapterSession;

  afterEach(async () => {
    await session?.stop();
  });

  after(() => cleanupDumps());

  it('runs a .dll, pauses on a snapshot, shows stacks and the heap, captures, continues and terminates', async () => {
    const dll = await buildFixture('Chain');
    const chainSource = fixtureSource('Chain');
    const initialCount = readConstant(chainSource, 'InitialCount');
    const payloadBytes = readConstant(chainSource, 'PayloadBytes');

    session = new AdapterSession();
    const capabilities = await session.start();
    assert.strictEqual(capabilities.supportsTerminateRequest, true);
    const processEvent = session.dc.waitForEvent('process');
    await Promise.all([session.dc.launchRequest({ program: dll } as DebugProtocol.LaunchRequestArguments), session.configurationDone()]);
    const pid = ((await processEvent) as DebugProtocol.ProcessEvent).body.systemProcessId!;
    assert.ok(pid > 0);
    await session.waitForOutput(/^READY$/m);

    // Pause: a snapshot, then the process frozen.
    const stopped = session.dc.waitForEvent('stopped');
    await session.dc.pauseRequest({ threadId: 1 });
    const stop = (await stopped) as DebugProtocol.StoppedEvent;
    assert.strictEqual(stop.body.reason, 'pause');
    assert.strictEqual(processState(pid), 'T', 'the paused process is stopped (SIGSTOP)');
    assert.strictEqual(session.snapshots.length, 1, 'one heaplens.snapshot event for the pause');
    const pauseSnapshot = session.snapshots[0].body as { snapshotId: string; dumpPath: string; reason: string; processId: number };
    assert.strictEqual(pauseSnapshot.reason, 'pause');
    assert.strictEqual(pauseSnapshot.processId, pid);

    // Threads: managed threads, the main one first (and the one the stop names).
    const { threads } = (await session.dc.threadsRequest()).body;
    assert.ok(threads.length >= 2, `expected the main thread and runtime threads, got ${JSON.stringify(threads)}`);
    assert.strictEqual(threads[0].id, stop.body.threadId);
    assert.match(threads[0].name, /Main Thread/);

    // The main thread's stack: the first frames with source are the fixture's wait (at its ReadLine) and Main at
    // the line marked heaplens:blocked (a call site, not the line after it).
    const { stackFrames } = (await session.dc.stackTraceRequest({ threadId: threads[0].id })).body;
    const user = framesWithSource(stackFrames);
    assert.ok(user.length >= 2, `expected frames with source, got ${JSON.stringify(stackFrames.map((f) => f.name))}`);
    assert.match(user[0].name, /FixtureProtocol\.WaitForGrow/);
    assert.strictEqual(user[0].source!.path, protocolSource);
    assert.strictEqual(user[0].line, lineContaining(protocolSource, 'Console.ReadLine()'));
    assert.match(user[1].name, /Chain\.Program\.Main/);
    assert.strictEqual(user[1].source!.path, chainSource);
    assert.strictEqual(user[1].line, markedLine(chainSource, 'blocked'));
    const above = stackFrames.slice(0, stackFrames.indexOf(user[0]));
    assert.ok(above.length > 0, 'framework frames (Console.ReadLine) sit above the fixture');
    for (const frame of above) assert.ok(frame.presentationHint === 'subtle' || frame.presentationHint === 'label', `${frame.name} has no source and should be subtle`);

    // The Heap scope: Chain.Leak with the count the program constructed, instances, fields.
    const { scopes } = (await session.dc.scopesRequest({ frameId: user[1].id })).body;
    const heapScope = scopes.find((s) => s.name === 'Heap');
    assert.ok(heapScope, `no Heap scope in ${JSON.stringify(scopes)}`);
    const types = (await session.dc.variablesRequest({ variablesReference: heapScope.variablesReference })).body.variables;
    const leak = types.find((v) => v.name === 'Chain.Leak');
    assert.ok(leak, `Chain.Leak is not among ${types.length} heap types`);
    assert.strictEqual(countOf(leak), initialCount);
    assert.strictEqual(leak.indexedVariables, initialCount);
    // Every Leak owns its byte[PayloadBytes] alone and the head holds the rest of the chain, so the Leaks retain
    // themselves and every payload: an array's size as the heap counts it is 24 bytes (header, method table, length)
    // plus its elements.
    assert.strictEqual(retainedOf(leak), bytesOf(leak) + initialCount * (24 + payloadBytes));
    const sizes = types.map(bytesOf);
    for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i - 1] >= sizes[i], 'heap types are listed by bytes, largest first');

    const page = (await session.dc.variablesRequest({ variablesReference: leak.variablesReference, filter: 'indexed', start: 10, count: 5 })).body.variables;
    assert.deepStrictEqual(
      page.map((v) => v.name),
      ['[10]', '[11]', '[12]', '[13]', '[14]'],
    );
    const fields = (await session.dc.variablesRequest({ variablesReference: page[0].variablesReference })).body.variables;
    assert.deepStrictEqual(fields.map((f) => f.name).sort(), ['index', 'm_prevLeak', 'payload']);
    const payload = fields.find((f) => f.name === 'payload')!;
    assert.ok(payload.variablesReference > 0, 'a reference field expands to its object');
    const array = (await session.dc.variablesRequest({ variablesReference: payload.variablesReference })).body.variables;
    assert.strictEqual(array.find((v) => v.name === 'Length')?.value, String(payloadBytes));

    // captureHeap while paused answers with the pause's snapshot.
    const captured = (await session.dc.customRequest('heaplens.captureHeap')).body as { snapshotId: string; dumpPath: string; objects: number; bytes: number };
    assert.strictEqual(captured.snapshotId, pauseSnapshot.snapshotId);
    assert.ok(captured.objects >= 2 * initialCount, `objects ${captured.objects}`);
    assert.ok(captured.bytes > initialCount * payloadBytes, `bytes ${captured.bytes}`);
    assert.strictEqual(fs.statSync(captured.dumpPath).mode & 0o777, 0o600, 'dumps are owner-only');
    assert.notStrictEqual((captured as { collected?: boolean }).collected, true, 'a paused program cannot run a GC: captured as it is');
    // With a path, the pause's dump is handed over there, owner-only: moved on the same file system (one file, and the
    // agent keeps the index it built), copied across file systems (asynchronously, progress in the Debug Console).
    const pausedDump = captured.dumpPath;
    const pausedSize = fs.statSync(pausedDump).size;
    const keepDir = makeDumpDir();
    const keepAt = path.join(keepDir, 'kept.dmp');
    const kept = (await session.dc.customRequest('heaplens.captureHeap', { path: keepAt })).body as { snapshotId: string; dumpPath: string };
    assert.strictEqual(kept.dumpPath, keepAt);
    assert.strictEqual(kept.snapshotId, pauseSnapshot.snapshotId, 'the same snapshot, not opened again');
    assert.strictEqual(fs.statSync(keepAt).size, pausedSize);
    assert.strictEqual(fs.statSync(keepAt).mode & 0o777, 0o600);
    if (fs.statSync(keepDir).dev === fs.statSync(path.dirname(pausedDump)).dev) {
      assert.ok(!fs.existsSync(pausedDump), 'moved, not copied: the session no longer has its own copy');
    } else {
      await session.waitForOutput(new RegExp(`Copying the snapshot to ${keepAt.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: 100%`));
    }

    // Continue thaws it; captureHeap on the running program takes a new snapshot and leaves it running.
    await session.dc.continueRequest({ threadId: threads[0].id });
    assert.notStrictEqual(await waitUntilRunning(pid), 'T', 'continue resumes the process');
    const fresh = (await session.dc.customRequest('heaplens.captureHeap')).body as { snapshotId: string; dumpPath: string; collected?: boolean };
    assert.notStrictEqual(fresh.snapshotId, pauseSnapshot.snapshotId);
    assert.strictEqual(fresh.collected, true, 'a running program collects garbage first');
    assert.strictEqual((session.snapshots.at(-1)!.body as { reason: string }).reason, 'capture');
    assert.notStrictEqual(processState(pid), 'T', 'a capture does not stop the program');
    const runningThreads = (await session.dc.threadsRequest()).body.threads;
    assert.strictEqual(runningThreads.length, 1, 'while running, one placeholder thread to pause on');

    // Terminate kills it; the session's dumps go with the session.
    const terminated = session.dc.waitForEvent('terminated');
    await session.dc.terminateRequest();
    await terminated;
    await waitForExit(pid);
    await session.stop();
    assert.ok(!fs.existsSync(pauseSnapshot.dumpPath), 'the session deletes the dumps it wrote');
    assert.strictEqual(fs.statSync(keepAt).size, pausedSize, 'a dump the user kept stays when the session ends');
    assert.match(session.consoleText, /Taking a heap snapshot of process/);
    assert.doesNotMatch(session.consoleText, /\[createdump\]/, "createdump's progress lines are not shown as program output");
  });

  it('builds a project, runs it with args, env and cwd, forwards Debug Console input, and ends with its exit', async () => {
    const project = path.join(appsDir, 'Crash', 'Crash.csproj');
    const source = fixtureSource('Crash');
    const cwd = makeDumpDir('heaplens-cwd-');
    session = new AdapterSession();
    await session.start();
    const processEvent = session.dc.waitForEvent('process');
    const launch = { program: project, args: ['first arg', 'second'], env: { HEAPLENS_ADAPTER_TEST: 'yes' }, cwd };
    await Promise.all([session.dc.launchRequest(launch as DebugProtocol.LaunchRequestArguments), session.configurationDone()]);
    const pid = ((await processEvent) as DebugProtocol.ProcessEvent).body.systemProcessId!;
    await session.waitForOutput(/^READY$/m);
    assert.match(session.consoleText, /Building .*Crash\.csproj/);
    assert.deepStrictEqual(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(-3, -1), ['first arg', 'second']);
    assert.match(fs.readFileSync(`/proc/${pid}/environ`, 'utf8'), /(^|\0)HEAPLENS_ADAPTER_TEST=yes\0/);
    assert.strictEqual(fs.readlinkSync(`/proc/${pid}/cwd`), cwd);

    // "grow" typed in the Debug Console reaches the program, which then dies of its unhandled exception: its
    // stderr reaches the Debug Console and its exit ends the session.
    const exited = session.dc.waitForEvent('exited');
    const terminated = session.dc.waitForEvent('terminated');
    await session.dc.evaluateRequest({ expression: 'grow', context: 'repl' });
    const exitCode = ((await exited) as DebugProtocol.ExitedEvent).body.exitCode;
    await terminated;
    assert.strictEqual(exitCode, 128 + os.constants.signals.SIGABRT, 'an unhandled exception aborts the process');
    const message = readStringConstant(source, 'RejectedMessage') + readConstant(source, 'RejectedIndex');
    await session.waitForOutput(new RegExp(`Unhandled exception\\. Crash\\.OrderRejectedException: ${message}`));
  });

  it('runs the program in the client terminal (runInTerminal) and still finds its process', async () => {
    const dll = await buildFixture('Chain');
    session = new AdapterSession();
    let shellPid: number | undefined;
    let terminalText = '';
    // Play the terminal: run the command in a shell that stays the parent, so the shell's pid is not the program's.
    session.onReverseRequest('runInTerminal', async (raw) => {
      const args = raw as DebugProtocol.RunInTerminalRequestArguments;
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const [name, value] of Object.entries(args.env ?? {})) {
        if (value === null) delete env[name];
        else env[name] = value;
      }
      const shell = spawn('/bin/sh', ['-c', '"$@"; exit $?', 'sh', ...args.args], { cwd: args.cwd, env, stdio: ['pipe', 'pipe', 'ignore'] });
      shell.stdout.on('data', (d: Buffer) => (terminalText += d.toString()));
      shellPid = shell.pid;
      return { shellProcessId: shell.pid };
    });
    await session.start({ supportsRunInTerminalRequest: true });
    const processEvent = session.dc.waitForEvent('process');
    await Promise.all([
      session.dc.launchRequest({ program: dll, console: 'integratedTerminal' } as DebugProtocol.LaunchRequestArguments),
      session.configurationDone(),
    ]);
    const pid = ((await processEvent) as DebugProtocol.ProcessEvent).body.systemProcessId!;
    assert.ok(shellPid, 'the adapter asked the client to run the program in a terminal');
    assert.notStrictEqual(pid, shellPid, 'the session debugs the program, not the shell');
    assert.match(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /Chain\.dll/);
    assert.strictEqual(session.consoleText.includes('READY'), false, 'the terminal, not the Debug Console, has the output');
    const deadline = Date.now() + 30_000;
    while (!/^READY$/m.test(terminalText) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.match(terminalText, /^READY$/m, 'the program ran in the terminal');

    const stopped = session.dc.waitForEvent('stopped');
    await session.dc.pauseRequest({ threadId: 1 });
    assert.strictEqual(((await stopped) as DebugProtocol.StoppedEvent).body.reason, 'pause');
    const terminated = session.dc.waitForEvent('terminated');
    await session.dc.terminateRequest();
    await terminated;
    await waitForExit(pid);
  });
});
